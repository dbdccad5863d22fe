"""An ASGI app that serves a plugin's export over HTTP, from a pool of async plugins.

The plugin is `examples/compose/app.wat`: its `run(name)` calls the imported
`example:greet/greeter.greet`, which this host implements as an `async def` that asks
another HTTP service (`GREETER_URL`) for the greeting. While one request waits for that
service, the event loop serves the others; each request borrows its own plugin instance
from `witkit.AsyncPool`, and one that traps or runs past its limits is replaced.

    GREETER_URL=http://127.0.0.1:8001 uvicorn examples.asgi.server:app --port 8000
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import witkit
from witkit.runtime import STRING, ImportFunc, ImportInterface, List, Tuple

PLUGIN = Path(__file__).resolve().parents[1] / "compose" / "app.wat"
LIMITS = witkit.Limits(fuel=10_000_000, timeout=5.0)


def make_app(greeter_url: str, size: int = 4) -> Starlette:
    """The app: `GET /run/{name}` answers `{"greetings": [[service, text], ...]}`."""
    client = httpx.AsyncClient(base_url=greeter_url, timeout=5.0)

    async def greet(name: str) -> list[tuple[str, str]]:
        response = await client.get("/greet", params={"name": name})
        response.raise_for_status()
        return [("greeter-service", response.text)]

    greeter = ImportInterface(
        "example:greet/greeter",
        [ImportFunc("greet", [STRING], List(Tuple(STRING, STRING)), greet)],
    )
    pool: witkit.AsyncPool[witkit.AsyncDynamicPlugin] = witkit.AsyncPool(
        lambda: witkit.load_async(PLUGIN, imports=[greeter], limits=LIMITS), size=size
    )

    async def run(request: Request) -> JSONResponse:
        async with pool.get(timeout=10.0) as plugin:
            try:
                greetings = await plugin.call("run", request.path_params["name"])
            except witkit.WitkitError as e:
                return JSONResponse({"error": str(e)}, status_code=502)
        return JSONResponse({"greetings": greetings})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.fill()
        try:
            yield
        finally:
            await pool.close()
            await client.aclose()

    return Starlette(routes=[Route("/run/{name}", run)], lifespan=lifespan)


app = make_app(os.environ.get("GREETER_URL", "http://127.0.0.1:8001"))
