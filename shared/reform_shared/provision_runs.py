"""The provisioning runs of `reform_shared.provision_cli`: once for a node or for the city node (its streams and
the nodes' streams, from federation.json), and kept by the keeper (every few seconds: provision again, re-attach
stalled sources).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
import time
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from reform_shared.federation import (
    FederationConfig,
    provision_city,
)
from reform_shared.nats_auth import connect_options, redact
from reform_shared.provisioning import ProvisionReport, provision
from reform_shared.replicas import servers_of
from reform_shared.settings import Settings
from reform_shared.source_keeper import keep_city_sources, restart_stalled_sources

log = logging.getLogger("reform_shared.provision")

DEFAULT_WAIT_SECONDS = 60.0


async def _quiet(exc: Exception) -> None:
    log.debug("nats: %r", exc)


async def connect_with_retry(url: str, wait_seconds: float, interval: float = 1.0,
                             options: dict[str, Any] | None = None) -> NatsClient:
    """Connect to NATS, retrying any failure until `wait_seconds` have passed (`options`: the identity's,
    `nats_auth.connect_options`)."""
    deadline = time.monotonic() + wait_seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            return await nats.connect(
                servers_of(url),
                connect_timeout=2,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=interval,
                error_cb=_quiet,
                **(options or {}),
            )
        except Exception as exc:  # every failure to connect is retried until the deadline
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConnectionError(
                    f"NATS at {redact(url)} not reachable after {wait_seconds:.0f}s ({attempt} attempts): {exc!r}"
                ) from exc
            log.warning("waiting for NATS at %s (attempt %d): %r", redact(url), attempt, exc)
            await asyncio.sleep(min(interval, remaining))


async def run(settings: Settings, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> ProvisionReport:
    nc = await connect_with_retry(settings.nats_url, wait_seconds, options=connect_options(settings))
    try:
        return await provision(nc.jetstream(timeout=10), settings)
    finally:
        await nc.close()


# -- the city node's provisioning -------------------------------------------------------------------
def check_city_settings(cfg: FederationConfig, settings: Settings) -> None:
    if settings.stream_name != cfg.city_stream:
        raise ValueError(f"REFORM_STREAM_NAME is {settings.stream_name!r} but the federation's city stream is "
                         f"{cfg.city_stream!r}: run the city's provisioning with the city services' settings")
    if settings.federation_role == "commune":
        raise ValueError("--federation provisions the city node: REFORM_FEDERATION_ROLE must not be 'commune'")


async def ensure_city(nc: NatsClient, cfg: FederationConfig, settings: Settings) -> bool:
    """Idempotent: provision the city; True if anything was missing or differed."""
    check_city_settings(cfg, settings)
    return await provision_city(nc, cfg, settings)


async def city_report(nc: NatsClient, cfg: FederationConfig, provisioned: bool) -> dict[str, Any]:
    info = await nc.jetstream(timeout=10).stream_info(cfg.city_stream)
    nodes: dict[str, Any] = {}
    for node in cfg.nodes:
        node_js = nc.jetstream(prefix=node.api_import, timeout=10)
        streams = []
        for name in (node.fed_stream, node.out_stream):
            with contextlib.suppress(NotFoundError):
                streams.append((await node_js.stream_info(name)).config.name)
        nodes[node.node_id] = {"account": node.account, "communes": node.communes, "streams": streams}
    return {
        "stream": cfg.city_stream,
        "provisioned": provisioned,
        "messages": info.state.messages,
        "sources": sorted(s.name for s in info.config.sources or []),
        "nodes": nodes,
    }


async def run_city(settings: Settings, federation: Path, wait_seconds: float) -> dict[str, Any]:
    cfg = FederationConfig.load(federation)
    check_city_settings(cfg, settings)
    nc = await connect_with_retry(settings.nats_url, wait_seconds, options=connect_options(settings))
    try:
        provisioned = await ensure_city(nc, cfg, settings)
        return await city_report(nc, cfg, provisioned)
    finally:
        await nc.close()


# -- the keeper ---------------------------------------------------------------------------------------
@dataclasses.dataclass
class Keeper:
    """Every `interval` seconds: the idempotent provisioning, then re-attach the stalled sources."""

    settings: Settings
    interval: float
    federation: Path | None = None
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    ready_file: Path | None = None
    cycles: int = 0
    _last_restarted: list[str] = dataclasses.field(default_factory=list)
    _cfg: FederationConfig | None = None

    def _federation(self) -> FederationConfig | None:
        """federation.json read again each cycle (a node joined); a broken edit keeps the last good one."""
        if self.federation is None:
            return None
        try:
            cfg = FederationConfig.load(self.federation)
        except (OSError, ValueError, ValidationError) as exc:
            if self._cfg is None:
                raise
            log.error("%s unreadable, keeping the previous federation: %s", self.federation, exc)
            return self._cfg
        if self._cfg is not None and cfg != self._cfg:
            log.info("federation changed: nodes %s", ", ".join(n.node_id for n in cfg.nodes))
        self._cfg = cfg
        return cfg

    async def cycle(self) -> list[str]:
        cfg = self._federation()
        nc = await connect_with_retry(self.settings.nats_url, self.wait_seconds if self.cycles == 0 else 0,
                                      options=connect_options(self.settings))
        try:
            if cfg is not None:
                if await ensure_city(nc, cfg, self.settings):
                    log.info("provisioned the city stream %s and the streams of nodes %s", cfg.city_stream,
                             ", ".join(n.node_id for n in cfg.nodes) or "(none)")
                restarted = await keep_city_sources(nc, cfg)
            else:
                js = nc.jetstream(timeout=10)
                report = await provision(js, self.settings)
                if report.stream_created or report.bucket_created or report.attachments_bucket_created:
                    log.info("provisioned: %s", json.dumps(dataclasses.asdict(report)))
                restarted = await restart_stalled_sources(js, self.settings.stream_name)
        finally:
            await nc.close()
        self.cycles += 1
        if self.ready_file is not None:
            self.ready_file.parent.mkdir(parents=True, exist_ok=True)
            self.ready_file.touch()
        # A node that stays away is re-attached every cycle: say so when the set changes, not every time.
        if restarted != self._last_restarted:
            if restarted:
                log.info("re-attached stalled sources: %s", ", ".join(restarted))
            else:
                log.info("every source is attached")
        self._last_restarted = restarted
        return restarted

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.cycle()
            except (ValueError, ValidationError) as exc:
                log.error("configuration: %s", exc)  # stays visible until fixed; the container keeps running
            except Exception as exc:  # noqa: BLE001 - the hub or the node's server being down is what it waits out
                log.warning("keeper cycle failed: %r", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)


async def watch(keeper: Keeper) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("keeper: every %.0fs on %s (%s)", keeper.interval, redact(keeper.settings.nats_url),
             f"city, federation {keeper.federation}" if keeper.federation else f"stream {keeper.settings.stream_name}")
    await keeper.run(stop)
    log.info("keeper stopped")
