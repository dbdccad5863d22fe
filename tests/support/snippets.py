"""Run the fenced code blocks of witkit's Markdown pages as a reader would.

A page (`README.md`, `docs/**/*.md`, `examples/*/README.md`) is cut into its fenced blocks.
A block may be preceded by one directive line, an HTML comment a Markdown viewer hides:

    <!-- snippet: skip: REASON -->          not run; the reason says what runs it instead
    <!-- snippet: cwd=examples/vowels needs=vowels mkdir=data -->

What a block does depends on its language:

- `python`: executed in one namespace per page, in page order, in `cwd`; what it prints is
  compared with a `text` block that follows it (only prose between).
- `sh`: the whole block runs in `bash -euo pipefail`; it must exit 0. With the directive
  `ci`, it is not run here: every command line must instead appear verbatim in `.ci/run`
  (the README's set-up commands, which CI runs on a clean clone).
- `console`: `$ command` lines, each followed by exactly what it prints.
- `toml`: parsed with `tomllib`; with `manifest`, also read by `witkit.load_manifest`.
- `text` after a `python` block: that block's expected output (see above).
- a block with no language: must say what it is, `paths` (a file layout: the first word of
  each line names a path of the repository) or `skip: REASON`.
- anything else (`wit` excerpts, ...): must be `skip: REASON`.

Directive keys: `cwd=PATH` (relative to the page's copy of the repository), `needs=vowels`
(the vowel counter built to `examples/vowels/build/vowels.wasm`, through the test-guest
cache, and its bindings generated into `examples/vowels/bindings`, which goes on
`sys.path`), `mkdir=PATH` (a folder the block expects to exist), `cache` (the guest project
in `cwd` keeps `witkit build`'s cache, its `.witkit/` folder, in the test cache between runs:
an unchanged guest a page builds is then not built again by the next run).

`run_page(page, root, repo)` runs every block of `page` (a path inside `root`, a copy of the
repository) and returns one `Failure` per block that did not do what the page says, naming
the page and the line of its fence. `python -m tests.support.snippets PAGE ROOT REPO`
prints them as JSON, so that a test can run each page in a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tomllib
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

FENCE = re.compile(r"^(```+)\s*([\w+-]*)\s*$")
DIRECTIVE = re.compile(r"^<!--\s*snippet:\s*(.*?)\s*-->\s*$")
KINDS = ("python", "sh", "console", "toml", "text", "")


@dataclass
class Block:
    page: str
    line: int
    """1-based line of the opening fence."""
    lang: str
    text: str
    directive: dict[str, str] = field(default_factory=dict)
    skip: str | None = None
    prose_before: str = ""
    """The page text between the previous block and this one."""

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass
class Failure:
    where: str
    message: str


class PageError(Exception):
    """A page whose blocks cannot be read: an unclosed fence, a malformed directive."""


def parse_directive(text: str, where: str) -> tuple[dict[str, str], str | None]:
    """`key=value` and bare `key` tokens, or `skip: REASON` (a reason is required)."""
    if text.startswith("skip"):
        reason = text[4:].lstrip(" :").strip()
        if not text[4:].lstrip().startswith(":") or not reason:
            raise PageError(f"{where}: `skip` needs a reason: <!-- snippet: skip: REASON -->")
        return {}, reason
    keys: dict[str, str] = {}
    for token in text.split():
        key, _, value = token.partition("=")
        if key not in {"cwd", "needs", "mkdir", "cache", "ci", "manifest", "paths"}:
            raise PageError(f"{where}: unknown snippet directive {key!r}")
        keys[key] = value
    return keys, None


def blocks(page: Path, name: str) -> list[Block]:
    """The fenced blocks of `page` (shown as `name`), each with its directive."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            prose.append(lines[i])
            i += 1
            continue
        fence, lang = match.groups()
        start = i
        directive: dict[str, str] = {}
        skip = None
        previous = next((p for p in reversed(prose) if p.strip()), "")
        found_directive = DIRECTIVE.match(previous.strip())
        if found_directive is not None:
            directive, skip = parse_directive(found_directive.group(1), f"{name}:{start + 1}")
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].rstrip() != fence:
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise PageError(f"{name}:{start + 1}: the code block is never closed")
        i += 1
        found.append(
            Block(name, start + 1, lang, "\n".join(body) + "\n", directive, skip, "\n".join(prose))
        )
        prose = []
    return found


# -- running --------------------------------------------------------------------------------


def _vowels(root: Path) -> Path:
    """The vowel counter built and bound inside `root`; returns its bindings folder."""
    from tests.support.guests import build_guest

    example = root / "examples" / "vowels"
    component = build_guest(
        example / "wit", "vowels", {"app.py": (example / "app.py").read_text(encoding="utf-8")}
    )
    (example / "build").mkdir(exist_ok=True)
    target = example / "build" / "vowels.wasm"
    if not target.exists():
        target.write_bytes(component.read_bytes())
    bindings = example / "bindings"
    if not (bindings / "vowels").exists():
        subprocess.run(
            [sys.executable, "-m", "witkit", "generate", str(example / "wit"), "-o", str(bindings)],
            check=True,
            capture_output=True,
        )
    return bindings


def _keep_builds(project: Path, name: str) -> None:
    """Make `project/.witkit` a link to a folder of the test cache named after `name`.

    `witkit build`'s cache key is a content hash that does not depend on where the project
    is, so a page's guest built in one run's copy of the repository is found by the next.
    """
    from tests.support.guests import cache_dir

    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    kept = cache_dir().parent / "snippet-builds" / digest
    kept.mkdir(parents=True, exist_ok=True)
    link = project / ".witkit"
    if not link.exists() and not link.is_symlink():
        project.mkdir(parents=True, exist_ok=True)
        link.symlink_to(kept, target_is_directory=True)


def _env() -> dict[str, str]:
    """Commands find this interpreter's `witkit` and `python` first."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _sh(text: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", text],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _console(block: Block, cwd: Path) -> str | None:
    """Run each `$ command` and compare its output with the lines after it."""
    commands: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
        elif line.strip():
            return f"output before the first `$ ` command: {line!r}"
    if not commands:
        return "a console block with no `$ ` command"
    for command, expected in commands:
        run = _sh(command, cwd)
        if run.returncode != 0:
            return f"`{command}` exited {run.returncode}: {(run.stderr or run.stdout).strip()[-800:]}"
        got = [line.rstrip() for line in run.stdout.rstrip("\n").splitlines()]
        want = [line.rstrip() for line in expected]
        while want and not want[-1]:
            want.pop()
        if got != want:
            return f"`{command}` printed:\n" + "\n".join(got) + "\nthe page says:\n" + "\n".join(want)
    return None


def _ci_commands(root: Path) -> str:
    return (root / ".ci" / "run").read_text(encoding="utf-8")


def _python(block: Block, ns: dict[str, object], cwd: Path) -> tuple[str | None, str]:
    """Execute `block` in `ns` with `cwd` as the working folder; (error, what it printed)."""
    code = compile("\n" * (block.line) + block.text, block.page, "exec")
    out = io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out):
            exec(code, ns)
    except BaseException:  # a snippet that fails in any way is reported, whatever it raised
        lines = traceback.format_exc().strip().splitlines()
        return "\n".join(lines[-6:]), out.getvalue()
    finally:
        os.chdir(here)
    return None, out.getvalue()


def _check_one(
    block: Block, root: Path, repo: Path, ns: dict[str, object], last_output: str | None
) -> tuple[str | None, str | None]:
    """(the failure, or None; what the block printed, for a `text` block after it)."""
    cwd = root / block.directive.get("cwd", ".")
    if "mkdir" in block.directive:
        (cwd / block.directive["mkdir"]).mkdir(parents=True, exist_ok=True)
    if "cache" in block.directive:
        _keep_builds(cwd, f"{block.page}:{block.directive.get('cwd', '.')}")
    if block.directive.get("needs") == "vowels":
        bindings = str(_vowels(root))
        if bindings not in sys.path:
            sys.path.insert(0, bindings)
    elif "needs" in block.directive:
        return f"unknown needs={block.directive['needs']}", None
    match block.lang:
        case "python":
            error, printed = _python(block, ns, cwd)
            return error, printed
        case "text":
            if last_output is None:
                return "a `text` block must follow a `python` block (its expected output)", None
            if last_output != block.text:
                return f"the block above printed:\n{last_output}the page says:\n{block.text}", None
            return None, None
        case "sh":
            if "ci" in block.directive:  # set-up commands: CI runs them, on a clean clone
                ci = _ci_commands(repo)
                for line in block.text.splitlines():
                    if line.strip() and line.strip() not in ci:
                        return f"`{line.strip()}` is not run by .ci/run", None
                return None, None
            run = _sh(block.text, cwd)
            if run.returncode != 0:
                tail = (run.stderr or run.stdout).strip()[-800:]
                return f"exited {run.returncode}: {tail}", None
            return None, None
        case "console":
            return _console(block, cwd), None
        case "toml":
            try:
                tomllib.loads(block.text)
            except tomllib.TOMLDecodeError as e:
                return f"not valid TOML: {e}", None
            if "manifest" in block.directive:
                from witkit.errors import WitkitError
                from witkit.plugins.manifest import load_manifest

                path = cwd / "witkit.toml"
                path.write_text(block.text, encoding="utf-8")
                try:
                    load_manifest(path)
                except WitkitError as e:
                    return f"load_manifest refused it: {e}", None
                finally:
                    path.unlink()
            return None, None
        case "":
            if "paths" not in block.directive:
                return "a block with no language must be `paths` or `skip: REASON`", None
            for line in block.text.splitlines():
                if line.strip() and not (repo / line.split()[0]).exists():
                    return f"{line.split()[0]} does not exist in the repository", None
            return None, None
    return f"a `{block.lang}` block must be `skip: REASON`", None


def run_page(page: Path, root: Path, repo: Path) -> list[Failure]:
    """Every block of `page` (inside `root`) run in order; the blocks that failed."""
    name = page.relative_to(root).as_posix()
    try:
        found = blocks(page, name)
    except PageError as e:
        return [Failure(name, str(e))]
    failures: list[Failure] = []
    ns: dict[str, object] = {"__name__": "__main__"}
    last_output: str | None = None
    for block in found:
        if block.skip is not None:
            last_output = None
            continue
        try:
            error, printed = _check_one(block, root, repo, ns, last_output)
        except (OSError, subprocess.SubprocessError) as e:
            error, printed = f"could not run it: {e}", None
        if error is not None:
            failures.append(Failure(block.where, error))
        last_output = printed
    return failures


MARK = "witkit-snippets: "
"""Starts the line of `main`'s JSON answer (a snippet may print to the real stdout too)."""


def main(argv: list[str]) -> int:
    page, root, repo = (Path(a).resolve() for a in argv)
    failures = run_page(page, root, repo)
    print(MARK + json.dumps([asdict(f) for f in failures]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
