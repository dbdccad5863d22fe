"""Every code block of the README and the docs runs as written (`tests/support/snippets.py`).

Each page runs in a fresh interpreter on its own copy of the repository, so the files its
blocks write (`out/`, a scaffolded project) land in the copy. The runner's own tests below
show that it reports a block that fails, prints something else than the page says, is not
declared, or names a command CI does not run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.snippets import MARK, PageError, blocks, run_page

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [REPO / "README.md", *(REPO / "docs").glob("**/*.md"), *(REPO / "examples").glob("*/README.md")]
)


def _copy(root: Path) -> None:
    """What the pages' blocks read: the pages, the examples and CI's script."""
    ignore = shutil.ignore_patterns(".witkit", "build", "bindings", "__pycache__")
    shutil.copy(REPO / "README.md", root / "README.md")
    for folder in ("docs", "examples", ".ci"):
        shutil.copytree(REPO / folder, root / folder, ignore=ignore)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_every_block_of_the_page_runs_as_written(page: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    _copy(root)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "-m", "tests.support.snippets", str(root / page.relative_to(REPO)),
         str(root), str(REPO)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )
    answer = [line for line in run.stdout.splitlines() if line.startswith(MARK)]
    assert run.returncode == 0 and answer, run.stderr[-3000:]
    failures = json.loads(answer[-1][len(MARK):])
    assert not failures, "\n\n".join(f"{f['where']}: {f['message']}" for f in failures)


# -- the runner reports what is wrong -------------------------------------------------------

BAD_PAGE = """# A page

```python
x = 1
print(x + 1)
```

```text
3
```

```python
raise RuntimeError("broken snippet")
```

```sh
true
false
```

<!-- snippet: ci -->
```sh
echo not-in-ci
```

```console
$ echo hello
goodbye
```

```
an undeclared block
```

<!-- snippet: paths -->
```
no/such/path   a file layout
```

```wit
world w {}
```

<!-- snippet: skip: shown only -->
```python
raise SystemExit("a skipped block is not run")
```

```toml
[a
```
"""


def test_the_runner_reports_each_block_that_fails_at_its_line(tmp_path: Path) -> None:
    (tmp_path / ".ci").mkdir()
    (tmp_path / ".ci" / "run").write_text("pip install -e .\n")
    page = tmp_path / "PAGE.md"
    page.write_text(BAD_PAGE)
    failures = {f.where: f.message for f in run_page(page, tmp_path, tmp_path)}
    assert sorted(failures, key=lambda w: int(w.split(":")[1])) == [
        f"PAGE.md:{n}" for n in (8, 12, 16, 22, 26, 31, 36, 40, 49)
    ]
    assert "the block above printed:\n2\nthe page says:\n3" in failures["PAGE.md:8"]
    assert "RuntimeError: broken snippet" in failures["PAGE.md:12"]
    assert 'File "PAGE.md", line 13' in failures["PAGE.md:12"]  # the page's own line
    assert failures["PAGE.md:16"].startswith("exited 1")
    assert failures["PAGE.md:22"] == "`echo not-in-ci` is not run by .ci/run"
    assert failures["PAGE.md:26"] == "`echo hello` printed:\nhello\nthe page says:\ngoodbye"
    assert "must be `paths` or `skip: REASON`" in failures["PAGE.md:31"]
    assert failures["PAGE.md:36"] == "no/such/path does not exist in the repository"
    assert failures["PAGE.md:40"] == "a `wit` block must be `skip: REASON`"
    assert failures["PAGE.md:49"].startswith("not valid TOML")


def test_a_page_that_passes_reports_nothing(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    page = tmp_path / "OK.md"
    page.write_text(
        "```python\nimport os\nprint(sorted(os.listdir('.')))\n```\n\nprints\n\n"
        "```text\n['OK.md', 'data']\n```\n\n"
        "<!-- snippet: cwd=data -->\n```console\n$ pwd | xargs basename\ndata\n```\n"
    )
    assert run_page(page, tmp_path, tmp_path) == []


def test_a_skip_without_a_reason_and_an_unclosed_fence_are_page_errors(tmp_path: Path) -> None:
    page = tmp_path / "P.md"
    page.write_text("<!-- snippet: skip -->\n```python\npass\n```\n")
    with pytest.raises(PageError, match=r"P\.md:2: `skip` needs a reason"):
        blocks(page, "P.md")
    page.write_text("text\n\n```python\npass\n")
    with pytest.raises(PageError, match=r"P\.md:3: the code block is never closed"):
        blocks(page, "P.md")
    page.write_text("<!-- snippet: frobnicate -->\n```python\npass\n```\n")
    with pytest.raises(PageError, match="unknown snippet directive 'frobnicate'"):
        blocks(page, "P.md")


def test_cache_keeps_a_projects_build_cache_in_the_test_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WITKIT_TEST_CACHE", str(tmp_path / "cache"))
    page = tmp_path / "P.md"
    page.write_text("<!-- snippet: cwd=proj cache -->\n```sh\ntouch .witkit/marker\n```\n")
    assert run_page(page, tmp_path, tmp_path) == []
    link = tmp_path / "proj" / ".witkit"
    assert link.is_symlink()
    assert link.resolve().parent == (tmp_path / "cache" / "snippet-builds").resolve()
    assert (link.resolve() / "marker").is_file()
    (tmp_path / "proj" / ".witkit").unlink()  # the next run's copy finds the same folder
    assert run_page(page, tmp_path, tmp_path) == []
    assert (tmp_path / "proj" / ".witkit" / "marker").is_file()
