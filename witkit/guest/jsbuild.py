"""`witkit build` of a JavaScript guest: componentize-js on Node.js, cached by content.

A JavaScript guest project is a folder whose `package.json` holds witkit's settings under
`"witkit"`:

    {"witkit": {"wit": "wit", "world": "greeter", "source": "app.js", "wasi": ["stdio"]}}

(`wit` defaults to `wit`, `source` to `app.js`; `wasi` lists the WASI features
componentize-js keeps, by default `stdio`, `random` and `clocks`: add `http` and
`fetch-event` for `fetch()`, which makes the component import `wasi:http`.)

The tools are the project's own: componentize-js is found in `node_modules` the way Node
finds a package (the project folder, then each parent). When it is missing and a
`package-lock.json` is present, `npm ci --ignore-scripts` installs exactly what the lock pins;
nothing else is fetched. The build runs `componentize_js.mjs` (beside this module) on
Node.js with a staged copy of the guest's files: the source module and the modules it
imports by relative path, followed statically (`js_sources`), which are also what the
cache key covers, with the WIT tree, the world, the WASI features and the versions of
componentize-js and the packages it builds with (jco, wizer, preview2-shim).

A TypeScript guest (`"source": "app.ts"`) is compiled first by the project's tsc into the
staging folder, against jco's declarations of the world (`witkit.guest.jscheck`, which is
also `--check`); the key then covers TypeScript's version too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from witkit import __version__
from witkit._parse import loads_json, loads_toml
from witkit.errors import BuildError
from witkit.guest.build import BuildResult, Progress, ProgressCallback
from witkit.guest.cache import BuildCache, FramedHash, publish
from witkit.guest.componentize import RunOutput, run_process
from witkit.guest.diagnose import ComponentizeError

if TYPE_CHECKING:  # the WIT resolver loads only when a build needs WIT names
    from witkit.guest.jsplan import JsPlan

PACKAGE_JSON = "package.json"
LOCK = "package-lock.json"
TOOL = "@bytecodealliance/componentize-js"
HELPERS = ("@bytecodealliance/jco", "@bytecodealliance/wizer", "@bytecodealliance/preview2-shim")
"""What componentize-js builds with besides itself: jco makes the component, wizer snapshots
it, preview2-shim runs its WIT splicer (imported, though componentize-js 0.23.0 does not
declare it: the scaffold's package.json names it)."""
WASI_FEATURES = ("stdio", "random", "clocks", "http", "fetch-event")
"""componentize-js's WASI features (all on unless disabled)."""
DEFAULT_WASI = ("stdio", "random", "clocks")
MIN_NODE = 20
INSTALL_NODE = (
    "install Node.js 20 or newer with npm (Debian or Ubuntu: `apt-get install nodejs npm`; "
    "elsewhere: https://nodejs.org)"
)
DRIVER = Path(__file__).with_name("componentize_js.mjs")
MARK = "witkit-js: "
"""Starts the driver's one-line JSON report of a failure."""


@dataclass(frozen=True)
class JsProjectConfig:
    """Where a JavaScript guest's WIT and source are, and which world it targets."""

    root: Path
    name: str
    """The project's name (`name` in package.json without a scope, else the folder's name)."""
    wit: Path
    world: str
    source: Path
    """The guest's module (absolute)."""
    wasi: tuple[str, ...] = DEFAULT_WASI

    def relative(self, path: Path) -> str:
        """`path` relative to the project folder when inside it, else as is."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _read_package(file: Path) -> dict[str, Any]:
    try:
        data = loads_json(file.read_bytes())
    except ValueError as e:
        raise BuildError(f"{file}: not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise BuildError(f"{file}: expected a JSON object")
    return data


def _has_python_settings(root: Path) -> bool:
    try:
        tool = loads_toml((root / "pyproject.toml").read_bytes()).get("tool")
    except (OSError, ValueError):
        return False
    return isinstance(tool, dict) and "witkit" in tool


def is_js_project(project_dir: str | Path) -> bool:
    """Whether the project is a JavaScript guest: a `package.json` with witkit's settings, and
    no `[tool.witkit]` in a `pyproject.toml` (BuildError when both configure one)."""
    root = Path(project_dir).resolve()
    file = root / PACKAGE_JSON
    if not file.is_file():
        return False
    try:
        data = loads_json(file.read_bytes())
    except (OSError, ValueError):
        return not (root / "pyproject.toml").is_file()  # load_js_config reports the JSON
    js = isinstance(data, dict) and "witkit" in data
    if js and _has_python_settings(root):
        raise BuildError(
            f'{root}: both package.json ("witkit") and pyproject.toml ([tool.witkit]) configure '
            "a guest; keep one"
        )
    return js


def _key_error(file: Path, key: str, problem: str) -> BuildError:
    return BuildError(f'{file}: "witkit" > "{key}": {problem}')


def load_js_config(project_dir: str | Path) -> JsProjectConfig:
    """Read `"witkit"` from `project_dir/package.json`; BuildError names the file and key."""
    root = Path(project_dir).resolve()
    file = root / PACKAGE_JSON
    if not file.is_file():
        raise BuildError(f'{file}: not found (a JavaScript guest project needs one with "witkit")')
    data = _read_package(file)
    table = data.get("witkit")
    if table is None:
        raise BuildError(
            f'{file}: no "witkit" settings (they name the WIT path and the world: '
            '"witkit": {"wit": "wit", "world": "..."})'
        )
    if not isinstance(table, dict):
        raise _key_error(file, "", "expected an object")
    known = {"wit", "world", "source", "wasi"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise _key_error(file, unknown[0], f"unknown key (known: {', '.join(sorted(known))})")

    def string(key: str, default: str | None) -> str:
        value = table.get(key, default)
        if value is None:
            raise _key_error(file, key, "missing (required)")
        if not isinstance(value, str) or not value.strip():
            raise _key_error(file, key, f"expected a non-empty string, found {value!r}")
        return value

    wit = root / string("wit", "wit")
    if not wit.exists():
        raise _key_error(file, "wit", f"{wit} does not exist")
    world = string("world", None)
    source = (root / string("source", "app.js")).resolve()
    if not source.is_file():
        raise _key_error(file, "source", f"{source} is not a file")
    if not source.is_relative_to(root):
        raise _key_error(file, "source", "must be inside the project folder")
    wasi = table.get("wasi", list(DEFAULT_WASI))
    if not isinstance(wasi, list) or not all(w in WASI_FEATURES for w in wasi):
        raise _key_error(
            file, "wasi", f"expected a list of {', '.join(WASI_FEATURES)}; found {wasi!r}"
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.rsplit("/", 1)[-1]:
        name = root.name
    return JsProjectConfig(
        root=root,
        name=name.rsplit("/", 1)[-1],
        wit=wit.resolve(),
        world=world,
        source=source,
        wasi=tuple(w for w in WASI_FEATURES if w in wasi),
    )


# -- the tools --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsTools:
    """The componentize-js a project builds with."""

    module: Path
    """The ES module componentize-js exports (`componentize()`)."""
    versions: tuple[tuple[str, str], ...]
    """(package, version) of componentize-js and each of `HELPERS`, as installed."""

    @property
    def version(self) -> str:
        """componentize-js's version."""
        return self.versions[0][1]


def package_dir(start: Path, name: str) -> Path | None:
    """Where Node finds package `name` from folder `start`: `node_modules/name` there or above."""
    for folder in (start, *start.parents):
        if folder.name == "node_modules":
            continue
        candidate = folder / "node_modules" / name
        if (candidate / "package.json").is_file():
            return candidate
    return None


def _manifest(folder: Path) -> dict[str, Any]:
    return _read_package(folder / PACKAGE_JSON)


def _entry(folder: Path, manifest: dict[str, Any]) -> Path:
    exports = manifest.get("exports")
    if isinstance(exports, dict) and "." in exports:
        exports = exports["."]
    target = exports.get("import") if isinstance(exports, dict) else exports
    if isinstance(target, dict):
        target = target.get("default")
    if not isinstance(target, str):
        target = manifest.get("main", "src/componentize.js")
    return (folder / str(target)).resolve()


def _pinned(config: JsProjectConfig) -> str | None:
    data = _read_package(config.root / PACKAGE_JSON)
    for section in ("devDependencies", "dependencies"):
        deps = data.get(section)
        if isinstance(deps, dict) and isinstance(deps.get(TOOL), str):
            return str(deps[TOOL])
    return None


def find_tools(config: JsProjectConfig) -> JsTools | None:
    """The installed componentize-js the project builds with, or None when there is none.

    BuildError when it is not the version package.json pins (`npm ci` installs that one)."""
    folder = package_dir(config.root, TOOL)
    if folder is None:
        return None
    manifest = _manifest(folder)
    version = str(manifest.get("version", "?"))
    pin = _pinned(config)
    if pin is not None and re.fullmatch(r"\d+\.\d+\.\d+\S*", pin) and pin != version:
        raise BuildError(
            f"{folder} is componentize-js {version}, but {config.relative(config.root / PACKAGE_JSON)} "
            f"pins {pin}: run `npm ci` in {config.root}"
        )
    versions = [(TOOL, version)]
    for helper in HELPERS:
        found = package_dir(folder, helper)
        versions.append((helper, str(_manifest(found).get("version", "?")) if found else "-"))
    return JsTools(_entry(folder, manifest), tuple(versions))


def _npm_error(out: RunOutput) -> str:
    lines = [ln.removeprefix("npm error").strip() for ln in out.text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("A complete log", "Log files"))]
    return lines[0] if lines else f"exit status {out.returncode}"


def install_tools(config: JsProjectConfig, tick: Callable[[float], None] | None = None) -> None:
    """`npm ci --ignore-scripts` in the project: the packages its lock file pins, nothing else."""
    if not (config.root / LOCK).is_file():
        raise BuildError(
            f"{config.root}: componentize-js is not installed (no node_modules/{TOOL}) and there "
            f"is no {LOCK} to install it from: run `npm install --save-dev --save-exact {TOOL}` there"
        )
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(
            f"npm not found on PATH (it installs the componentize-js {LOCK} pins, once): "
            f"{INSTALL_NODE}"
        )
    out = run_process(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=config.root, tick=tick
    )
    if out.returncode != 0:
        raise BuildError(f"{config.root / LOCK}: `npm ci` failed: {_npm_error(out)}")


@cache
def _node_checked(node: str) -> str:
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as e:
        raise BuildError(f"{node} --version failed ({e}): {INSTALL_NODE}") from None
    match = re.match(r"v(\d+)\.", version)
    if match is None or int(match.group(1)) < MIN_NODE:
        raise BuildError(
            f"{node} is Node.js {version or '?'}; componentize-js needs {MIN_NODE} or newer: {INSTALL_NODE}"
        )
    return node


def node_path() -> str:
    """Node.js on PATH (version 20 or newer), or a BuildError saying what to install."""
    node = shutil.which("node")
    if node is None:
        raise BuildError(
            f"node not found on PATH: a JavaScript guest is built on Node.js; {INSTALL_NODE}"
        )
    return _node_checked(node)


# -- what goes in -----------------------------------------------------------------------------

_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*(["'])(\.{1,2}/[^"'\r\n]+)\1""")
"""A relative module specifier after `from`, `import` or `import(` (static or literal)."""


_TS = {".ts": ".js", ".mts": ".mjs"}
"""TypeScript sources, and what tsc emits each as."""


def js_sources(config: JsProjectConfig) -> list[tuple[str, Path]]:
    """The guest's files, as (path relative to the project, path), sorted: the source module
    and the modules it imports by relative path, transitively. Bare specifiers are WIT
    imports (or packages, which componentize-js does not read); they are not followed."""
    found: dict[str, Path] = {}
    todo = [config.source]
    while todo:
        path = todo.pop()
        rel = Path(os.path.relpath(path, config.root)).as_posix()
        if rel in found or not path.is_file():
            continue
        found[rel] = path
        if path.suffix not in {".js", ".mjs", ".cjs", *_TS}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in _IMPORT.finditer(text):
            target = Path(os.path.normpath(path.parent / match.group(2)))
            if path.suffix in _TS and target.suffix in _TS.values():
                # TypeScript imports `./util.js` by the name tsc emits for `./util.ts`
                ts = target.with_suffix(next(k for k, v in _TS.items() if v == target.suffix))
                target = ts if ts.is_file() else target
            if not target.is_relative_to(config.root):
                raise BuildError(
                    f"{rel}: imports {match.group(2)!r}, outside the project folder (componentize-js "
                    "reads only the guest's own folder)"
                )
            todo.append(target)
    return sorted(found.items())


def js_cache_key(config: JsProjectConfig, tools: JsTools) -> str:
    """sha256 over the WIT tree, the guest's files, the world, the WASI features and the tools'
    versions: what goes into the component, and nothing else."""
    h = FramedHash()
    put = h.put
    put("witkit-guest-js-build/1", __version__)
    for package, version in tools.versions:
        put(package, version)
    if config.source.suffix in _TS:  # compiled by tsc first
        tsc = package_dir(config.root, "typescript") or package_dir(tools.module.parent, "typescript")
        put("typescript", str(_manifest(tsc).get("version", "?")) if tsc else "-")
    put(config.world, ",".join(config.wasi), config.relative(config.source))
    h.put_tree("wit", config.wit)
    for rel, path in js_sources(config):
        put("js", rel, path.read_bytes())
    return h.hexdigest()


def _plan(config: JsProjectConfig) -> JsPlan:
    from witkit.guest.jsplan import js_plan_for

    return js_plan_for(config.wit, config.world)


def _qualified_world(plan: JsPlan, config: JsProjectConfig) -> str:
    if ":" in config.world:
        return config.world
    resolve = plan.plan.resolve
    world = resolve.worlds[plan.plan.world_id]
    if world.package is None:
        return config.world
    name = resolve.packages[world.package].name
    version = f"@{name.version}" if name.version else ""
    return f"{name.namespace}:{name.name}/{world.name}{version}"


# -- errors -----------------------------------------------------------------------------------

_NO_EXPORT = re.compile(
    r'"(?P<src>[^"]+)" does not export a "(?P<path>[^"]+)" (?:(?P<prop>[\w$]+) )?'
    r"(?P<what>function|interface|resource) as expected by the world"
)
_AT = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+):(?P<col>\d+) (?P<err>(?:\w*Error|\w+): .*)$")
_LOADING = re.compile(
    r'Error loading module "(?P<spec>[^"]+)" \(resolved path "[^"]*"\): (?P<why>.+)'
)
_NOISE = (
    "Failed to initialize component",
    "Exception while evaluating top-level script",
    "Unable to extract expected exports list",
    "Additionally, some promises",
    "Promise rejected",
    "Stack:",
    "Redirecting call to abort",
    "Error: ",
)


def _report(raw: str) -> dict[str, Any]:
    for line in reversed(raw.splitlines()):
        if line.startswith(MARK):
            try:
                data = json.loads(line[len(MARK) :])
            except ValueError:
                break
            if isinstance(data, dict):
                return data
    return {}


def diagnose_js(
    raw: str, config: JsProjectConfig, plan: Callable[[], JsPlan | None] = lambda: None
) -> ComponentizeError:
    """The one-line error for componentize-js's output `raw`, naming the file and WIT item."""
    report = _report(raw)
    message = str(report.get("message") or raw.strip() or "failed without a message")
    source = config.relative(config.source)

    def error(text: str, file: str | None, wit_item: str | None = None) -> ComponentizeError:
        return ComponentizeError(text, raw_output=raw, file=file, wit_item=wit_item)

    if "file" in report:  # a syntax error of the source, located by the driver
        where = ":".join(str(report[k]) for k in ("file", "line", "column") if report.get(k))
        return error(f"{where}: {message}", str(report["file"]))
    if match := _NO_EXPORT.search(message):
        path, prop, what = match.group("path"), match.group("prop"), match.group("what")
        p = plan()
        if prop is None and what == "function":
            wit = (p.wit_item(path) if p else None) or path
            return error(
                f"{source}: no `export function {path}` for the world's export `{wit}`", source, wit
            )
        if prop is None:
            wit = (p.wit_item(path) if p else None) or path
            alias = next((i.local for i in p.interfaces if i.wit_path == wit), path) if p else path
            return error(
                f"{source}: no exported object for interface `{wit}` "
                f"(`export const {alias} = {{ ... }}`)",
                source,
                wit,
            )
        wit = (p.wit_item(prop, path) if p else None) or f"{path}#{prop}"
        kind = "class" if what == "resource" else "function"
        alias = next((i.local for i in p.interfaces if i.wit_path == path), None) if p else None
        holder = f"`{alias}` (exported for `{path}`)" if alias else f"exported for `{path}`"
        return error(
            f"{source}: the object {holder} has no {kind} `{prop}` for `{wit}`", source, wit
        )
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    for line in lines:
        if at := _AT.match(line):
            file = at.group("file")
            return error(
                f"{file}:{at.group('line')}:{at.group('col')}: {at.group('err').rstrip(':')} "
                "(while componentize-js ran the guest's top level)",
                file,
            )
        if loading := _LOADING.search(line):
            spec, why = loading.group("spec"), loading.group("why")
            if spec.startswith("."):
                return error(f"{source}: cannot load module {spec!r}: {why}", source)
            p = plan()
            known = ", ".join(f"`{i.specifier}`" for i in p.imports) if p else ""
            offered = f" (the world's imports: {known})" if known else ""
            return error(
                f"{source}: cannot import {spec!r}: not a module the world imports{offered}; "
                "componentize-js does not read node_modules (bundle packages first)",
                source,
            )
    rest = [ln for ln in lines if not ln.startswith(_NOISE) and not ln.startswith("@")]
    detail = rest[0] if rest else (lines[0] if lines else message)
    return error(f"{source}: componentize-js failed: {detail}", source)


# -- the build --------------------------------------------------------------------------------


def _stage(config: JsProjectConfig, dest: Path) -> None:
    for rel, path in js_sources(config):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _componentize(
    config: JsProjectConfig,
    tools: JsTools,
    world: str,
    output: Path,
    tick: Callable[[float], None],
    verbose: bool = False,
) -> RunOutput:
    node = node_path()
    with tempfile.TemporaryDirectory(prefix="witkit-js-") as tmp:
        stage = Path(tmp) / "guest"
        scratch = Path(tmp) / "tmp"  # componentize-js's work folders, removed with this one
        stage.mkdir()
        scratch.mkdir()
        source = config.relative(config.source)
        if config.source.suffix in _TS:
            from witkit.guest.jscheck import check_js

            # tsc writes the JavaScript there, laid out as the project is
            check_js(config, tools, verbose=verbose, emit=stage)
            source = Path(source).with_suffix(_TS[config.source.suffix]).as_posix()
        else:
            _stage(config, stage)
        job = {
            "componentize": str(tools.module),
            "source": source,
            "wit": str(config.wit),
            "world": world,
            "disable": [w for w in WASI_FEATURES if w not in config.wasi],
            "out": str(output),
        }
        env = {**os.environ, "TMPDIR": str(scratch), "RUST_BACKTRACE": "0"}
        return run_process([node, str(DRIVER), json.dumps(job)], env=env, cwd=stage, tick=tick)


def ready_tools(config: JsProjectConfig, report: ProgressCallback | None = None) -> JsTools:
    """The project's componentize-js, installed first by `npm ci` when it is missing."""
    tools = find_tools(config)
    if tools is not None:
        return tools
    message = f"installing the pinned componentize-js ({LOCK}: npm ci)"
    say = report or (lambda p: None)
    say(Progress("install", message, 0.0))
    install_tools(config, tick=lambda t: say(Progress("install", message, t)))
    tools = find_tools(config)
    if tools is None:
        raise BuildError(f"{config.root}: `npm ci` did not install {TOOL}; add it to package.json")
    say(Progress("install", message, 0.0, done=True))
    return tools


def build_js_project(
    project_dir: str | Path,
    output: str | Path | None = None,
    *,
    verbose: bool = False,
    check: bool = False,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Build the JavaScript guest in `project_dir` into a component (reusing a cached build)."""
    config = load_js_config(project_dir)
    out = (
        Path(output).resolve()
        if output is not None
        else config.root / "build" / f"{config.name}.wasm"
    )
    report = progress or (lambda p: None)
    tools = ready_tools(config, report)
    if check:
        from witkit.guest.jscheck import check_js

        report(Progress("check", "type-checking the guest with tsc", 0.0))
        check_js(config, tools, verbose=verbose)
    key = js_cache_key(config, tools)
    store = BuildCache(config.root / ".witkit" / "build")
    hit = store.get(key)
    if hit is not None:
        wasm, sha = hit
        publish(wasm, sha, out)
        report(Progress("cached", "unchanged since the last build", 0.0, done=True))
        return BuildResult(out, wasm.stat().st_size, sha, cached=True)

    plan = _plan(config)  # bad WIT fails here as a WitError, rendered as `witkit wit check` does
    source = config.relative(config.source)
    message = f"componentizing {source} for world {config.world} (componentize-js {tools.version})"
    try:
        with store.put(key) as tmp_wasm:
            report(Progress("componentize", message, 0.0))
            run = _componentize(
                config,
                tools,
                _qualified_world(plan, config),
                tmp_wasm,
                lambda t: report(Progress("componentize", message, t)),
                verbose,
            )
            if run.returncode != 0 or not tmp_wasm.is_file():
                raise diagnose_js(run.text, config, lambda: plan)
    except ComponentizeError as e:
        if verbose and e.raw_output:
            raise ComponentizeError(
                f"{e.message}\n\ncomponentize-js said:\n{e.raw_output}",
                raw_output=e.raw_output,
                file=e.file,
                wit_item=e.wit_item,
            ) from None
        raise
    stored = store.get(key)
    if stored is None:  # pragma: no cover - the store just wrote it
        raise BuildError(f"{store.folder}: the built component vanished from the cache")
    wasm, sha = stored
    publish(wasm, sha, out)
    report(Progress("componentize", message, 0.0, done=True))
    return BuildResult(out, wasm.stat().st_size, sha, cached=False)
