"""A guest that fetches a URL through wasi:http/outgoing-handler (blocking on its pollables)."""

import wit_world
from componentize_py_types import Err, Ok
from wit_world.imports import outgoing_handler, streams, types


class WitWorld(wit_world.WitWorld):
    def fetch(self, url: str) -> str:
        scheme, rest = url.split("://", 1)
        authority, _, path = rest.partition("/")
        request = types.OutgoingRequest(types.Fields())
        request.set_scheme(types.Scheme_Http() if scheme == "http" else types.Scheme_Https())
        request.set_authority(authority)
        request.set_path_with_query("/" + path)
        # Children are dropped before their parents (wasmtime traps otherwise).
        with outgoing_handler.handle(request, None) as future:
            with future.subscribe() as pollable:
                pollable.block()
            answer = future.get()
        if not isinstance(answer, Ok) or not isinstance(answer.value, Ok):
            return f"error {answer!r}"
        with answer.value.value as response:
            status = response.status()
            body = response.consume()
            data = b""
            with body.stream() as stream:
                while True:
                    try:
                        data += stream.blocking_read(65536)
                    except Err as e:
                        if isinstance(e.value, streams.StreamError_Closed):
                            break
                        raise
            with types.IncomingBody.finish(body):
                pass
        return f"{status} {data.decode()}"
