"""`witkit fetch`: download a plugin (or every plugin of the manifest) into the cache."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from witkit.cli import main
from witkit.cli._common import parsed_option
from witkit.plugins import PluginLoader, load_manifest, parse_locator, parse_memory_size
from witkit.plugins.loader import DEFAULT_MAX_DOWNLOAD_SIZE

PROGRESS_MIN_BYTES = 1 << 20
"""Downloads smaller than this (or of unknown size) get no progress bar."""


class _ProgressBars:
    """A `ProgressCallback` drawing one click progress bar (on stderr) per large download."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._plugin: str | None = None
        self._shown = 0

    def __call__(self, plugin_id: str, done: int, total: int | None) -> None:
        if plugin_id != self._plugin:
            self.close()
            self._plugin = plugin_id
            if total is not None and total >= PROGRESS_MIN_BYTES:
                self._bar = click.progressbar(
                    length=total, label=f"Downloading {plugin_id}", file=sys.stderr
                )
                self._bar.__enter__()
        if self._bar is not None:
            self._bar.update(done - self._shown)
            self._shown = done

    def close(self) -> None:
        """Finish the current bar, if any."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
        self._bar = None
        self._plugin = None
        self._shown = 0


@main.command("fetch", short_help="Fetch plugins into the cache and print their paths.")
@click.argument("plugin_id", metavar="[ID]", required=False)
@click.argument("locator", required=False)
@click.option("--sha256", metavar="HEX", help="Expected SHA-256 of the downloaded file.")
@click.option("--offline", is_flag=True, help="Use only the cache; never touch the network.")
@click.option(
    "--max-download-size",
    "max_size",
    metavar="SIZE",
    help=f"Refuse downloads (and archives unpacking to) more than SIZE, e.g. 512MiB "
    f"(default: {DEFAULT_MAX_DOWNLOAD_SIZE >> 20}MiB).",
)
def fetch(
    plugin_id: str | None,
    locator: str | None,
    sha256: str | None,
    offline: bool,
    max_size: str | None,
) -> None:
    """Fetch plugin ID from LOCATOR into the cache and print the cached path.

    LOCATOR is `file:PATH`, `https://HOST/PATH.wasm` or `github:ORG/REPO[@TAG]`. Without ID
    and LOCATOR, every plugin of witkit.toml (or pyproject.toml) is fetched and printed
    as `ID PATH` lines.
    """
    if (plugin_id is None) != (locator is None):
        raise click.UsageError("give both ID and LOCATOR, or neither to fetch the manifest")
    if sha256 is not None and locator is None:
        raise click.UsageError("--sha256 needs ID and LOCATOR")
    limit = parsed_option(parse_memory_size, max_size, "'--max-download-size'", int)
    if limit is None:
        limit = DEFAULT_MAX_DOWNLOAD_SIZE
    bars = _ProgressBars()
    with PluginLoader(offline=offline, progress=bars, max_download_size=limit) as loader:
        try:
            if plugin_id is not None and locator is not None:
                path = loader.load(
                    plugin_id, parse_locator(locator, sha256=sha256), base=Path.cwd()
                )
                bars.close()
                click.echo(str(path))
                return
            paths = load_manifest().fetch_all(loader)
        finally:
            bars.close()
    for pid, p in paths.items():
        click.echo(f"{pid} {p}")
