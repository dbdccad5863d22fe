"""witkit.composition: plugins whose exports satisfy other plugins' imports, linked through the host.

    graph = witkit.compose(
        {"english": "english.wasm", "french": "french.wasm", "app": "app.wasm"},
        [Link("app", "example:greet/greeter", cardinality=AtLeastOne)],
    )
    graph.call("app", "run", "Ada")      # the consumer calls every greeter
    graph.call_interface("example:greet/greeter#greet", "Ada")  # [("english", ...), ("french", ...)]

Every plugin is its own instance with its own linear memory; values cross by copy. The whole
graph is checked first (missing providers, cardinality, types, cycles) and nothing is
instantiated unless every check passes. See `Cardinality` for what a consumer's import
returns with several providers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from witkit.composition.cardinality import AtLeastOne, AtMostOne, Cardinality, Many, One
from witkit.composition.errors import CompositionError, Problem
from witkit.composition.graph import Link, Node, Plan, plan, resolve, runtime_for
from witkit.composition.linking import Composition, ProviderError, instantiate
from witkit.plugins.dynamic import PluginSource
from witkit.plugins.loader import PluginLoader
from witkit.plugins.manifest import PluginSpec
from witkit.runtime import Runtime

Any = Cardinality.ANY
"""Any number of providers (`Cardinality.ANY`)."""

__all__ = [
    "Any",
    "AtLeastOne",
    "AtMostOne",
    "Cardinality",
    "Composition",
    "CompositionError",
    "Link",
    "Many",
    "Node",
    "One",
    "Plan",
    "Problem",
    "ProviderError",
    "compose",
    "instantiate",
    "plan",
]


def compose(
    plugins: Mapping[str, Node | PluginSpec | PluginSource],
    links: Sequence[Link] = (),
    *,
    runtime: Runtime | None = None,
    cache_size: int | None = 256,
    loader: PluginLoader | None = None,
    base: str | os.PathLike[str] | None = None,
) -> Composition:
    """Check the graph (raising `CompositionError` listing every problem), then instantiate it.

    `plugins` maps an id to a source (path, bytes, WAT text, compiled component) or a `Node`
    with config, WASI grants, limits and host imports. `links` name, for a consumer's
    import, its providers and cardinality; an import without a link is served by the one
    plugin that exports it. Manifest entries (`load_manifest().plugins`) are fetched through
    `loader` (relative `file:` paths start at `base`, e.g. the manifest's `root`).

    Without `runtime`, one is created that meters fuel and timeouts when a node's limits ask
    for them; a given `runtime` that cannot is reported as a `runtime-limits` problem.
    """
    nodes = resolve(plugins, loader, base)
    if runtime is None:
        rt, nodes = runtime_for(nodes)
    else:
        rt = runtime
    checked = plan(nodes, links, runtime=rt)
    return instantiate(checked, rt, cache_size=cache_size)
