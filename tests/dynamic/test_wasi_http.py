"""A component built against wasi:http loads only under the separate `http="unrestricted"` grant."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.plugins._support import LoopbackServer
from tests.support.corpus import require_corpus, wasi_packages
from tests.support.guests import build_guest
from witkit.errors import PluginError
from witkit.plugins.dynamic import load
from witkit.runtime import Runtime, Wasi

pytestmark = pytest.mark.slow

WASI = "0.2.9"
GUEST = Path(__file__).parent / "http_guest"
WORLD = f"""package witkit-test:fetch;

world fetcher {{
  import wasi:http/outgoing-handler@{WASI};
  export fetch: func(url: string) -> string;
}}
"""


@pytest.fixture(scope="module")
def http_guest() -> Path:
    """The guest built by componentize-py (cached by content hash like the other test guests)."""
    corpus = require_corpus("wasi", WASI)
    with tempfile.TemporaryDirectory(prefix="witkit-wasi-http-") as tmp:
        wit = Path(tmp) / "wit"
        (wit / "deps").mkdir(parents=True)
        (wit / "world.wit").write_text(WORLD, encoding="utf-8")
        for name in wasi_packages(WASI):
            os.symlink(corpus / name, wit / "deps" / name, target_is_directory=True)
        return build_guest(wit, "fetcher", GUEST)


def test_without_the_grant_loading_fails_naming_it(http_guest: Path) -> None:
    with pytest.raises(PluginError) as info:
        load(http_guest, runtime=Runtime(cache=False))
    message = str(info.value)
    assert f"wasi:http/outgoing-handler@{WASI}" in message
    assert 'Wasi(http="unrestricted")' in message
    assert 'http = "unrestricted"' in message


def test_under_the_unrestricted_grant_it_reaches_the_server(
    http_guest: Path, server: LoopbackServer
) -> None:
    url = server.serve("/hello", b"hello over wasi:http")
    with pytest.warns(RuntimeWarning, match="any host"):
        wasi = Wasi(http="unrestricted")
    plugin = load(http_guest, runtime=Runtime(cache=False), wasi=wasi)
    assert plugin.call("fetch", url) == "200 hello over wasi:http"
    assert server.count("/hello") == 1


def test_inspect_json_names_the_network_the_component_asks_for(http_guest: Path) -> None:
    import json

    from click.testing import CliRunner

    from witkit.cli import main

    result = CliRunner().invoke(main, ["inspect", str(http_guest), "--json"])
    assert result.exit_code == 0, result.output
    network = json.loads(result.output)["network"]
    http = [n for n in network if n["import"].startswith("wasi:http/outgoing-handler")]
    assert http and http[0]["grant"] == 'Wasi(http="unrestricted")'
    sockets = [n for n in network if n["import"].startswith("wasi:sockets/")]
    assert all(n["grant"].startswith("none") for n in sockets)


def test_network_needs_of_the_witkit_interface_and_of_none() -> None:
    from witkit.plugins.inspect import network_needs

    assert network_needs(["witkit:plugin/http@0.1.0", "wasi:cli/stdout@0.2.9"]) == [{
        "import": "witkit:plugin/http@0.1.0",
        "capability": "outbound HTTP to allowed hosts",
        "grant": "Wasi(http=Http(allowed_hosts=[...]))",
    }]  # fmt: skip
    assert network_needs(["wasi:cli/stdout@0.2.9"]) == []
