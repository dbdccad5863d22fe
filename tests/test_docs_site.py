"""The documentation site builds with `mkdocs build --strict`, and a broken one does not.

`mkdocs.yml` makes every warning an error (`strict: true`, each link check at `warn`), so
a page missing from the nav, a link to a page or anchor that does not exist, or a `:::`
reference to a name witkit does not have fails the build. The two failing builds below
prove that the test would notice. Each build takes about 2 s (mkdocstrings reads the whole
package statically; nothing of witkit is imported).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[dev]')")
pytest.importorskip(
    "mkdocstrings", reason="mkdocstrings is not installed (pip install -e '.[dev]')"
)
yaml = pytest.importorskip("yaml", reason="PyYAML (a dependency of mkdocs) is not installed")

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    # Not `-q`: mkdocs 1.6 does not count the warnings it does not log, so `--strict -q`
    # passes a build with warnings (the nav test below fails under `-q`).
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _config_copy(tmp_path: Path, change: Any) -> Path:
    """mkdocs.yml with its relative paths made absolute, changed by `change`, in `tmp_path`."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(REPO / "docs")
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            plugin["mkdocstrings"]["handlers"]["python"]["paths"] = [str(REPO)]
    change(config)
    path = tmp_path / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def test_the_site_builds_without_a_warning(tmp_path: Path) -> None:
    site = tmp_path / "site"
    run = _build(REPO / "mkdocs.yml", site)
    assert run.returncode == 0, run.stderr[-3000:]
    # Every page of the nav is there, and the reference is rendered from the docstrings.
    for page in ("tutorial", "troubleshooting", "how-to/fuel", "security", "benchmarks"):
        assert (site / page / "index.html").is_file(), page
    runtime = (site / "reference" / "runtime" / "index.html").read_text(encoding="utf-8")
    assert 'id="witkit.runtime.Limits"' in runtime
    assert "Per-call ceilings" in runtime  # the docstring of Limits


def test_a_nav_entry_to_a_missing_page_fails_the_build(tmp_path: Path) -> None:
    path = _config_copy(tmp_path, lambda c: c["nav"].append({"Gone": "no-such-page.md"}))
    run = _build(path, tmp_path / "site")
    assert run.returncode != 0
    assert "no-such-page.md" in run.stderr, run.stderr[-3000:]


@pytest.mark.parametrize(
    ("page", "named"),
    [
        ("# Broken\n\n::: witkit.runtime.NoSuchThing\n", "witkit.runtime.NoSuchThing"),
        ("# Broken\n\nSee [the guide](how-to/gone.md).\n", "how-to/gone.md"),
        ("# Broken\n\nSee [below](#no-such-heading).\n", "no-such-heading"),
    ],
    ids=["missing-name", "missing-page-link", "missing-anchor"],
)
def test_a_broken_page_fails_the_build(tmp_path: Path, page: str, named: str) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(page, encoding="utf-8")

    def only_the_broken_page(config: dict[str, Any]) -> None:
        config["docs_dir"] = str(docs)
        config["nav"] = [{"Home": "index.md"}]

    run = _build(_config_copy(tmp_path, only_the_broken_page), tmp_path / "site")
    assert run.returncode != 0
    assert named in run.stderr, run.stderr[-3000:]
