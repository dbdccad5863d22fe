"""`witkit inspect`, `witkit check` and `witkit call`: look into, vet and call a plugin from the shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from witkit._parse import loads_json
from witkit.cli import main
from witkit.cli._common import parsed_option
from witkit.plugins.check import check_plugin
from witkit.plugins.dynamic import load
from witkit.plugins.inspect import component_wit, dumps, inspect_path
from witkit.plugins.manifest import parse_duration, parse_memory_size
from witkit.runtime import Limits, Runtime, Wasi

EXIT_MISMATCH = 1
"""Exit code of `witkit check` when the plugin does not fit the world."""


def _plugin_path(path: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise click.BadParameter(f"no such file: {path}", param_hint="PLUGIN")
    return p


@main.command("inspect", short_help="Print a plugin's imports and exports as WIT.")
@click.argument("plugin", metavar="PLUGIN")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of WIT.")
def inspect_cmd(plugin: str, as_json: bool) -> None:
    """Print PLUGIN's own WIT (as `wasm-tools component wit` does), or its types as JSON."""
    path = _plugin_path(plugin)
    if as_json:
        click.echo(dumps(inspect_path(path)))
    else:
        click.echo(component_wit(path), nl=False)


@main.command("check", short_help="Check that a plugin can stand in for a WIT world.")
@click.argument("plugin", metavar="PLUGIN")
@click.option(
    "--wit", "wit_path", required=True, metavar="PATH", help="WIT file or package folder."
)
@click.option(
    "--world",
    metavar="WORLD",
    default=None,
    help="World name (needed when the package has several).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
def check_cmd(plugin: str, wit_path: str, world: str | None, as_json: bool) -> None:
    """Say whether PLUGIN can stand in for WORLD, listing each difference by its WIT name.

    Every export of the world must be present with the same type, and the plugin may import
    nothing beyond the world's imports, WASI and witkit:plugin/config. Exits 1 on a mismatch.
    """
    label, mismatches = check_plugin(_plugin_path(plugin), wit_path, world)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "world": label,
                    "fits": not mismatches,
                    "mismatches": [m.to_json() for m in mismatches],
                },
                indent=2,
            )
        )
    elif mismatches:
        click.echo(f"{plugin} does not match world `{label}`:")
        for m in mismatches:
            click.echo(f"  {m}")
    else:
        click.echo(f"{plugin} can stand in for world `{label}`")
    if mismatches:
        sys.exit(EXIT_MISMATCH)


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {v!r}", param_hint=option)
        out[key] = value
    return out


def _preopens(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        host, sep, guest = v.partition(":")
        if not Path(host).is_dir():
            raise click.BadParameter(f"no such directory: {host}", param_hint="--wasi-dir")
        out[guest if sep and guest else host] = host
    return out


@main.command("call", short_help="Call a plugin's export with JSON arguments.")
@click.argument("plugin", metavar="PLUGIN")
@click.argument("func", metavar="FUNC")
@click.argument("args", nargs=-1, metavar="[ARGS_JSON]...")
@click.option(
    "--wasi-dir",
    "dirs",
    multiple=True,
    metavar="HOST[:GUEST]",
    help="Preopen a directory (repeatable).",
)
@click.option(
    "--env", "env", multiple=True, metavar="KEY=VALUE", help="Environment variable (repeatable)."
)
@click.option(
    "--config",
    "config",
    multiple=True,
    metavar="KEY=VALUE",
    help="Plugin config entry (repeatable).",
)
@click.option("--fuel", type=click.IntRange(min=1), default=None, help="Fuel limit for the call.")
@click.option(
    "--timeout", default=None, metavar="DURATION", help="Wall-clock limit, e.g. 5s or 500ms."
)
@click.option("--memory", default=None, metavar="SIZE", help="Linear memory ceiling, e.g. 64MiB.")
def call_cmd(
    plugin: str,
    func: str,
    args: tuple[str, ...],
    dirs: tuple[str, ...],
    env: tuple[str, ...],
    config: tuple[str, ...],
    fuel: int | None,
    timeout: str | None,
    memory: str | None,
) -> None:
    """Call FUNC of PLUGIN with one JSON value per parameter; print the result as JSON.

    FUNC is `func`, `iface/func` or `ns:pkg/iface#func`. Values follow the JSON mapping of
    witkit.plugins.dynamic: records are objects, enums strings, flags arrays of names,
    variants `{"case": payload}`, results `{"ok": v}`/`{"err": e}`, list<u8> base64.
    The plugin's stdout and stderr go to stderr.
    """
    path = _plugin_path(plugin)
    values = []
    for i, text in enumerate(args, 1):
        try:
            values.append(loads_json(text))
        except ValueError as e:
            shown = text if len(text) <= 80 else text[:77] + "..."
            raise click.BadParameter(
                f"argument {i} is not valid JSON ({e}): {shown}", param_hint="ARGS_JSON"
            ) from None
    limits = Limits(
        fuel=fuel,
        timeout=parsed_option(parse_duration, timeout, "--timeout", float),
        memory=parsed_option(parse_memory_size, memory, "--memory", int),
    )
    wasi = Wasi(
        env=_pairs(env, "--env"), preopens=_preopens(dirs), stdout="capture", stderr="capture"
    )
    runtime = Runtime(wasi=wasi, limits=limits)
    try:
        plugin_obj = load(path, runtime=runtime, config=_pairs(config, "--config"))
        try:
            result = plugin_obj.call_json(func, json.dumps(values))
        finally:
            sys.stderr.write(plugin_obj.stdout + plugin_obj.stderr)
    finally:
        runtime.close()
    click.echo(result)
