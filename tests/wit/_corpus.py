"""Helpers for the corpus tests: where the shared corpus is, and JSON comparison by meaning."""

from __future__ import annotations

import json
from typing import Any

from tests.support.corpus import CORPUS

UI = CORPUS / "wit-parser" / "ui"
PARSE_FAIL = UI / "parse-fail"
WASI = CORPUS / "wasi"


def normalize(doc: dict[str, Any]) -> dict[str, Any]:
    """Replace every index in a reference-schema JSON by what it points to.

    Two documents that mean the same thing normalise to equal values whatever
    order their arenas are in.
    """
    types = doc["types"]
    ifaces = doc["interfaces"]
    worlds = doc["worlds"]
    pkgs = doc["packages"]

    def pkg_name(i: int | None) -> str | None:
        return None if i is None else pkgs[i]["name"]

    def iface_ident(i: int) -> str:
        it = ifaces[i]
        if it["name"] is not None:
            return f"{pkg_name(it['package'])}/{it['name']}"
        # An anonymous interface: identify it by the world item that holds it.
        for w in worlds:
            for side in ("imports", "exports"):
                for key, item in w[side].items():
                    if item.get("interface", {}).get("id") == i and not key.startswith(
                        "interface-"
                    ):
                        return f"{pkg_name(w['package'])}/{w['name']}#{side}:{key}"
        return f"<anon {sorted(it['types'])} {sorted(it['functions'])}>"

    def world_ident(i: int) -> str:
        return f"{pkg_name(worlds[i]['package'])}/{worlds[i]['name']}"

    def ty(t: Any) -> Any:
        if t is None or isinstance(t, str):
            return t
        td = types[t]
        # An anonymous type's gate is derived from its parts by whichever use created it
        # first (wit-parser's `find_stability`), so it depends on declaration order, not
        # on meaning; the exact-JSON comparison still checks it.
        skip = ("kind", "owner", "stability") if td["name"] is None else ("kind", "owner")
        out = {k: v for k, v in td.items() if k not in skip}
        out["kind"] = kind(td["kind"])
        owner = td["owner"]
        if owner is None:
            out["owner"] = None
        elif "interface" in owner:
            out["owner"] = {"interface": iface_ident(owner["interface"])}
        else:
            out["owner"] = {"world": world_ident(owner["world"])}
        return out

    def kind(k: Any) -> Any:
        if isinstance(k, str):
            return k
        ((tag, body),) = k.items()
        if tag == "type" or tag in ("option", "list", "future", "stream"):
            return {tag: ty(body)}
        if tag == "handle":
            ((h, r),) = body.items()
            return {tag: {h: ty(r)}}
        if tag == "record":
            return {tag: [{**f, "type": ty(f["type"])} for f in body["fields"]]}
        if tag == "variant":
            return {tag: [{**c, "type": ty(c["type"])} for c in body["cases"]]}
        if tag == "tuple":
            return {tag: [ty(t) for t in body["types"]]}
        if tag == "result":
            return {tag: {"ok": ty(body["ok"]), "err": ty(body["err"])}}
        if tag in ("map",):
            return {tag: [ty(body[0]), ty(body[1])]}
        if tag == "fixed-length-list":
            return {tag: [ty(body[0]), body[1]]}
        return k

    def func(f: dict[str, Any]) -> dict[str, Any]:
        out = dict(f)
        out["params"] = [{"name": p["name"], "type": ty(p["type"])} for p in f["params"]]
        if "result" in f:
            out["result"] = ty(f["result"])
        if isinstance(f["kind"], dict):
            ((tag, r),) = f["kind"].items()
            out["kind"] = {tag: ty(r)}
        return out

    def iface(i: int) -> dict[str, Any]:
        it = ifaces[i]
        out = {k: v for k, v in it.items() if k not in ("types", "functions", "package")}
        out["ident"] = iface_ident(i)
        out["package"] = pkg_name(it["package"])
        out["types"] = {n: ty(t) for n, t in it["types"].items()}
        out["functions"] = {n: func(f) for n, f in it["functions"].items()}
        return out

    def item(it: dict[str, Any]) -> Any:
        if "interface" in it:
            body = dict(it["interface"])
            body["id"] = iface(body["id"])
            return {"interface": body}
        if "function" in it:
            return {"function": func(it["function"])}
        return {"type": ty(it["type"])}

    def key(k: str) -> str:
        if k.startswith("interface-"):
            return "interface:" + iface_ident(int(k[len("interface-") :]))
        return k

    def world(i: int) -> dict[str, Any]:
        w = worlds[i]
        out = {k: v for k, v in w.items() if k not in ("imports", "exports", "package")}
        out["package"] = pkg_name(w["package"])
        out["imports"] = {key(k): item(v) for k, v in w["imports"].items()}
        out["exports"] = {key(k): item(v) for k, v in w["exports"].items()}
        return out

    packages = {}
    for p in pkgs:
        out = {k: v for k, v in p.items() if k not in ("interfaces", "worlds")}
        out["interfaces"] = {n: iface(i) for n, i in p["interfaces"].items()}
        out["worlds"] = {n: world(i) for n, i in p["worlds"].items()}
        packages[p["name"]] = out
    dump = lambda v: json.dumps(v, sort_keys=True)  # noqa: E731
    return {
        "packages": packages,
        "interfaces": sorted(dump(iface(i)) for i in range(len(ifaces))),
        "worlds": sorted(dump(world(i)) for i in range(len(worlds))),
        # Anonymous types are compared where they are used; one that nothing uses (wit-parser
        # keeps, for example, the `borrow<r>` of a method its feature gate dropped) has no
        # meaning. The exact-JSON comparison still sees it.
        "types": sorted({dump(ty(i)) for i in range(len(types)) if types[i]["name"] is not None}),
    }
