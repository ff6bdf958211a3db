"""One round of the local federation's keeper: re-attach every member's stalled JetStream sources
(reform_shared.source_keeper), at once for a member whose leafnode link just came back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import nats

from reform_node.node import CommuneNode
from reform_shared.federation import FederationConfig
from reform_shared.replicas import servers_of
from reform_shared.source_keeper import keep_city_sources, link_came_back, restart_stalled_sources

log = logging.getLogger("reform.federation")

Member = tuple[CommuneNode, str, Callable[[], int]]
"""A node, its name (`city` for the city node) and how to count its leafnode connections."""


async def _quiet(exc: Exception) -> None:
    """A server that is down is what the keeper waits out: not an error worth a traceback."""
    log.debug("federation keeper: %r", exc)


CONCURRENCY = 16
"""Members (and the city's node streams) looked at at once: a round over a city's 114 communes one after the other
took longer than the outage it was healing (`make bench ARGS="--only scale"`)."""


async def keep_members(members: list[Member], links: dict[str, int], cfg: FederationConfig) -> list[str]:
    """Re-attach the stalled sources of every member (the city's: every node's FED_/OUT_ and CITY_EVENTS),
    up to CONCURRENCY members at once, the city first; `links` keeps each member's leafnode count between
    rounds. Returns what was re-attached."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(member: Member) -> list[str]:
        async with gate:
            return await _keep_member(member, links, cfg)

    ordered = sorted(members, key=lambda member: member[1] != "city")
    restarted = [name for names in await asyncio.gather(*(one(m) for m in ordered)) for name in names]
    if restarted:
        log.info("re-attached stalled sources: %s", ", ".join(restarted))
    return restarted


async def _keep_member(member: Member, links: dict[str, int], cfg: FederationConfig) -> list[str]:
    node, name, leafnodes = member
    config = node.config
    count = await asyncio.to_thread(leafnodes)
    if count > links.get(name, 0):
        link_came_back(name)  # a leafnode (re)connected: re-attach now, not after the spacing
    links[name] = count
    try:
        # allow_reconnect=False alone does not stop nats-py retrying a refused first connection (60 times, 2 s
        # apart): a round that began while the hub was down lasted until it was back, and the re-attachment waited
        # for the round after (bench section 10). One retry 0.1 s later, then the member is skipped this round.
        nc = await nats.connect(servers_of(config.nats_url), allow_reconnect=False, connect_timeout=1,
                                max_reconnect_attempts=1, reconnect_time_wait=0.1, error_cb=_quiet)
    except Exception:  # noqa: BLE001 - that node's server is down: nothing to re-attach there
        return []
    try:
        if name == "city":
            return await keep_city_sources(nc, cfg, CONCURRENCY)
        return [f"{name}:{s}" for s in await restart_stalled_sources(
            nc.jetstream(timeout=5), config.stream_name, scope=name)]
    except Exception as exc:  # noqa: BLE001
        log.debug("federation keeper on %s: %s", name, exc)
        return []
    finally:
        await nc.close()
