"""`witkit new --lang js` (or `ts`): the files of a buildable JavaScript guest project.

The project pins its tools the way `templates/guest-js/tools/` does: that folder's
`package.json` names componentize-js at an exact version and its `package-lock.json` pins
every package beneath it (integrity hashes, no install scripts), so `npm ci` in the project
installs exactly what witkit was tested with. Regenerate the lock there with
`npm install --package-lock-only` after changing the pin.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment

from witkit.errors import BuildError
from witkit.guest.jsplan import JsPlan

SOURCES = {"js": "app.js", "ts": "app.ts"}
"""The guest's module in a new project, by language."""

TOOLS_PACKAGE = "tools/package.json"
TOOLS_LOCK = "tools/package-lock.json"


@dataclass(frozen=True)
class JsProjectView:
    """Project-wide facts the templates need."""

    name: str
    world: str
    source: str
    wit_source: str
    lang: str = "js"
    """`js` or `ts`."""


def js_string(text: object) -> str:
    """`text` as a double-quoted string literal JavaScript and JSON both read back as itself."""
    return json.dumps(str(text))


def js_comment(text: object) -> str:
    """`text` fit for a `//` or `/* */` comment: one line, and no `*/` that would end one."""
    return " ".join(str(text).split()).replace("*/", "*\\/")


def js_summary(docs: str | None) -> str:
    """The first sentence of WIT docs (of their first paragraph), as comment text."""
    if not docs or not docs.strip():
        return ""
    paragraph = " ".join(docs.strip().split("\n\n", 1)[0].split())
    end = paragraph.find(". ")
    return js_comment(paragraph[: end + 1] if end >= 0 else paragraph)


_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def js_key(name: str) -> str:
    """A property name in an object literal: as is when an identifier, else quoted."""
    return name if _IDENTIFIER.match(name) else js_string(name)


def _add_filters(env: Environment) -> None:
    env.filters["jsstr"] = js_string
    env.filters["jscomment"] = js_comment
    env.filters["jssummary"] = js_summary
    env.filters["jskey"] = js_key


def _json_source(env: Environment, name: str) -> Any:
    assert env.loader is not None
    text, filename, _ = env.loader.get_source(env, name)
    try:
        return json.loads(text)
    except ValueError as e:
        raise BuildError(f"{filename}: not valid JSON: {e}") from None


def npm_name(name: str) -> str:
    """The project's name as npm accepts it: lower case, not starting with `.` or `_`."""
    return name.lower().lstrip("._") or "guest"


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def js_files(
    env: Environment, name: str, world: str, plan: JsPlan, lang: str = "js"
) -> dict[str, str]:
    """The project's files besides its WIT: package.json and its lock, the module (`app.js`,
    or `app.ts` for `lang` `ts`), a README, a `.gitignore` and a test."""
    source = SOURCES[lang]
    _add_filters(env)
    tools = _json_source(env, TOOLS_PACKAGE)
    lock = _json_source(env, TOOLS_LOCK)
    if not isinstance(tools, dict) or not isinstance(lock, dict):
        raise BuildError(f"{TOOLS_PACKAGE} and {TOOLS_LOCK} must each hold a JSON object")
    package_name = npm_name(name)
    dev = tools.get("devDependencies", {})
    package = {
        "name": package_name,
        "version": "0.1.0",
        "private": True,
        "description": f"A WebAssembly component plugin for world {plan.world_path}, "
        f"written in {'TypeScript' if lang == 'ts' else 'JavaScript'}.",
        "type": "module",
        "scripts": {"build": "witkit build", "test": "python -m pytest"},
        "witkit": {"wit": "wit", "world": world, "source": source},
        "devDependencies": dev,
    }
    lock = {**lock, "name": package_name, "version": "0.1.0"}
    root = dict(lock.get("packages", {}).get("", {}))
    root.update(name=package_name, version="0.1.0", devDependencies=dev)
    lock["packages"] = {**lock.get("packages", {}), "": root}
    project = JsProjectView(name, world, source, f"`{plan.world_path}` (wit/)", lang)
    return {
        "package.json": _json(package),
        "package-lock.json": _json(lock),
        source: env.get_template(f"app.{lang}.jinja").render(project=project, plan=plan),
        "README.md": env.get_template("README.md.jinja").render(project=project, plan=plan),
        ".gitignore": env.get_template("gitignore.jinja").render(project=project, plan=plan),
        "tests/test_component.py": env.get_template("tests/test_component.py.jinja").render(
            project=project, plan=plan
        ),
    }
