"""Wires the replication service: its projection, the city's relay, commands, queries and routes."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI

from reform_replication.application.commands import ReplicationCommands
from reform_replication.application.evidence import EvidencePacks
from reform_replication.application.files import CatalogueFiles
from reform_replication.application.projection import ReplicationBook
from reform_replication.application.queries import ReplicationQueries
from reform_replication.application.relay import Relay
from reform_replication.entrypoints.http import router
from reform_replication.wiring import ReplicationWiring
from reform_shared.commands import CommandBus
from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import Connections, ServiceRuntime
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

SERVICE = "replication"
DEFAULT_PORT = 8108
RELAY_INTERVAL_SECONDS = 1.0
FILES_INTERVAL_SECONDS = 2.0


class ReplicationRuntime(ServiceRuntime):
    """The shared runtime, plus the relay publishing the catalogue where the catalogue is made: on the city
    node and on a standalone node (a commune node only receives it); and on every node the catalogue's files:
    its recognised initiatives' files sent, and (where the catalogue is made) the checked files relayed."""

    def __init__(self, settings: Settings, run_projections: bool = True) -> None:
        super().__init__(settings, projections=(ReplicationBook(),), run_projections=run_projections)
        self.clock: Clock = SystemClock()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await super().start()
        if not self.run_projections:
            return
        c = self.connections
        makes_catalogue = self.settings.federation_role != "commune"
        if makes_catalogue:
            relay = Relay(c.db, c.bus(), self.clock)
            self._tasks.append(asyncio.create_task(relay.run_forever(RELAY_INTERVAL_SECONDS)))
        files = catalogue_files(c, self.clock)
        self._tasks.append(asyncio.create_task(files.run_forever(FILES_INTERVAL_SECONDS, relay=makes_catalogue)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().stop()


def catalogue_files(c: Connections, clock: Clock) -> CatalogueFiles:
    """The catalogue's files, appended under the node's files prefix (`reform-files`, beside its events)."""
    s = c.settings
    bus = CommandBus(JetStreamEventStore(c.js, c.registry, s.stream_name, s.files_prefix), c.idempotency)
    return CatalogueFiles(c.db, c.js, c.registry, bus, clock, stream=s.stream_name, bucket=s.attachments_bucket,
                          max_bytes=s.max_upload_bytes, own_prefix=s.files_prefix)


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ReplicationRuntime(settings, run_projections)


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    app = create_app(runtime, [router], title="Dịch vụ nhân rộng sáng kiến (replication)", wire=wire)
    app.state.clock = clock or SystemClock()
    if clock is not None and isinstance(runtime, ReplicationRuntime):
        runtime.clock = clock
    return app


def wire(c: Connections) -> ReplicationWiring:
    s = c.settings
    queries = ReplicationQueries(c.db)
    files = catalogue_files(c, SystemClock())
    packs = EvidencePacks(c.js, c.registry, s.stream_name, s.consumed_prefixes, s.attachments_bucket,
                          copy_of=files.checked_copy)
    return ReplicationWiring(ReplicationCommands(c.bus(), queries), queries, packs, files)
