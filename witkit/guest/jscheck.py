"""`witkit build --check` for a JavaScript guest, and the compile of a TypeScript one: tsc
over the guest's own files against the world's declarations.

The declarations are jco's (`jco guest-types`, through `js_types.mjs`): the same bindgen
componentize-js builds the guest's bindings with, so the check holds the guest to the types
it is called with, not to a second mapping witkit would keep in step. jco declares each
interface the world imports (`declare module "ns:pkg/iface@ver"`) and the world's exports
(`declare module "ns:pkg/world@ver"`); it leaves out world-level imported functions, which
witkit declares itself (`import log from "log"`, `witkit.guest.tstypes`).

witkit then writes a small `check.ts` holding one line per export, `import { countVowels as
_0 } from "<the guest>"; export const _0_: <declared type> = _0;`, and runs the project's
own TypeScript (pinned in its `package-lock.json`) as `tsc --allowJs --checkJs --strict`
(implicit `any` allowed in JavaScript, which declares no parameter types; not in
TypeScript), `--noEmit` for a check and into the staging folder for a TypeScript build. An
error on a line of `check.ts` is an export that does not match the world; witkit names it
by the export's WIT item and by where the guest's module defines it. An error in the
guest's own files keeps its file and line, and names the export defined on that line.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from witkit._text import plural
from witkit.errors import BuildError
from witkit.guest.check import CheckError
from witkit.guest.componentize import run_process
from witkit.guest.jsbuild import (
    LOCK,
    JsProjectConfig,
    JsTools,
    _qualified_world,
    _report,
    js_sources,
    load_js_config,
    node_path,
    package_dir,
    ready_tools,
)
from witkit.guest.jsplan import JsPlan, js_plan_for, lower_camel
from witkit.guest.jsscaffold import js_key
from witkit.guest.tstypes import ts_returns, ts_type
from witkit.wit import model as m

TYPESCRIPT = "typescript"
JCO = "@bytecodealliance/jco"
DRIVER = Path(__file__).with_name("js_types.mjs")
LIBS = ("ES2023", "DOM")
"""What the guest may use besides its imports: the language, and the web APIs
componentize-js's engine (StarlingMonkey) offers (`console`, `TextEncoder`, `URL`, `fetch`)."""


@dataclass(frozen=True)
class _Export:
    """One line of `check.ts`: an export the guest must have, and its WIT item."""

    js_name: str
    """The export's name in the guest's module (`countVowels`, `api`)."""
    wit_item: str
    declared: str
    """Its declared type, in TypeScript."""
    interface: str | None = None
    """The WIT path, for an exported interface."""


def find_typescript(config: JsProjectConfig, tools: JsTools) -> Path:
    """The `tsc` of the project's pinned TypeScript; BuildError saying how to pin it."""
    for start in (config.root, tools.module.parent):
        folder = package_dir(start, TYPESCRIPT)
        if folder is not None and (folder / "bin" / "tsc").is_file():
            return folder / "bin" / "tsc"
    raise BuildError(
        f"{config.root}: --check and TypeScript guests need TypeScript, which {LOCK} does not "
        "install: run "
        f"`npm install --save-dev --save-exact {TYPESCRIPT}` there (witkit new pins it)"
    )


# -- declarations -----------------------------------------------------------------------------


def import_declarations(plan: JsPlan) -> str:
    """`declare module` for each function the world imports by itself (`import log from "log"`)."""
    resolve = plan.plan.resolve
    world = resolve.worlds[plan.plan.world_id]
    out = []
    for im in plan.imports:
        item = world.imports.get(im.specifier)
        if not im.default or not isinstance(item, m.WorldFunction):
            continue
        f = item.function
        params = ", ".join(
            f"{lower_camel(p.name)}_: {ts_type(resolve, p.type)}" for p in f.params
        )
        out.append(
            f"declare module {json.dumps(im.specifier)} {{\n"
            f"  /** WIT: `{im.signature}` */\n"
            f"  export default function f({params}): {ts_returns(resolve, f)};\n"
            "}\n"
        )
    return "".join(out)


def _exports(plan: JsPlan, world_module: str) -> list[_Export]:
    world = f"import({json.dumps(world_module)})"
    out = [
        _Export(f.js_name, f.wit_path, f"(typeof {world})[{json.dumps(f.js_name)}]")
        for f in plan.functions
    ]
    for i in plan.interfaces:
        name = i.local if i.exported_as_alias else i.wit_path
        out.append(_Export(name, i.wit_path, f"typeof import({json.dumps(i.wit_path)})", i.wit_path))
    return out


def _check_source(guest: str, exports: list[_Export]) -> tuple[str, dict[int, _Export]]:
    """`check.ts` and which of its lines checks which export."""
    lines = [
        "// Written by `witkit build --check`: each line holds one export to the world's type.",
        "/// <reference path=\"./types/imports.d.ts\" />",
    ]
    by_line = {}
    for n, export in enumerate(exports):
        by_line[len(lines) + 1] = export
        name = js_key(export.js_name)  # an identifier, or the string of an interface's name
        lines.append(
            f"import {{ {name} as _{n} }} from {json.dumps(guest)}; "
            f"export const _{n}_: {export.declared} = _{n};"
        )
    return "\n".join(lines) + "\n", by_line


# -- tsc's report -----------------------------------------------------------------------------

_ERROR = re.compile(r"^(?P<file>[^\s(][^(]*)\((?P<line>\d+),(?P<col>\d+)\): error TS\d+: (?P<msg>.*)$")
_MISSING = re.compile(r"has no exported member")
_MEMBER = re.compile(
    r"Types of property '(?P<name>[^']+)' are incompatible"
    r"|The types (?:returned by|of) '(?P<call>[\w$.]+)\(\.\.\.\)' are incompatible"
)
"""How tsc names the member of an exported object that does not match: `echoShape`,
`Counter.merge` (a resource's static function)."""


def _problems(raw: str) -> list[tuple[str, int, str, list[str]]]:
    """(file, line, message, the lines elaborating it) for each error tsc printed."""
    out: list[tuple[str, int, str, list[str]]] = []
    for line in raw.splitlines():
        if match := _ERROR.match(line):
            out.append((match["file"], int(match["line"]), match["msg"], []))
        elif out and line.startswith(" ") and line.strip():
            out[-1][3].append(line.strip())
    return out


def _line(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def _defined_at(config: JsProjectConfig, name: str, member: str | None = None) -> str:
    """`app.js:8` where the guest's module defines export `name`, or `member` of it (`echoShape`,
    `Counter.merge`); the module alone when it is not found."""
    source = config.relative(config.source)
    text = config.source.read_text(encoding="utf-8", errors="replace")

    def definition(word: str, start: int = 0) -> re.Match[str] | None:
        w = re.escape(word)
        local = re.search(rf"export\s*\{{[^}}]*?\b([\w$]+)\s+as\s+(?:{w}\b|[\"']{w}[\"'])", text)
        target = re.escape(local.group(1)) if local else w
        pattern = rf"^[^\S\n]*(?:export\s+)?(?:async\s+)?(?:function\*?|class|const|let|var)\s+{target}\b"
        return re.compile(pattern, re.MULTILINE).search(text, start)

    found = definition(name)
    if found is None:
        return source
    at = found.start()
    for part in (member or "").split(".") if member else ():
        if part[:1].isupper() and (cls := definition(part)):  # a resource's class
            at = cls.start()
            continue
        w = re.escape(part)
        method = re.compile(rf"^[^\S\n]*(?:static\s+)?(?:async\s+)?\*?{w}\s*[(:]", re.MULTILINE)
        if hit := method.search(text, at):
            at = hit.start()
    return f"{source}:{_line(text, at)}"


def _member_item(plan: JsPlan, interface: str, member: str) -> str | None:
    """The WIT path of `echoShape` or `Counter.merge` on the exported interface `interface`."""
    first, _, rest = member.partition(".")
    item = plan.wit_item(first, interface)
    if not rest:
        return item
    for i in plan.interfaces:
        for r in i.resources if i.wit_path == interface else ():
            if r.js_name == first:
                return next((f.wit_path for f in r.functions if f.js_name == rest), r.wit_path)
    return item


def _explain(
    export: _Export, message: str, detail: list[str], config: JsProjectConfig, plan: JsPlan
) -> str:
    if _MISSING.search(message):
        source = config.relative(config.source)
        if export.interface is None:
            return f"{source}: no `export function {export.js_name}` for the world's export `{export.wit_item}`"
        return (
            f"{source}: no exported object `{export.js_name}` for interface `{export.wit_item}`"
        )
    wit = export.wit_item
    why = detail or [message]
    member = None
    if export.interface is not None and (found := _MEMBER.search(why[0])):
        member = found["name"] or found["call"]
        wit = _member_item(plan, export.interface, member) or wit
        why = why[1:] or why
    why = [w.rstrip(".") for w in why]
    where = _defined_at(config, export.js_name, member)
    return f"{where}: `{wit}` does not match its WIT type: {': '.join(why)}"


def condense(
    raw: str, config: JsProjectConfig, plan: JsPlan, check_file: str, lines: dict[int, _Export]
) -> list[str]:
    """One line per problem tsc reported: file:line, and the WIT item where there is one (an
    error on the line that defines an export names the export's)."""
    defined = {_defined_at(config, e.js_name): e for e in lines.values()}
    problems = []
    for file, line, message, detail in _problems(raw):
        export = lines.get(line) if Path(file).name == Path(check_file).name else None
        if export is not None:
            problems.append(_explain(export, message, detail, config, plan))
            continue
        where = f"{file}:{line}"
        why = ": ".join(w.rstrip(".") for w in (message, *detail)) if detail else message
        at = defined.get(where)
        problems.append(f"{where}: `{at.wit_item}`: {why}" if at else f"{where}: {why}")
    return problems or [raw.strip() or "tsc failed without a message"]


# -- the check --------------------------------------------------------------------------------


TS_SUFFIXES = {".ts": ".js", ".mts": ".mjs"}
"""A TypeScript source, and what tsc emits it as (and what a module imports it by)."""


def is_typescript(config: JsProjectConfig) -> bool:
    """Whether the guest's source is TypeScript (compiled with tsc before componentize-js)."""
    return config.source.suffix in TS_SUFFIXES


def check_js(
    config: JsProjectConfig, tools: JsTools, *, verbose: bool = False, emit: Path | None = None
) -> None:
    """Type-check the guest's own files against the world; CheckError lists each mismatch.

    With `emit` (a TypeScript guest's build), tsc also writes the JavaScript there, laid out
    as the project is, unless it found an error."""
    tsc = find_typescript(config, tools)
    jco = package_dir(tools.module.parent, JCO) or package_dir(config.root, JCO)
    if jco is None:
        raise BuildError(f"{config.root}: --check needs jco, which {LOCK} does not install")
    node = node_path()
    plan = js_plan_for(config.wit, config.world)
    world_module = _qualified_world(plan, config)
    typescript = is_typescript(config)
    scripts = {".js", ".mjs", ".cjs", *TS_SUFFIXES}
    sources = [p for _, p in js_sources(config) if p.suffix in scripts]
    home = config.root / ".witkit"
    home.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="check-", dir=home))
    try:
        types = folder / "types"
        job = {"jco": str(jco / "package.json"), "wit": str(config.wit), "world": world_module}
        out = run_process([node, str(DRIVER), json.dumps({**job, "out": f"{types}/"})])
        if out.returncode != 0:
            message = _report(out.text).get("message") or out.text.strip()
            raise BuildError(f"{config.relative(config.wit)}: jco cannot declare world "
                             f"`{config.world}`'s types: {message}")  # fmt: skip
        (types / "imports.d.ts").write_text(import_declarations(plan), encoding="utf-8")
        module = config.source.with_suffix(TS_SUFFIXES.get(config.source.suffix, config.source.suffix))
        source, lines = _check_source(module.as_posix(), _exports(plan, world_module))
        check = folder / "check.ts"
        check.write_text(source, encoding="utf-8")
        declared = sorted(p.as_posix() for p in types.rglob("*.d.ts"))
        options: dict[str, object] = {
            "noEmit": emit is None, "allowJs": True, "checkJs": True, "strict": True,
            # plain JavaScript declares no parameter types; TypeScript does
            "noImplicitAny": typescript, "target": "ES2022", "module": "NodeNext",
            "moduleResolution": "NodeNext", "lib": list(LIBS), "types": [],
            "skipLibCheck": True, "pretty": False, "noErrorTruncation": True,
        }  # fmt: skip
        if emit is not None:
            options.update(outDir=str(emit), rootDir=str(config.root), noEmitOnError=True)
        tsconfig = {
            "compilerOptions": options,
            "files": [check.as_posix(), *declared, *(p.as_posix() for p in sources)],
        }
        (folder / "tsconfig.json").write_text(json.dumps(tsconfig, indent=2), encoding="utf-8")
        run = run_process([node, str(tsc), "-p", str(folder / "tsconfig.json")], cwd=config.root)
        if run.returncode == 0:
            return
        raw = run.text.strip()
        problems = condense(raw, config, plan, check.name, lines)
        count = plural(len(problems), "problem")
        message = f"the guest does not match world `{config.world}` ({count}):\n  " + "\n  ".join(
            problems
        )
        if verbose:
            message += f"\n\ntsc said:\n{raw}"
        raise CheckError(message, problems=problems, raw_output=raw)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_js_project(project_dir: str | Path = ".", *, verbose: bool = False) -> None:
    """Type-check the JavaScript guest in `project_dir` (what `witkit build --check` does first)."""
    config = load_js_config(project_dir)
    check_js(config, ready_tools(config), verbose=verbose)
