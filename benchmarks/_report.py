"""What a benchmark module hands back besides its Markdown: headline figures and plot files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Report:
    """Shared by the modules of one `python -m benchmarks` run."""

    out_dir: Path
    """The report's folder; plots are written next to it."""
    quick: bool = False
    """A smoke run: tiny iteration counts, slow inputs skipped."""
    headlines: list[str] = field(default_factory=list)
    """One Markdown line each, quoted at the top of the report."""
    plots: list[Path] = field(default_factory=list)

    def plot_path(self, name: str) -> Path:
        """The deterministic file name of plot `name` (`docs/benchmarks-<name>.png`)."""
        path = self.out_dir / f"benchmarks-{name}.png"
        self.plots.append(path)
        return path
