"""Re-attaching stalled JetStream sources at once, instead of after nats-server's growing backoff (10 s … 2 min),
on a node's stream and on the city's (every node's FED_ and OUT_ streams and CITY_EVENTS).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import StreamInfo, StreamSource
from nats.js.errors import NotFoundError

if TYPE_CHECKING:
    from reform_shared.federation import FederatedNode, FederationConfig


log = logging.getLogger("reform.source_keeper")

STALLED_NS = 5_000_000_000
"""A source that has heard nothing (not even a heartbeat, sent every second or so) for 5 s is stalled."""


_RETRY_FIRST, _RETRY_MAX = 2.0, 30.0
_next_try: dict[tuple[str, str, str], tuple[float, float]] = {}
"""(scope, stream, source) -> (monotonic time of the next allowed re-attachment, the delay after it)."""
_detached: dict[tuple[str, str], list[StreamSource]] = {}
"""(scope, stream) -> the sources removed to be re-attached, until they are added back."""


def link_came_back(scope: str) -> None:
    """The caller saw the leafnode link of `scope` come back: its stalled sources are re-attached at
    the next round, not after the spacing that the outage built up."""
    for key in [k for k in _next_try if k[0] == scope]:
        del _next_try[key]


async def restart_stalled_sources(js: JetStreamContext, stream: str, *, stalled_ns: int = STALLED_NS,
                                  scope: str = "") -> list[str]:
    """Re-attach the stream's stalled sources at once.

    After a link or the hub comes back, nats-server retries a failed source only after a backoff that
    grows 10 s, 20 s, ... up to 2 min; removing the source and adding it back makes it retry now. The
    server then resumes after the last message it holds from that source (a backward scan of the
    stream), and the event ids in Nats-Msg-Id catch any re-sent message within the dedup window.
    While the far end stays away, a source is re-attached at most every 2 s, 4 s, ... 30 s (per
    `scope`, e.g. the node, and stream), so a long outage costs no steady scanning.
    Returns the names of the sources it re-attached."""
    try:
        info = await js.stream_info(stream)
    except NotFoundError:
        return []
    if (scope, stream) in _detached:
        return await _put_back(js, info, scope)
    now = time.monotonic()
    stalled: set[str] = set()
    for source in info.sources or []:
        key = (scope, stream, source.name)
        if source.active is not None and 0 <= source.active <= stalled_ns:
            _next_try.pop(key, None)  # attached and alive: the next stall starts from 2 s again
            continue
        allowed_at, delay = _next_try.get(key, (0.0, _RETRY_FIRST))
        if now >= allowed_at:
            stalled.add(source.name)
            _next_try[key] = (now + delay, min(delay * 2, _RETRY_MAX))
    if not stalled:
        return []
    config = info.config
    everything = list(config.sources or [])
    config.sources = [s for s in everything if s.name not in stalled] or None
    _detached[(scope, stream)] = [s for s in everything if s.name in stalled]
    await js.update_stream(config)
    config.sources = everything
    await js.update_stream(config)
    del _detached[(scope, stream)]
    return sorted(stalled)


async def _put_back(js: JetStreamContext, info: StreamInfo, scope: str) -> list[str]:
    """Sources this keeper removed and did not get to add back (the second update failed or timed out, as on a hub
    loaded by 114 nodes' reconnections): added now. Without this the stream kept going without them for good."""
    config = info.config
    assert config.name is not None
    detached = _detached[(scope, config.name)]
    present = {s.name for s in config.sources or []}
    missing = [s for s in detached if s.name not in present]
    if missing:
        config.sources = [*(config.sources or []), *missing]
        await js.update_stream(config)
    del _detached[(scope, config.name)]
    return sorted(s.name for s in missing)


async def keep_city_sources(nc: NatsClient, cfg: FederationConfig, concurrency: int = 16) -> list[str]:
    """The city side: the city stream, then every node's FED_ stream (fed over the node's leafnode) and OUT_
    stream, `concurrency` nodes at once (one after the other, a round over 114 nodes took seconds)."""
    restarted = await restart_stalled_sources(nc.jetstream(timeout=5), cfg.city_stream, scope="city")
    gate = asyncio.Semaphore(concurrency)

    async def node_streams(node: FederatedNode) -> list[str]:
        node_js = nc.jetstream(prefix=node.api_import, timeout=5)
        names: list[str] = []
        async with gate:
            try:
                for stream in (node.fed_stream, node.out_stream):
                    names += [f"{stream}<-{n}" for n in await restart_stalled_sources(node_js, stream, scope="city")]
            except Exception as exc:  # noqa: BLE001 - one node's streams not answering must not hold up the others
                log.info("re-attaching the sources of node %s: %r", node.node_id, exc)
        return names

    for names in await asyncio.gather(*(node_streams(node) for node in cfg.nodes)):
        restarted += names
    return restarted
