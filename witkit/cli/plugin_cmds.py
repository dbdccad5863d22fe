"""`witkit fetch` (a plugin, or every plugin of the manifest, into the cache) and `witkit push`."""

from __future__ import annotations

import json
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
@click.option("--json", "as_json", is_flag=True, help="Print {ID: PATH} as JSON.")
def fetch(
    plugin_id: str | None,
    locator: str | None,
    sha256: str | None,
    offline: bool,
    max_size: str | None,
    as_json: bool,
) -> None:
    """Fetch plugin ID from LOCATOR into the cache and print the cached path.

    LOCATOR is `file:PATH`, `https://HOST/PATH.wasm`, `github:ORG/REPO[@TAG]` or
    `oci://REGISTRY/NAMESPACE/NAME[:TAG|@sha256:HEX]`. Without ID
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
                click.echo(json.dumps({plugin_id: str(path)}) if as_json else str(path))
                return
            manifest = load_manifest()
            paths = manifest.fetch_all(loader)
        finally:
            bars.close()
    if as_json:
        click.echo(json.dumps({pid: str(p) for pid, p in paths.items()}, indent=2))
        return
    if not paths:
        where = manifest.path or "the manifest"
        click.echo(f"nothing to fetch: {where} declares no plugins", err=True)
    for pid, p in paths.items():
        click.echo(f"{pid} {p}")


@main.command("push", short_help="Push a component to an OCI registry.")
@click.argument("component", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("locator")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def push(component: Path, locator: str, as_json: bool) -> None:
    """Push COMPONENT to LOCATOR, `oci://REGISTRY/NAMESPACE/NAME:TAG`, as a Wasm artifact
    (the layout `wkg` publishes), and print the locator pinned to its manifest digest.

    Credentials come from WITKIT_REGISTRY_TOKEN, WITKIT_REGISTRY_USERNAME and
    WITKIT_REGISTRY_PASSWORD, or Docker's config (`docker login`).
    """
    from witkit.plugins.locators import OciLocator
    from witkit.plugins.oci import push as push_component

    loc = parse_locator(locator)
    if not isinstance(loc, OciLocator):
        raise click.BadParameter(f"{locator!r} is not an oci:// locator", param_hint="LOCATOR")
    result = push_component(component, loc)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "locator": str(result.locator),
                    "pinned": result.pinned,
                    "manifest_digest": result.manifest_digest,
                    "sha256": result.layer_digest.removeprefix("sha256:"),
                    "size": result.size,
                },
                indent=2,
            )
        )
        return
    click.echo(result.pinned)
    click.echo(f"sha256 {result.layer_digest.removeprefix('sha256:')} ({result.size} bytes)")
