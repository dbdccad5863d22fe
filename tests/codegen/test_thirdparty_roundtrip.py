"""Values round-trip through real components built for third-party worlds.

Seven of wit-bindgen's runtime-test worlds (`tests/thirdparty/wit/`, copied unchanged):
`records`, `variants`, `lists`, `numbers`, `options`, `flavorful` and `results`, built into
one Python guest with componentize-py, written here; the host calls it through the bindings
`witkit generate` writes. These worlds are where canonical ABI mistakes show: flags of 8, 16
and 32 bits, tuples of one, variants whose cases join flat types of different kinds
(`variant-casts`: s32 with s64, f32 with f64, s64 with f32, ...), payload-less cases, results
in value position and as return values and errors of every kind, option in option, lists of
every width at their extremes, strings past the BMP, every scalar at its limits.

One build pays for all seven (a componentize-py build dominates this file's cold cost): a
world written here `include`s each one's exporting world (`test`, or `leaf` for `results`),
the seven packages under its `deps/`. Five of them export an interface named `to-test`, so
this also checks that same-named exports of different packages stay apart on both sides.
Where a function only takes values, the guest asserts what it was given, so a value the host
lowers wrong traps the call (a trap leaves an instance unusable: those checks come last, or
on a fresh instance).

The same world and guest also carry wit-bindgen's `strings` and `many-arguments` (sixteen
`u64` parameters: the most the canonical ABI passes flat), the WASI proposals' keyvalue,
config, logging, messaging and nn, Spin's key-value, sqlite, variables, redis and postgres,
wasmCloud's config and core (wRPC's types), and the `subcommand` export of wasmCloud's
`wash` plugin world. For a world that only imports, a world-level export written here
calls the host's import with the values it was given and returns what came back; the host
(`spin_wasmcloud_imports`) records what it received, and where a value would come back
unchanged the guest also describes what it saw (`describe`), so a mistake made the same way
in both directions still shows.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.guests import build_guest
from witkit.codegen.host import write_host
from witkit.errors import BindingError, WitkitError
from witkit.runtime import Err, Ok, Some
from witkit.wit import resolve_path

pytestmark = pytest.mark.slow

THIRDPARTY = Path(__file__).resolve().parents[1] / "thirdparty" / "wit"

RECORDS_GUEST = """\
class TestRecordsToTest(exports.TestRecordsToTest):
    def multiple_results(self):
        return (4, 5)

    def swap_tuple(self, a):
        return (a[1], a[0])

    def roundtrip_flags1(self, a):
        return a

    def roundtrip_flags2(self, a):
        return a

    def roundtrip_flags3(self, a, b, c):
        return (a, b, c)

    def roundtrip_record1(self, a):
        return a

    def tuple1(self, a):
        return a
"""

VARIANTS_GUEST = """\
class TestVariantsToTest(exports.TestVariantsToTest):
    def roundtrip_option(self, a):
        return None if a is None else int(a)

    def roundtrip_result(self, a):
        if isinstance(a, Ok):
            return float(a.value)
        raise Err(int(a.value))

    def roundtrip_enum(self, a):
        return a

    def invert_bool(self, a):
        return not a

    def variant_casts(self, a):
        return a

    def variant_zeros(self, a):
        return a

    def variant_typedefs(self, a, b, c):
        return None

    def variant_enums(self, a, b, c):
        return (a, b, c)
"""


COMBINED = (
    *(f"wit-bindgen-{name}" for name in ("records", "variants", "lists", "numbers", "options")),
    *(f"wit-bindgen-{name}" for name in ("flavorful", "results")),
    "wasi-keyvalue-0.2.0-draft", "wasi-config-0.2.0-rc.1", "wasi-logging-0.1.0-draft",
    "wasi-messaging-0.2.0-draft", "wasi-nn-0.2.0-rc-2024-06-25",
    "wit-bindgen-strings", "wit-bindgen-many-arguments", "spin-js-sdk-postgres",
    "wasmcloud-config-0.1.0", "wasmcloud-core-0.1.0",
    "wasmcloud-core-0.1.0/deps/wrpc-extension-0.0.1",
    *(f"wasmcloud-wash-hello-plugin/deps/{name}" for name in (
        "wasmcloud-wash-0.1.0", "wasi-cli-0.2.0", "wasi-io-0.2.0", "wasi-clocks-0.2.0",
        "wasi-filesystem-0.2.0", "wasi-sockets-0.2.0", "wasi-random-0.2.0", "wasi-http-0.2.0",
    )),
)  # fmt: skip
"""The third-party package folders the combined world draws on (each linked under `deps/`)."""

SPIN = ("kv", "sqlite", "variables", "redis")
"""The Spin SDK folders whose `world.wit` each declare part of `fermyon:spin@2.0.0`: one
package split over four folders, so they are linked as four files of one `deps/` folder."""

COMBINED_WORLD = """\
package witkit:thirdparty-roundtrip;

world test {
  include test:records/test;
  include test:variants/test;
  include test:lists/test;
  include test:numbers/test;
  include test:options/test;
  include test:flavorful/test;
  include test:results/leaf;
  include wasi:keyvalue/watch-service@0.2.0-draft;
  include wasi:config/imports@0.2.0-rc.1;
  include wasi:logging/imports@0.1.0-draft;
  include wasi:messaging/messaging@0.2.0-draft;
  include wasi:nn/ml@0.2.0-rc-2024-06-25;
  include test:strings/test;
  include test:many-arguments/test;
  include fermyon:spin/spin-kv@2.0.0;
  include fermyon:spin/spin-sqlite@2.0.0;
  include fermyon:spin/spin-variables@2.0.0;
  include fermyon:spin/spin-redis@2.0.0;
  include spin:postgres/spin-postgres3@3.0.0;
  include wasmcloud:config/imports@0.1.0;
  include wasmcloud:core/imports@0.1.0;
  /// The `wash` plugin world's own export, by hand: its WASI 0.2.0 imports include
  /// `wasi:http`, which the runtime's WASI does not serve.
  export wasmcloud:wash/subcommand@0.1.0;

  use wasi:nn/errors@0.2.0-rc-2024-06-25.{error-code};
  /// Runs `data` through a graph the host loads; the error is the host's `error`, read out.
  export infer: func(dims: list<u32>, data: list<u8>)
    -> result<tuple<list<u32>, list<u8>>, tuple<error-code, string>>;

  use fermyon:spin/sqlite@2.0.0.{query-result, value};
  use fermyon:spin/redis@2.0.0.{redis-parameter, redis-result};
  use spin:postgres/postgres@3.0.0.{parameter-value, row-set};
  /// Opens Spin store `label`, sets `key` to `value`, and reads back the value, whether the
  /// key exists and every key; a Spin error comes back as text.
  export spin-kv-roundtrip: func(label: string, key: string, value: list<u8>)
    -> result<tuple<option<list<u8>>, bool, list<string>>, string>;
  /// Runs `statement` with `params` on Spin's database `name`.
  export spin-sqlite-roundtrip: func(name: string, statement: string, params: list<value>)
    -> result<query-result, string>;
  /// Reads each of Spin's variables `names`.
  export spin-variables-roundtrip: func(names: list<string>) -> list<result<string, string>>;
  /// Runs `command` on Spin's redis at `address`, then increments `counter` and reads it.
  export spin-redis-roundtrip: func(address: string, command: string,
    args: list<redis-parameter>, counter: string)
    -> result<tuple<list<redis-result>, s64, option<list<u8>>>, string>;
  /// Queries, then executes, `statement` with `params` on Spin's postgres at `address`.
  export spin-postgres-roundtrip: func(address: string, statement: string,
    params: list<parameter-value>) -> result<tuple<row-set, u64>, string>;
  /// Reads `key`, then every key, from wasmCloud's config store.
  export wasmcloud-config-roundtrip: func(key: string)
    -> result<tuple<option<string>, list<tuple<string, string>>>, string>;

  use wrpc:extension/types@0.0.1.{interface-config, health-check-response, bind-request,
    bind-response};
  /// wasmCloud's (wRPC's) link and health types, each changed in a way the test can predict.
  export wasmcloud-core-roundtrip: func(config: interface-config,
    health: health-check-response, bind: bind-request)
    -> tuple<interface-config, health-check-response, bind-response>;
}
"""

LISTS_ETC_GUEST = """\
class TestListsToTest(exports.TestListsToTest):
    def empty_list_param(self, a):
        assert a == b"", a

    def empty_string_param(self, a):
        assert a == "", a

    def empty_list_result(self):
        return b""

    def empty_string_result(self):
        return ""

    def list_param(self, a):
        assert a == bytes([1, 2, 3, 4]), a

    def list_param2(self, a):
        assert a == "foo", a

    def list_param3(self, a):
        assert a == ["foo", "bar", "baz"], a

    def list_param4(self, a):
        assert a == [["foo", "bar"], ["baz"]], a

    def list_param5(self, a):
        assert a == [(1, 2, 3), (4, 5, 6)], a

    def list_param_large(self, a):
        assert len(a) == 1000 and all(s == "string" for s in a), len(a)

    def list_result(self):
        return bytes([1, 2, 3, 4, 5])

    def list_result2(self):
        return "hello!"

    def list_result3(self):
        return ["hello,", "world!"]

    def list_minmax8(self, a, b):
        return (a, b)

    def list_minmax16(self, a, b):
        return (a, b)

    def list_minmax32(self, a, b):
        return (a, b)

    def list_minmax64(self, a, b):
        return (a, b)

    def list_minmax_float(self, a, b):
        return (a, b)

    def list_roundtrip(self, a):
        return a

    def string_roundtrip(self, a):
        return a

    def allocated_bytes(self):
        return 0


class Numbers(exports.Numbers):
    scalar = 0

    def roundtrip_u8(self, a):
        return a

    def roundtrip_s8(self, a):
        return a

    def roundtrip_u16(self, a):
        return a

    def roundtrip_s16(self, a):
        return a

    def roundtrip_u32(self, a):
        return a

    def roundtrip_s32(self, a):
        return a

    def roundtrip_u64(self, a):
        return a

    def roundtrip_s64(self, a):
        return a

    def roundtrip_f32(self, a):
        return a

    def roundtrip_f64(self, a):
        return a

    def roundtrip_char(self, a):
        return a

    def set_scalar(self, a):
        Numbers.scalar = a

    def get_scalar(self):
        return Numbers.scalar


class TestOptionsToTest(exports.TestOptionsToTest):
    def option_none_param(self, a):
        assert a is None, a

    def option_some_param(self, a):
        assert a == "foo", a

    def option_none_result(self):
        return None

    def option_some_result(self):
        return "foo"

    def option_roundtrip(self, a):
        return a

    def double_option_roundtrip(self, a):
        return a


class TestFlavorfulToTest(exports.TestFlavorfulToTest):
    def f_list_in_record1(self, a):
        assert a.a == "list_in_record1", a

    def f_list_in_record2(self):
        return flavorful.ListInRecord2("list_in_record2")

    def f_list_in_record3(self, a):
        return flavorful.ListInRecord3(a.a + "!")

    def f_list_in_record4(self, a):
        return flavorful.ListInRecord4(a.a + "?")

    def f_list_in_variant1(self, a, b):
        assert a == "foo", a
        assert isinstance(b, Err) and b.value == "bar", b

    def f_list_in_variant2(self):
        return "list_in_variant2"

    def f_list_in_variant3(self, a):
        return None if a is None else a + "3"

    def errno_result(self):
        raise Err(flavorful.MyErrno.B)

    def list_typedefs(self, a, c):
        return (a.encode(), c[::-1])

    def list_of_variants(self, a, b, c):
        return (a, b, c)


class Test(exports.Test):
    def string_error(self, a):
        if a == 0.0:
            raise Err("zero")
        return a

    def enum_error(self, a):
        if a == 0.0:
            raise Err(results.E.B)
        return a

    def record_error(self, a):
        if a == 0.0:
            raise Err(results.E2(420, 7))
        return a

    def variant_error(self, a):
        if a == 0.0:
            raise Err(results.E3_E2(results.E2(1, 2)))
        if a == 1.0:
            raise Err(results.E3_E1(results.E.C))
        return a

    def empty_error(self, a):
        if a == 0:
            raise Err(None)
        return a + 1

    def double_error(self, a):
        if a == 0:
            return Ok(None)
        if a == 1:
            return Err("inner")
        raise Err("outer")
"""

GUEST_HEADER = """\
import wit_world
from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.exports import test as results
from wit_world.exports import test_flavorful_to_test as flavorful
from wit_world.imports import atomics, batch, consumer, logging, producer, wasi_config_store
from wit_world.imports import graph, tensor
from wit_world.imports import wasi_messaging_types as messaging
from wit_world.imports import wrpc_extension_types as wrpc
from wit_world.exports import subcommand
from wit_world.imports import key_value, postgres, redis, sqlite, variables
from wit_world.imports import wasmcloud_config_store


def _error(e):
    # A Spin or wasmCloud error variant as text: its case and payload.
    value = getattr(e.value, "value", None)
    return type(e.value).__name__ + ("" if value is None else ": " + value)


def _texted(method):
    # The method, with the error variant it raises turned into text.
    def call(self, *args):
        try:
            return method(self, *args)
        except Err as e:
            raise Err(_error(e))

    return call


def _describe(values):
    # Variant values as the guest sees them: each case's name and payload.
    return ";".join(f"{type(v).__name__.split('_', 1)[1]}={getattr(v, 'value', None)!r}"
                    for v in values)


"""

WASI_GUEST = """\
class Watcher(exports.Watcher):
    def on_set(self, bucket, key, value):
        with bucket:
            bucket.set(key, value)
            got = bucket.get(key)
            count = atomics.increment(bucket, "count", len(value))
            batch.set_many(bucket, [(key + ".copy", value[::-1])])
            many = batch.get_many(bucket, [key + ".copy", "missing"])
            keys = bucket.list_keys(None)
            prefix = wasi_config_store.get("prefix")
            seen = (prefix, got, count, many, sorted(keys.keys), keys.cursor)
            logging.log(logging.Level.INFO, "on-set", repr(seen))

    def on_delete(self, bucket, key):
        with bucket:
            bucket.delete(key)
            try:
                bucket.get("boom")
            except Err as e:
                failure = (type(e.value).__name__, e.value.value)
            seen = (bucket.exists(key), failure, wasi_config_store.get_all())
            logging.log(logging.Level.WARN, "on-delete", repr(seen))


class IncomingHandler(exports.IncomingHandler):
    def handle(self, ms):
        with ms:
            topic, data, meta, kind = ms.topic(), ms.data(), ms.metadata(), ms.content_type()
        if topic == "fail":
            raise Err(messaging.Error_Abandoned("no handler for " + topic))
        consumer.set_subscriptions([topic, "replies"])
        reply = messaging.Message("reply." + topic, data[::-1])
        reply.set_content_type("text/plain")
        for k, v in meta or []:
            reply.add_metadata(k, v.upper())
        reply.add_metadata("seen-type", repr(kind))
        producer.send(messaging.Client.connect("broker"), reply)


class WitWorld(wit_world.WitWorld):
    def infer(self, dims, data):
        t = tensor.Tensor(dims, tensor.TensorType.U8, data)
        try:
            g = graph.load([b"weights", data], graph.GraphEncoding.ONNX, graph.ExecutionTarget.CPU)
            with g, g.init_execution_context() as ctx:
                [(name, out)] = ctx.compute([("input", t)])
        except Err as e:
            with e.value as error:
                raise Err((error.code(), error.data()))
        with out:
            return (out.dimensions() + [len(name)], out.data())

    @_texted
    def spin_kv_roundtrip(self, label, key, value):
        with key_value.Store.open(label) as store:
            store.set(key, value)
            return (store.get(key), store.exists(key), store.get_keys())

    @_texted
    def spin_sqlite_roundtrip(self, name, statement, params):
        with sqlite.Connection.open(name) as db:
            result = db.execute(statement, params)
        result.rows.append(sqlite.RowResult([sqlite.Value_Text(_describe(params))]))
        return result

    def spin_variables_roundtrip(self, names):
        out = []
        for name in names:
            try:
                out.append(Ok(variables.get(name)))
            except Err as e:
                out.append(Err(_error(e)))
        return out

    @_texted
    def spin_redis_roundtrip(self, address, command, args, counter):
        with redis.Connection.open(address) as db:
            results = db.execute(command, args)
            results.append(redis.RedisResult_Status(_describe(args + results)))
            return (results, db.incr(counter), db.get(counter))

    @_texted
    def spin_postgres_roundtrip(self, address, statement, params):
        with postgres.Connection.open(address) as db:
            rows = db.query(statement, params)
            rows.rows.append([postgres.DbValue_Str(_describe(params + rows.rows[0]))])
            return (rows, db.execute(statement, params[::-1]))

    @_texted
    def wasmcloud_config_roundtrip(self, key):
        return (wasmcloud_config_store.get(key), wasmcloud_config_store.get_all())

    def wasmcloud_core_roundtrip(self, config, health, bind):
        def flip(v):
            if isinstance(v, wrpc.SecretValue_String):
                return wrpc.SecretValue_Bytes(v.value.encode())
            return wrpc.SecretValue_String(v.value.decode())

        m = config.metadata
        secrets = None if config.secrets is None else [(k, flip(v)) for k, v in config.secrets]
        meta = wrpc.WitMetadata(m.namespace.upper(), m.package + "!", m.interfaces[::-1])
        message = None if health.message is None else health.message[::-1]
        token = None if bind.identity_token is None else "token:" + bind.identity_token
        return (
            wrpc.InterfaceConfig(config.config[::-1], secrets, meta),
            wrpc.HealthCheckResponse(not health.healthy, message),
            wrpc.BindResponse(token),
        )


class Subcommand(exports.Subcommand):
    def register(self):
        path = subcommand.Argument("where to write", is_path=True, required=False)
        name = subcommand.Argument("whom to greet", is_path=False, required=True)
        return subcommand.Metadata(
            "hello", "hello-plugin", "0.1.0", "wasmCloud", "says hello",
            [("out", path)], [("name", name), ("out", path)],
        )


class TestStringsToTest(exports.TestStringsToTest):
    def take_basic(self, s):
        assert s == "latin utf16", s

    def return_unicode(self):
        return "🚀🚀🚀 𠈄𓀀"

    def return_empty(self):
        return ""

    def roundtrip(self, s):
        return s


class TestManyArgumentsToTest(exports.TestManyArgumentsToTest):
    def many_arguments(self, *args):
        assert list(args) == [2**i - 1 if i % 2 else 2**64 - i for i in range(1, 17)], args
"""

COMBINED_GUEST = "\n\n".join(
    (GUEST_HEADER + RECORDS_GUEST, VARIANTS_GUEST, LISTS_ETC_GUEST, WASI_GUEST)
)


class Host:
    """The combined world's imports (keyvalue in memory, config, logging), recording calls."""

    def __init__(self, package: ModuleType) -> None:
        kv = sys.modules[f"{package.__name__}.wasi_keyvalue_store"]
        atomics = sys.modules[f"{package.__name__}.atomics"]
        batch = sys.modules[f"{package.__name__}.batch"]
        config = sys.modules[f"{package.__name__}.wasi_config_store"]
        logging = sys.modules[f"{package.__name__}.logging"]
        types = sys.modules[f"{package.__name__}.wasi_messaging_types"]
        producer = sys.modules[f"{package.__name__}.producer"]
        consumer = sys.modules[f"{package.__name__}.consumer"]
        tensor = sys.modules[f"{package.__name__}.tensor"]
        graph = sys.modules[f"{package.__name__}.graph"]
        inference = sys.modules[f"{package.__name__}.inference"]
        errors = sys.modules[f"{package.__name__}.errors"]
        self.sent: list[tuple[object, ...]] = []
        self.subscriptions: list[str] = []
        self.logged: list[tuple[object, str, str]] = []
        self.dropped: list[str] = []
        self.received: list[tuple[object, ...]] = []
        host = self

        class Bucket(kv.Bucket):
            def __init__(self, name: str) -> None:
                self.name, self.data = name, dict[str, bytes]()

            def get(self, key: str) -> bytes | None:
                if key == "boom":
                    raise Err(kv.Error_Other(f"no {key} in {self.name}"))
                return self.data.get(key)

            def set(self, key: str, value: bytes) -> None:
                self.data[key] = value

            def delete(self, key: str) -> None:
                self.data.pop(key, None)

            def exists(self, key: str) -> bool:
                return key in self.data

            def list_keys(self, cursor: int | None) -> Any:
                return kv.KeyResponse(list(self.data), None if cursor is None else cursor + 1)

            def dropped(self) -> None:
                host.dropped.append(self.name)

        class Store(kv.Store):
            def open(self, identifier: str) -> Bucket:
                return Bucket(identifier)

        class Atomics(atomics.Atomics):
            def increment(self, bucket: Bucket, key: str, delta: int) -> int:
                now = int.from_bytes(bucket.data.get(key, b"")) + delta
                bucket.data[key] = now.to_bytes(8)
                return now

        class Batch(batch.Batch):
            def get_many(self, bucket: Bucket, keys: list[str]) -> list[Any]:
                return [(k, bucket.data[k]) if k in bucket.data else None for k in keys]

            def set_many(self, bucket: Bucket, key_values: list[tuple[str, bytes]]) -> None:
                bucket.data.update(key_values)

            def delete_many(self, bucket: Bucket, keys: list[str]) -> None:
                for k in keys:
                    bucket.data.pop(k, None)

        class Config(config.Store):
            def get(self, key: str) -> str | None:
                return {"prefix": "kv"}.get(key)

            def get_all(self) -> list[tuple[str, str]]:
                return [("prefix", "kv"), ("mode", "test")]

        class Logging(logging.Logging):
            def log(self, level: object, context: str, message: str) -> None:
                host.logged.append((level, context, message))

        class Message(types.Message):
            def __init__(self, topic: str, data: bytes) -> None:
                self._topic, self._data = topic, data
                self._kind: str | None = None
                self._meta: list[tuple[str, str]] | None = None

            def topic(self) -> str:
                return self._topic

            def set_topic(self, topic: str) -> None:
                self._topic = topic

            def content_type(self) -> str | None:
                return self._kind

            def set_content_type(self, content_type: str) -> None:
                self._kind = content_type

            def data(self) -> bytes:
                return self._data

            def set_data(self, data: bytes) -> None:
                self._data = data

            def metadata(self) -> list[tuple[str, str]] | None:
                return self._meta

            def add_metadata(self, key: str, value: str) -> None:
                self._meta = [*(self._meta or []), (key, value)]

            def dropped(self) -> None:
                host.dropped.append(f"message {self._topic}")

        class Client(types.Client):
            def __init__(self, name: str) -> None:
                self.name = name

            @staticmethod
            def connect(name: str) -> Client:
                return Client(name)

        class Types(types.Types):
            pass

        Types.Client, Types.Message = Client, Message

        class Producer(producer.Producer):
            def send(self, c: Client, m: Message) -> None:
                host.sent.append((c.name, m.topic(), m.data(), m.content_type(), m.metadata()))

        class Consumer(consumer.Consumer):
            def set_subscriptions(self, topics: list[str]) -> None:
                host.subscriptions = topics

        class Tensor(tensor.Tensor):
            def __init__(self, dimensions: list[int], ty: object, data: bytes) -> None:
                self._dims, self._ty, self._data = dimensions, ty, data

            def dimensions(self) -> list[int]:
                return self._dims

            def ty(self) -> object:
                return self._ty

            def data(self) -> bytes:
                return self._data

            def dropped(self) -> None:
                host.dropped.append(f"tensor {self._dims}")

        class Error(errors.Error):
            def __init__(self, code: object, data: str) -> None:
                self._code, self._data = code, data

            def code(self) -> object:
                return self._code

            def data(self) -> str:
                return self._data

            def dropped(self) -> None:
                host.dropped.append(f"error {self._data}")

        class Context(inference.GraphExecutionContext):
            def compute(self, inputs: list[tuple[str, Tensor]]) -> list[tuple[str, Tensor]]:
                [(name, t)] = inputs
                if len(t.data()) > 4:
                    raise Err(Error(errors.ErrorCode.TOO_LARGE, f"{len(t.data())} bytes in {name}"))
                flipped = bytes(b ^ 0xFF for b in t.data())
                return [("output", Tensor(t.dimensions()[::-1], t.ty(), flipped))]

            def dropped(self) -> None:
                host.dropped.append("context")

        class Graph(graph.Graph):
            def init_execution_context(self) -> Context:
                return Context()

        class Graphs(graph.GraphInterface):
            def load(self, builder: list[bytes], encoding: object, target: object) -> Graph:
                assert (encoding, target) == (graph.GraphEncoding.ONNX, graph.ExecutionTarget.CPU)
                if builder[0] != b"weights":
                    raise Err(Error(errors.ErrorCode.NOT_FOUND, "no weights"))
                return Graph()

            def load_by_name(self, name: str) -> Graph:
                raise Err(Error(errors.ErrorCode.NOT_FOUND, name))

        class Tensors(tensor.TensorInterface):
            pass

        class Errors(errors.Errors):
            pass

        class Inference(inference.Inference):
            pass

        Tensors.Tensor, Errors.Error, Graphs.Graph = Tensor, Error, Graph
        Inference.GraphExecutionContext = Context

        class Imports(package.TestImports):
            wasi_keyvalue_store = Store()
            atomics = Atomics()
            batch = Batch()
            wasi_config_store = Config()
            logging = Logging()
            wasi_messaging_types = Types()
            producer = Producer()
            consumer = Consumer()
            tensor = Tensors()
            errors = Errors()
            graph = Graphs()
            inference = Inference()

        for name, impl in spin_wasmcloud_imports(package, self.received).items():
            setattr(Imports, name, impl)
        self.Bucket, self.Message = Bucket, Message
        self.levels = logging.Level
        self.imports = Imports()


def spin_wasmcloud_imports(
    package: ModuleType, received: list[tuple[object, ...]]
) -> dict[str, Any]:
    """Spin's key-value, sqlite, variables, redis and postgres and wasmCloud's config, in
    memory: each records what the guest handed it in `received` and answers from it, so a
    value lowered or lifted wrong on either side shows in what the guest returns."""
    kv = sys.modules[f"{package.__name__}.key_value"]
    sqlite = sys.modules[f"{package.__name__}.sqlite"]
    variables = sys.modules[f"{package.__name__}.variables"]
    redis = sys.modules[f"{package.__name__}.redis"]
    pg = sys.modules[f"{package.__name__}.postgres"]
    config = sys.modules[f"{package.__name__}.wasmcloud_config_store"]
    stores: dict[str, dict[str, bytes]] = {"default": {"old": b"x"}}

    class SpinStore(kv.Store):
        def __init__(self, label: str) -> None:
            self.data = stores[label]

        @staticmethod
        def open(label: str) -> SpinStore:
            if label not in stores:
                raise Err(kv.Error_NoSuchStore() if label else kv.Error_Other("empty label"))
            return SpinStore(label)

        def get(self, key: str) -> bytes | None:
            return self.data.get(key)

        def set(self, key: str, value: bytes) -> None:
            received.append(("kv.set", key, value))
            self.data[key] = value

        def delete(self, key: str) -> None:
            self.data.pop(key, None)

        def exists(self, key: str) -> bool:
            return key in self.data

        def get_keys(self) -> list[str]:
            return sorted(self.data)

    class KeyValue(kv.KeyValue):
        Store = SpinStore

    class Database(sqlite.Connection):
        @staticmethod
        def open(database: str) -> Database:
            if database != "default":
                raise Err(sqlite.Error_Io(f"no database {database}"))
            return Database()

        def execute(self, statement: str, parameters: list[Any]) -> Any:
            received.append(("sqlite", statement, parameters))
            rows = [sqlite.RowResult([sqlite.Value_Integer(len(parameters))]),
                    sqlite.RowResult(parameters[::-1])]  # fmt: skip
            return sqlite.QueryResult(["count", statement], rows)

    class Sqlite(sqlite.Sqlite):
        Connection = Database

    class Variables(variables.Variables):
        def get(self, name: str) -> str:
            if not name.isidentifier():
                raise Err(variables.Error_InvalidName(name))
            if name != "greeting":
                raise Err(variables.Error_Undefined(f"no {name}"))
            return "héllo 🚀"

    class Redis(redis.Connection):
        def __init__(self) -> None:
            self.data: dict[str, bytes] = {}

        @staticmethod
        def open(address: str) -> Redis:
            if not address.startswith("redis://"):
                raise Err(redis.Error_InvalidAddress())
            return Redis()

        def execute(self, command: str, arguments: list[Any]) -> list[Any]:
            received.append(("redis", command, arguments))
            return [
                redis.RedisResult_Status(command.upper()),
                redis.RedisResult_Nil(),
                *(redis.RedisResult_Int64(a.value + 1) if isinstance(a, redis.RedisParameter_Int64)
                  else redis.RedisResult_Binary(a.value[::-1]) for a in arguments),
            ]  # fmt: skip

        def incr(self, key: str) -> int:
            now = int(self.data.get(key, b"-9223372036854775807")) + 1
            self.data[key] = str(now).encode()
            return now

        def get(self, key: str) -> bytes | None:
            return self.data.get(key)

        def publish(self, channel: str, payload: bytes) -> None:
            raise Err(redis.Error_Other("publish"))

        def set(self, key: str, value: bytes) -> None:
            raise Err(redis.Error_Other("set"))

        def del_(self, keys: list[str]) -> int:
            raise Err(redis.Error_Other("del"))

        def sadd(self, key: str, values: list[str]) -> int:
            raise Err(redis.Error_Other("sadd"))

        def smembers(self, key: str) -> list[str]:
            raise Err(redis.Error_Other("smembers"))

        def srem(self, key: str, values: list[str]) -> int:
            raise Err(redis.Error_Other("srem"))

    class RedisInterface(redis.Redis):
        Connection = Redis

    class Postgres(pg.Connection):
        @staticmethod
        def open(address: str) -> Postgres:
            if address != "postgres://db":
                raise Err(pg.Error_ConnectionFailed(address))
            return Postgres()

        def query(self, statement: str, params: list[Any]) -> Any:
            received.append(("postgres.query", statement, params))
            # Each parameter comes back as the `db-value` case of the same name.
            values = [getattr(pg, type(v).__name__.replace("ParameterValue_", "DbValue_"))(
                *vars(v).values()) for v in params]  # fmt: skip
            columns = [pg.Column(f"c{i}", pg.DbDataType.STR) for i in range(len(values))]
            return pg.RowSet(columns, [values, [pg.DbValue_Unsupported()]])

        def execute(self, statement: str, params: list[Any]) -> int:
            received.append(("postgres.execute", statement, params))
            return 2**64 - len(params)

    class PostgresInterface(pg.Postgres):
        Connection = Postgres

    class Config(config.Store):
        def get(self, key: str) -> str | None:
            if key == "fail":
                raise Err(config.Error_Upstream("vault is down"))
            return {"region": "eu-west-1"}.get(key)

        def get_all(self) -> list[tuple[str, str]]:
            return [("region", "eu-west-1"), ("tier", "")]

    return {
        "key_value": KeyValue(), "sqlite": Sqlite(), "variables": Variables(),
        "redis": RedisInterface(), "postgres": PostgresInterface(),
        "wasmcloud_config_store": Config(),
    }  # fmt: skip


@pytest.fixture(scope="module")
def combined(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Any]]:
    """Loads the combined world's plugin through its generated bindings, a fresh one a call
    (a trap leaves an instance unusable, and some checks make the guest trap), with the
    imports of `host=` (a `Host`) or of a new `Host`."""
    if not THIRDPARTY.is_dir():
        pytest.skip(f"no third-party WIT under {THIRDPARTY}")
    root = tmp_path_factory.mktemp("combined")
    wit = root / "wit"
    (wit / "deps").mkdir(parents=True)
    (wit / "world.wit").write_text(COMBINED_WORLD)
    for name in COMBINED:
        (wit / "deps" / Path(name).name).symlink_to(THIRDPARTY / name, target_is_directory=True)
    (wit / "deps" / "fermyon-spin").mkdir()
    for name in SPIN:
        (wit / "deps" / "fermyon-spin" / f"{name}.wit").symlink_to(
            THIRDPARTY / f"spin-js-sdk-{name}" / "world.wit"
        )
    resolved = resolve_path(wit)
    world = next(
        i for i, w in enumerate(resolved.resolve.worlds)
        if w.name == "test" and w.package in resolved.packages
    )  # fmt: skip
    write_host(resolved.resolve, world, root / "gen", "tp_combined")
    sys.path.insert(0, str(root / "gen"))
    try:
        package = importlib.import_module("tp_combined")
        component = build_guest(wit, "test", {"app.py": COMBINED_GUEST})

        def load(host: Host | None = None) -> Any:
            return package.Test.load(component, imports=(host or Host(package)).imports)

        yield load
    finally:
        sys.path.remove(str(root / "gen"))
        for mod in list(sys.modules):
            if mod.split(".")[0] == "tp_combined":
                del sys.modules[mod]


def test_records_world_round_trips(combined: Callable[..., Any]) -> None:
    t = sys.modules["tp_combined.test_records_to_test"]
    p = combined().test_records_to_test
    assert p.multiple_results() == (4, 5)
    assert p.swap_tuple((1, 2**32 - 1)) == (2**32 - 1, 1)
    assert p.roundtrip_flags1(t.F1.A | t.F1.B) == t.F1.A | t.F1.B
    assert p.roundtrip_flags1(t.F1(0)) == t.F1(0)
    assert p.roundtrip_flags2(t.F2.C | t.F2.E) == t.F2.C | t.F2.E
    f8, f16, f32 = t.Flag8.B0 | t.Flag8.B7, t.Flag16.B15 | t.Flag16.B8, t.Flag32.B31 | t.Flag32.B0
    assert p.roundtrip_flags3(f8, f16, f32) == (f8, f16, f32)
    all32 = t.Flag32(2**32 - 1)
    assert p.roundtrip_flags3(t.Flag8(0), t.Flag16(0), all32)[2] == all32
    assert p.roundtrip_record1(t.R1(255, t.F1.B)) == t.R1(255, t.F1.B)
    assert p.tuple1((7,)) == (7,)


def test_variants_world_round_trips(combined: Callable[..., Any]) -> None:
    t = sys.modules["tp_combined.test_variants_to_test"]
    p = combined().test_variants_to_test
    assert p.roundtrip_option(None) is None
    assert p.roundtrip_option(7.0) == 7
    assert p.roundtrip_result(Ok(3)) == 3.0
    with pytest.raises(Err) as info:
        p.roundtrip_result(Err(2.0))
    assert info.value.value == 2
    assert p.roundtrip_enum(t.E1.B) is t.E1.B
    assert p.invert_bool(True) is False
    casts = (t.C1_A(-5), t.C2_B(1.5), t.C3_B(-2.25), t.C4_A(-(2**63)), t.C5_B(1e300), t.C6_A(0.5))
    assert p.variant_casts(casts) == casts
    other = (t.C1_B(2**62), t.C2_A(-1), t.C3_A(2**31 - 1), t.C4_B(3.5), t.C5_A(2**63 - 1),
             t.C6_B(-1e-300))  # fmt: skip
    assert p.variant_casts(other) == other
    zeros = (t.Z1_A(1), t.Z2_B(), t.Z3_A(0.25), t.Z4_B())
    assert p.variant_zeros(zeros) == zeros
    assert p.variant_zeros((t.Z1_B(), t.Z2_A(-9), t.Z3_B(), t.Z4_A(-0.5))) == (
        t.Z1_B(), t.Z2_A(-9), t.Z3_B(), t.Z4_A(-0.5)
    )  # fmt: skip
    assert p.variant_typedefs(None, False, Err(None)) is None
    assert p.variant_enums(True, Ok(None), t.MyErrno.B) == (True, Ok(None), t.MyErrno.B)
    assert p.variant_enums(False, Err(None), t.MyErrno.SUCCESS) == (
        False, Err(None), t.MyErrno.SUCCESS
    )  # fmt: skip


def test_lists_world_round_trips(combined: Callable[..., Any]) -> None:
    p = combined().test_lists_to_test
    p.empty_list_param(b"")
    p.empty_string_param("")
    assert p.empty_list_result() == b""
    assert p.empty_string_result() == ""
    p.list_param(bytes([1, 2, 3, 4]))
    p.list_param2("foo")
    p.list_param3(["foo", "bar", "baz"])
    p.list_param4([["foo", "bar"], ["baz"]])
    p.list_param5([(1, 2, 3), (4, 5, 6)])
    p.list_param_large(["string"] * 1000)
    assert p.list_result() == bytes([1, 2, 3, 4, 5])
    assert p.list_result2() == "hello!"
    assert p.list_result3() == ["hello,", "world!"]
    assert p.list_minmax8(bytes([0, 255]), [-128, 127]) == (bytes([0, 255]), [-128, 127])
    assert p.list_minmax16([0, 2**16 - 1], [-(2**15), 2**15 - 1]) == (
        [0, 2**16 - 1], [-(2**15), 2**15 - 1]
    )  # fmt: skip
    assert p.list_minmax32([0, 2**32 - 1], [-(2**31), 2**31 - 1]) == (
        [0, 2**32 - 1], [-(2**31), 2**31 - 1]
    )  # fmt: skip
    assert p.list_minmax64([0, 2**64 - 1], [-(2**63), 2**63 - 1]) == (
        [0, 2**64 - 1], [-(2**63), 2**63 - 1]
    )  # fmt: skip
    floats32 = [-3.4028234663852886e38, 1.401298464324817e-45, float("inf"), float("-inf")]
    floats64 = [-1.7976931348623157e308, 5e-324, float("inf"), float("-inf")]
    assert p.list_minmax_float(floats32, floats64) == (floats32, floats64)
    assert p.list_roundtrip(bytes(range(256))) == bytes(range(256))
    for text in ("", "x", "hello ⚑ world", "\x00 and \U0010ffff", "🚀" * 300):
        assert p.string_roundtrip(text) == text
    assert p.allocated_bytes() == 0
    with pytest.raises(WitkitError):  # the guest's assert traps: it sees what the host lowered
        p.list_param3(["foo", "bar"])


def test_numbers_world_round_trips(combined: Callable[..., Any]) -> None:
    p = combined().numbers
    for fn, lo, hi in (
        (p.roundtrip_u8, 0, 2**8 - 1), (p.roundtrip_s8, -(2**7), 2**7 - 1),
        (p.roundtrip_u16, 0, 2**16 - 1), (p.roundtrip_s16, -(2**15), 2**15 - 1),
        (p.roundtrip_u32, 0, 2**32 - 1), (p.roundtrip_s32, -(2**31), 2**31 - 1),
        (p.roundtrip_u64, 0, 2**64 - 1), (p.roundtrip_s64, -(2**63), 2**63 - 1),
    ):  # fmt: skip
        assert (fn(lo), fn(1), fn(hi)) == (lo, 1, hi), fn
    assert p.roundtrip_f32(1.5) == 1.5
    assert p.roundtrip_f32(3.4028234663852886e38) == 3.4028234663852886e38
    assert p.roundtrip_f32(float("-inf")) == float("-inf")
    assert p.roundtrip_f64(5e-324) == 5e-324
    assert p.roundtrip_f64(-1.7976931348623157e308) == -1.7976931348623157e308
    nan = p.roundtrip_f64(float("nan"))
    assert nan != nan
    for ch in ("a", "\x00", "\ud7ff", "\ue000", "\U0010ffff", "☃"):
        assert p.roundtrip_char(ch) == ch
    p.set_scalar(2**32 - 2)
    assert p.get_scalar() == 2**32 - 2
    p.set_scalar(7)
    assert p.get_scalar() == 7


def test_options_world_round_trips(combined: Callable[..., Any]) -> None:
    p = combined().test_options_to_test
    p.option_none_param(None)
    p.option_some_param("foo")
    assert p.option_none_result() is None
    assert p.option_some_result() == "foo"
    for value in (None, "", "foo"):
        assert p.option_roundtrip(value) == value
    for double in (None, Some(None), Some(0), Some(2**32 - 1)):
        assert p.double_option_roundtrip(double) == double
    assert p.double_option_roundtrip(Some(None)) is not None
    with pytest.raises(WitkitError):  # `none` handed where the guest asserts "foo"
        p.option_some_param(None)


def test_flavorful_world_round_trips(combined: Callable[..., Any]) -> None:
    t = sys.modules["tp_combined.test_flavorful_to_test"]
    p = combined().test_flavorful_to_test
    p.f_list_in_record1(t.ListInRecord1("list_in_record1"))
    assert p.f_list_in_record2() == t.ListInRecord2("list_in_record2")
    assert p.f_list_in_record3(t.ListInRecord3("r3")) == t.ListInRecord3("r3!")
    assert p.f_list_in_record4(t.ListInRecord4("r4")) == t.ListInRecord4("r4?")
    p.f_list_in_variant1("foo", Err("bar"))
    assert p.f_list_in_variant2() == "list_in_variant2"
    assert p.f_list_in_variant3("v") == "v3"
    assert p.f_list_in_variant3(None) is None
    with pytest.raises(Err) as info:
        p.errno_result()
    assert info.value.value is t.MyErrno.B
    assert p.list_typedefs("typedef", ["a", "b", "c"]) == (b"typedef", ["c", "b", "a"])
    bools, results, errnos = [True, False, True], [Ok(None), Err(None)], list(t.MyErrno)
    assert p.list_of_variants(bools, results, errnos) == (bools, results, errnos)
    with pytest.raises(WitkitError):  # `ok` handed where the guest asserts `err("bar")`
        p.f_list_in_variant1("foo", Ok(None))
    with pytest.raises(WitkitError):
        combined().test_flavorful_to_test.f_list_in_record1(t.ListInRecord1("other"))


def test_results_world_round_trips(combined: Callable[..., Any]) -> None:
    t = sys.modules["tp_combined.test"]
    p = combined().test

    def err(call: Any, *args: object) -> object:
        with pytest.raises(Err) as info:
            call(*args)
        return info.value.value

    assert p.string_error(1.5) == 1.5
    assert err(p.string_error, 0.0) == "zero"
    assert p.enum_error(2.5) == 2.5
    assert err(p.enum_error, 0.0) is t.E.B
    assert p.record_error(3.0) == 3.0
    assert err(p.record_error, 0.0) == t.E2(420, 7)
    assert p.variant_error(4.0) == 4.0
    assert err(p.variant_error, 0.0) == t.E3_E2(t.E2(1, 2))
    assert err(p.variant_error, 1.0) == t.E3_E1(t.E.C)
    assert p.empty_error(41) == 42
    assert err(p.empty_error, 0) is None
    assert p.double_error(0) == Ok(None)
    assert p.double_error(1) == Err("inner")
    assert err(p.double_error, 2) == "outer"


def test_wasi_keyvalue_config_logging_worlds_round_trip(combined: Callable[..., Any]) -> None:
    """`watch-service` hands the plugin a host `bucket` it owns; the guest calls back into the
    host's store, atomics, batch, config and logging with what it was given and logs what came
    back, so every value crosses the boundary both ways before the test sees it."""
    host = Host(sys.modules["tp_combined"])
    p = combined(host).watcher
    bucket = host.Bucket("b1")
    p.on_set(bucket, "k", b"\x00\x01\xff")
    seen = (
        "kv", b"\x00\x01\xff", 3, [("k.copy", b"\xff\x01\x00"), None],
        ["count", "k", "k.copy"], None,
    )  # fmt: skip
    assert host.logged == [(host.levels.INFO, "on-set", repr(seen))]
    assert bucket.data["count"] == (3).to_bytes(8)
    assert host.dropped == ["b1"]  # the guest dropped the handle it was given
    p.on_delete(bucket, "k")
    failure = ("Error_Other", "no boom in b1")
    assert host.logged[1] == (
        host.levels.WARN, "on-delete", repr((False, failure, [("prefix", "kv"), ("mode", "test")]))
    )  # fmt: skip
    assert "k" not in bucket.data
    assert host.dropped == ["b1", "b1"]
    # The runtime's WASI does not implement wasi:keyvalue: left unset, it is named at load.
    type(host.imports).wasi_keyvalue_store = None
    with pytest.raises(BindingError, match=r"^imports\.wasi_keyvalue_store must be an instance"):
        combined(host)


def test_wasi_messaging_world_round_trips(combined: Callable[..., Any]) -> None:
    """`messaging` hands the plugin a host `message` it owns; the guest reads it, builds a
    reply with the host's constructor, and hands the reply and a client back to the host."""
    host = Host(sys.modules["tp_combined"])
    p = combined(host).incoming_handler
    incoming = host.Message("orders", b"abc")
    incoming.set_content_type("application/json")
    incoming.add_metadata("a", "x")
    p.handle(incoming)
    assert host.subscriptions == ["orders", "replies"]
    sent = (
        "broker",
        "reply.orders",
        b"cba",
        "text/plain",
        [("a", "X"), ("seen-type", "'application/json'")],
    )
    assert host.sent == [sent]
    # The guest dropped the message it was handed; the reply it handed back is the host's now.
    assert host.dropped == ["message orders"]
    with pytest.raises(Err) as info:
        p.handle(host.Message("fail", b""))
    assert info.value.value == sys.modules["tp_combined.wasi_messaging_types"].Error_Abandoned(
        "no handler for fail"
    )
    assert host.sent == [sent]


def test_wasi_nn_world_round_trips(combined: Callable[..., Any]) -> None:
    """The guest constructs a host `tensor`, hands it to the host inside a `list<tuple<string,
    tensor>>`, gets a new one back the same way, and reads the host's `error` resource when
    the host raises one."""
    host = Host(sys.modules["tp_combined"])
    p = combined(host)
    assert p.infer([1, 4], bytes([0, 1, 2, 254])) == ([4, 1, 6], bytes([255, 254, 253, 1]))
    # The output tensor and the context were the guest's to drop; the input went to the host.
    assert sorted(host.dropped) == ["context", "tensor [4, 1]"]
    with pytest.raises(Err) as info:
        p.infer([5], bytes(5))
    code = sys.modules["tp_combined.errors"].ErrorCode.TOO_LARGE
    assert info.value.value == (code, "5 bytes in input")
    assert "error 5 bytes in input" in host.dropped


def describe(values: list[Any]) -> str:
    """Variant values as the guest's `_describe` writes them: each case's name and payload, so
    a case or payload the guest saw other than the host sent shows even where a value goes
    back unchanged (a mistake made the same way both ways would pass it through intact)."""
    return ";".join(
        f"{type(v).__name__.split('_', 1)[1]}={getattr(v, 'value', None)!r}" for v in values
    )


def test_strings_and_many_arguments_worlds_round_trip(combined: Callable[..., Any]) -> None:
    p = combined()
    s = p.test_strings_to_test
    s.take_basic("latin utf16")
    assert s.return_unicode() == "🚀🚀🚀 𠈄𓀀"
    assert s.return_empty() == ""
    for text in ("", "a", "ÿ\x00\x7f", "𓀀" * 1000):
        assert s.roundtrip(text) == text
    args = [2**i - 1 if i % 2 else 2**64 - i for i in range(1, 17)]
    p.test_many_arguments_to_test.many_arguments(*args)
    with pytest.raises(WitkitError):  # the guest asserts what it was given: two swapped trap
        combined().test_many_arguments_to_test.many_arguments(*args[1::-1], *args[2:])
    with pytest.raises(WitkitError):
        s.take_basic("latin utf-16")


def test_spin_key_value_and_variables_worlds_round_trip(combined: Callable[..., Any]) -> None:
    """The guest opens the host's Spin store (a resource with a static constructor), sets and
    reads through it and returns what it read; Spin's errors come back as the guest saw them."""
    host = Host(sys.modules["tp_combined"])
    p = combined(host)
    assert p.spin_kv_roundtrip("default", "k", b"\x00\xff") == (b"\x00\xff", True, ["k", "old"])
    assert host.received == [("kv.set", "k", b"\x00\xff")]
    for label, error in (("nope", "Error_NoSuchStore"), ("", "Error_Other: empty label")):
        with pytest.raises(Err) as info:
            p.spin_kv_roundtrip(label, "k", b"")
        assert info.value.value == error
    assert p.spin_variables_roundtrip(["greeting", "missing", "not-a-name"]) == [
        Ok("héllo 🚀"), Err("Error_Undefined: no missing"), Err("Error_InvalidName: not-a-name")
    ]  # fmt: skip


def test_spin_sqlite_world_round_trips(combined: Callable[..., Any]) -> None:
    host = Host(sys.modules["tp_combined"])
    t = sys.modules["tp_combined.sqlite"]
    p = combined(host)
    params = [t.Value_Integer(-(2**63)), t.Value_Real(-0.5), t.Value_Text("é"),
              t.Value_Blob(b"\x00\x01"), t.Value_Null()]  # fmt: skip
    got = p.spin_sqlite_roundtrip("default", "select ?", params)
    assert got == t.QueryResult(
        ["count", "select ?"],
        [
            t.RowResult([t.Value_Integer(5)]),
            t.RowResult(params[::-1]),
            t.RowResult([t.Value_Text(describe(params))]),
        ],
    )
    assert describe(params) == (
        "Integer=-9223372036854775808;Real=-0.5;Text='é';Blob=b'\\x00\\x01';Null=None"
    )
    assert host.received == [("sqlite", "select ?", params)]
    with pytest.raises(Err) as info:
        p.spin_sqlite_roundtrip("other", "", [])
    assert info.value.value == "Error_Io: no database other"


def test_spin_redis_world_round_trips(combined: Callable[..., Any]) -> None:
    host = Host(sys.modules["tp_combined"])
    t = sys.modules["tp_combined.redis"]
    p = combined(host)
    args = [t.RedisParameter_Int64(2**63 - 2), t.RedisParameter_Binary(b"ab\x00")]
    results, count, stored = p.spin_redis_roundtrip("redis://h", "get", args, "n")
    answers = [t.RedisResult_Status("GET"), t.RedisResult_Nil(),
               t.RedisResult_Int64(2**63 - 1), t.RedisResult_Binary(b"\x00ba")]  # fmt: skip
    assert results == [*answers, t.RedisResult_Status(describe(args + answers))]
    assert (count, stored) == (-(2**63) + 2, str(-(2**63) + 2).encode())
    assert host.received == [("redis", "get", args)]
    with pytest.raises(Err) as info:
        p.spin_redis_roundtrip("tcp://h", "", [], "n")
    assert info.value.value == "Error_InvalidAddress"


def test_spin_postgres_world_round_trips(combined: Callable[..., Any]) -> None:
    host = Host(sys.modules["tp_combined"])
    t = sys.modules["tp_combined.postgres"]
    p = combined(host)
    params = [
        t.ParameterValue_Boolean(True), t.ParameterValue_Int8(-128), t.ParameterValue_Int16(-2),
        t.ParameterValue_Int32(2**31 - 1), t.ParameterValue_Int64(-(2**63)),
        t.ParameterValue_Floating32(0.25), t.ParameterValue_Floating64(1e300),
        t.ParameterValue_Str("ß"), t.ParameterValue_Binary(b"\xfe"),
        t.ParameterValue_Date((-44, 3, 15)), t.ParameterValue_Time((23, 59, 58, 999_999_999)),
        t.ParameterValue_Datetime((2024, 2, 29, 1, 2, 3, 4)), t.ParameterValue_Timestamp(-1),
        t.ParameterValue_DbNull(),
    ]  # fmt: skip
    rows, executed = p.spin_postgres_roundtrip("postgres://db", "select", params)
    values = [t.DbValue_Boolean(True), t.DbValue_Int8(-128), t.DbValue_Int16(-2),
              t.DbValue_Int32(2**31 - 1), t.DbValue_Int64(-(2**63)), t.DbValue_Floating32(0.25),
              t.DbValue_Floating64(1e300), t.DbValue_Str("ß"), t.DbValue_Binary(b"\xfe"),
              t.DbValue_Date((-44, 3, 15)), t.DbValue_Time((23, 59, 58, 999_999_999)),
              t.DbValue_Datetime((2024, 2, 29, 1, 2, 3, 4)), t.DbValue_Timestamp(-1),
              t.DbValue_DbNull()]  # fmt: skip
    columns = [t.Column(f"c{i}", t.DbDataType.STR) for i in range(14)]
    seen = [t.DbValue_Str(describe(params + values))]
    assert rows == t.RowSet(columns, [values, [t.DbValue_Unsupported()], seen])
    assert executed == 2**64 - 14
    assert host.received == [
        ("postgres.query", "select", params), ("postgres.execute", "select", params[::-1])
    ]  # fmt: skip
    with pytest.raises(Err) as info:
        p.spin_postgres_roundtrip("postgres://other", "", [])
    assert info.value.value == "Error_ConnectionFailed: postgres://other"


def test_wasmcloud_config_world_round_trips(combined: Callable[..., Any]) -> None:
    """wasmCloud's `store` has the same shape and name as `wasi:config/store`: each host
    answers differently, so a call routed to the wrong one shows."""
    p = combined()
    assert p.wasmcloud_config_roundtrip("region") == (
        "eu-west-1", [("region", "eu-west-1"), ("tier", "")]
    )  # fmt: skip
    assert p.wasmcloud_config_roundtrip("missing")[0] is None
    with pytest.raises(Err) as info:
        p.wasmcloud_config_roundtrip("fail")
    assert info.value.value == "Error_Upstream: vault is down"


def test_wasmcloud_core_world_round_trips(combined: Callable[..., Any]) -> None:
    """`wasmcloud:core/imports` imports only types (wRPC's): they cross in a world-level
    export, with a case named `string` and a field named `package`."""
    t = sys.modules["tp_combined.wrpc_extension_types"]
    p = combined()
    config = t.InterfaceConfig(
        [("a", "1"), ("b", "")],
        [("s", t.SecretValue_String("pässword")), ("b", t.SecretValue_Bytes(b"\x00\xc3\xa9"))],
        t.WitMetadata("wasi", "http", ["incoming-handler", "types"]),
    )
    got = p.wasmcloud_core_roundtrip(
        config, t.HealthCheckResponse(True, "ok!"), t.BindRequest("id")
    )
    assert got == (
        t.InterfaceConfig(
            [("b", ""), ("a", "1")],
            [("s", t.SecretValue_Bytes("pässword".encode())), ("b", t.SecretValue_String("\x00é"))],
            t.WitMetadata("WASI", "http!", ["types", "incoming-handler"]),
        ),
        t.HealthCheckResponse(False, "!ko"),
        t.BindResponse("token:id"),
    )
    bare = t.InterfaceConfig([], None, t.WitMetadata("", "", []))
    assert p.wasmcloud_core_roundtrip(
        bare, t.HealthCheckResponse(False, None), t.BindRequest(None)
    ) == (
        t.InterfaceConfig([], None, t.WitMetadata("", "!", [])),
        t.HealthCheckResponse(True, None),
        t.BindResponse(None),
    )


def test_wasmcloud_wash_plugin_world_round_trips(combined: Callable[..., Any]) -> None:
    """A `wash` subcommand plugin registers itself: a record of five strings and two lists of
    (name, record) pairs, one field named `flags`."""
    t = sys.modules["tp_combined.subcommand"]
    path = t.Argument("where to write", is_path=True, required=False)
    name = t.Argument("whom to greet", is_path=False, required=True)
    assert combined().subcommand.register() == t.Metadata(
        "hello", "hello-plugin", "0.1.0", "wasmCloud", "says hello",
        [("out", path)], [("name", name), ("out", path)],
    )  # fmt: skip
