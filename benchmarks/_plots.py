"""PNG plots of the benchmark figures (matplotlib, Agg backend); optional like the `bench` extra."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def unavailable() -> str | None:
    """Why plots cannot be drawn here, or None when they can."""
    try:
        import matplotlib

        matplotlib.use("Agg")
    except Exception as e:  # ImportError, or a broken install
        return f"matplotlib is not available ({type(e).__name__}: {e}); install the `bench` extra"
    return None


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # No software/date metadata: the file changes only when the figures do.
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)


def grouped_bars(
    path: Path,
    *,
    title: str,
    groups: Sequence[str],
    values: Mapping[str, Sequence[float | None]],
    ylabel: str,
    log: bool = True,
    reference: float | None = None,
    note: str | None = None,
) -> None:
    """One group of bars per entry of `groups`, one bar per series (`None`: not measured)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 4.8))
    n = max(len(values), 1)
    width = 0.8 / n
    for i, (series, vals) in enumerate(values.items()):
        xs = [g + (i - (n - 1) / 2) * width for g in range(len(groups))]
        pts = [(x, v) for x, v in zip(xs, vals, strict=True) if v is not None and math.isfinite(v)]
        if not pts:
            continue
        bars = ax.bar([x for x, _ in pts], [v for _, v in pts], width, label=series)
        ax.bar_label(bars, labels=[f"{v:.3g}" for _, v in pts], fontsize=6, rotation=90, padding=2)
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log:
        ax.set_yscale("log")
    if reference is not None:
        ax.axhline(reference, color="black", linewidth=0.8, linestyle="--")
    ax.margins(y=0.25)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=min(n, 4))
    if note:
        fig.text(0.01, -0.08, note, fontsize=7, ha="left", va="top")
    _save(fig, path)


def lines(
    path: Path,
    *,
    title: str,
    xs: Sequence[int],
    values: Mapping[str, Sequence[float]],
    xlabel: str,
    ylabel: str,
    ideal_cap: int | None = None,
) -> None:
    """One line per series over `xs`; `ideal_cap` adds y = min(x, cap) (perfect scaling on
    `cap` cores)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for series, ys in values.items():
        ax.plot(xs, ys, marker="o", label=series)
    if ideal_cap is not None:
        ax.plot(
            xs, [min(x, ideal_cap) for x in xs], color="grey", linestyle=":",
            label=f"ideal on {ideal_cap} core(s)",
        )  # fmt: skip
    ax.set_xticks(list(xs))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    _save(fig, path)
