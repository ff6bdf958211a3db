"""The keeper of a commune node that joined the city with a package: every few seconds it re-attaches the node
stream's stalled source (the city's decisions, after nats-server's backoff of up to 2 min otherwise) and writes
down the link's state for the portal (reform_shared.link_state.KeeperRecord): whether the leafnode is up and
since when, what the city's copy of the node's events has reached (asked through the leafnode), and how many of
the node's own events are after it — the backlog, counted on the node itself, so it keeps growing while the hub
is away. The keeper signs in as the node's operator (it already provisions the node's streams)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
from typing import Any

import httpx
import nats
from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from reform_node.joining import federation_folder
from reform_node.node import NodeConfig
from reform_shared.federation import COMMUNE_PREFIX, FederatedNode
from reform_shared.join_package import JoinPackage
from reform_shared.link_state import KeeperRecord, parse_time
from reform_shared.replicas import servers_of
from reform_shared.source_keeper import link_came_back, restart_stalled_sources

log = logging.getLogger("reform.link")
INTERVAL = 2.0


async def _quiet(exc: Exception) -> None:
    log.debug("link keeper: %r", exc)


async def city_copy(nc: NatsClient, package: JoinPackage) -> dict[str, Any] | None:
    """The node's FED_ stream at the hub, through the leafnode (its account's API in the city's domain)."""
    subject = f"$JS.{package.city_domain}.API.STREAM.INFO.{package.node.fed_stream}"
    try:
        answer = json.loads((await nc.request(subject, b"", timeout=2)).data)
    except Exception:  # noqa: BLE001 - no link, no hub: the last confirmed position stands
        return None
    return answer if "state" in answer else None


async def unsent_after(nc: NatsClient, stream: str, node: FederatedNode, positions: dict[str, int]) -> int:
    """The node's own events after the city's positions: an ephemeral consumer's pending count per commune."""
    js, total = nc.jetstream(timeout=5), 0
    for commune in node.communes:
        start = positions.get(commune, 0) + 1
        config = ConsumerConfig(filter_subject=f"{COMMUNE_PREFIX}.{commune}.>", ack_policy=AckPolicy.NONE,
                                deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=start,
                                inactive_threshold=10.0, mem_storage=True)
        info = await js.add_consumer(stream, config)
        total += info.num_pending or 0
        await js.delete_consumer(stream, info.name)
    return total


def _positions(copy: dict[str, Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for source in copy.get("sources") or []:
        parts = str(source.get("filter_subject", "")).split(".")
        if len(parts) > 1 and parts[0] == COMMUNE_PREFIX:  # not the catalogue's files (`reform-files.<c>.>`)
            found[parts[1]] = int(source.get("seq") or 0)
    return found


async def record_once(config: NodeConfig, package: JoinPackage, previous: KeeperRecord | None,
                      now: dt.datetime) -> KeeperRecord:
    leafz = (await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{config.nats_http_port}/leafz", timeout=2)).json()
    connected = int(leafz.get("leafnodes") or 0) > 0
    record = previous or KeeperRecord(node_id=package.node.node_id, communes=package.node.communes,
                                      checked_at=now, connected=connected, since=now)
    if record.connected != connected or record.since is None:
        record = record.model_copy(update={"connected": connected, "since": now})
        if connected:
            link_came_back(config.node_id)
    # allow_reconnect=False alone still retries a refused first connection 60 times, 2 s apart (nats-py)
    nc = await nats.connect(servers_of(config.nats_url), allow_reconnect=False, connect_timeout=2,
                            max_reconnect_attempts=1, reconnect_time_wait=0.1, error_cb=_quiet)
    try:
        await restart_stalled_sources(nc.jetstream(timeout=5), config.stream_name, scope=config.node_id)
        copy = await city_copy(nc, package) if connected else None
        if copy is not None:
            record = record.model_copy(update={"city_seen_at": now, "city_positions": _positions(copy),
                                               "city_last_event_at": parse_time(copy["state"].get("last_ts"))})
        info = await nc.jetstream(timeout=5).stream_info(config.stream_name)
        out = next((s for s in info.sources or [] if s.name == package.node.out_stream), None)
        if out is not None:
            heard = now - dt.timedelta(microseconds=out.active / 1000) if out.active and out.active >= 0 else None
            record = record.model_copy(update={"from_city_pending": out.lag, "from_city_heard_at": heard})
        unsent = await unsent_after(nc, config.stream_name, package.node, record.city_positions)
    finally:
        await nc.close()
    return record.model_copy(update={"unsent": unsent, "checked_at": now})


class LinkKeeper:
    """A thread of the node's launcher, started once the node runs with a package, stopped with the node."""

    def __init__(self, config: NodeConfig, package: JoinPackage) -> None:
        self.config, self.package = config, package
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._loop()), name="link-keeper", daemon=True)

    def start(self) -> LinkKeeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)

    async def _loop(self) -> None:
        folder = federation_folder(self.config.data_dir)
        kept = KeeperRecord.load(folder)
        if kept is not None:  # the city's last confirmed position stands; the link's "since" is this run's
            kept.model_copy(update={"since": None}).save(folder)
        while not self._stopping.is_set():
            try:
                now = dt.datetime.now(dt.UTC)
                record = await record_once(self.config, self.package, KeeperRecord.load(folder), now)
                record.save(folder)
            except Exception as exc:  # noqa: BLE001 - the node's own server restarting: the next round
                log.debug("link keeper: %s", exc)
            await asyncio.sleep(INTERVAL)
