"""The adapters a service process holds: NATS, the event store, MongoDB, its projections."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.object_store import ObjectStore
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.commands import CommandBus
from reform_shared.errors import NotFound
from reform_shared.events import build_registry
from reform_shared.idempotency import IdempotencyRecords, JetStreamRecordBucket
from reform_shared.nats_auth import connect_options, redact
from reform_shared.ports import EventStore
from reform_shared.projection import Projection, ProjectionRunner
from reform_shared.projection.announce import StoreAnnouncer
from reform_shared.registry import EventRegistry
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

log = logging.getLogger(__name__)


GC_THRESHOLDS = (50_000, 20, 10)


def tune_gc() -> None:
    """Leave what start-up built out of every collection (`gc.freeze`) and collect young garbage every
    50,000 allocations instead of 700: a projection working off a backlog holds two batches of parsed
    events, which the default thresholds scan again and again (measured: 14% of a rebuild's CPU)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@dataclass(frozen=True)
class Connections:
    """What a started service holds, none of it optional: a service's wiring is built from it (no asserts,
    no lookups by name)."""

    settings: Settings
    registry: EventRegistry
    js: JetStreamContext
    db: AsyncDatabase[dict[str, Any]]
    store: EventStore
    idempotency: IdempotencyRecords

    def bus(self) -> CommandBus:
        """A command bus on the node's store and idempotency records."""
        return CommandBus(self.store, self.idempotency)


class ServiceRuntime:
    """Connections and runners of one service; `bootstrap.py` of each service builds one."""

    def __init__(
        self,
        settings: Settings,
        projections: Sequence[Projection] = (),
        registry: EventRegistry | None = None,
        run_projections: bool = True,
    ) -> None:
        self.settings = settings
        self.registry = registry or build_registry()
        self._projections = list(projections)
        self.run_projections = run_projections
        self.nc: NatsClient | None = None
        self.js: JetStreamContext | None = None
        self.mongo: AsyncMongoClient[dict[str, Any]] | None = None
        self.db: AsyncDatabase[dict[str, Any]] | None = None
        self.store: JetStreamEventStore | None = None
        self.ops_store: JetStreamEventStore | None = None
        self.idempotency: IdempotencyRecords | None = None
        self.runners: dict[str, ProjectionRunner] = {}
        self._failing: set[str] = set()
        self._nats_down = False
        self._stopping = False

    @property
    def projection_names(self) -> list[str]:
        """The projections this service keeps, by name; known before `start` (their runners are made there)."""
        return [projection.name for projection in self._projections]

    async def start(self) -> None:
        s = self.settings
        self._stopping = False
        tune_gc()
        self.nc = await self._connect_nats()
        self.js = self.nc.jetstream(timeout=10)
        # The request path (the store, idempotency records) waits at most dependency_timeout for NATS,
        # then answers 503; provisioning and projections keep the longer timeout of `js`.
        commands_js = self.nc.jetstream(timeout=s.dependency_timeout_seconds)
        timeout_ms = int(s.dependency_timeout_seconds * 1000)
        self.mongo = AsyncMongoClient(
            s.mongo_url, tz_aware=True, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=max(timeout_ms, 20_000),
            maxIdleTimeMS=s.mongo_max_idle_ms,
        )
        self.db = self.mongo[s.database_name]
        self.store = JetStreamEventStore(commands_js, self.registry, s.stream_name, s.subject_prefix,
                                         timeout=s.dependency_timeout_seconds)
        # The node's operational events (a projection parked an event) go through the same store, under the ops
        # prefix that no federation source copies (reform_shared.events.operations).
        self.ops_store = JetStreamEventStore(self.js, self.registry, s.stream_name, s.ops_prefix)
        announcer = StoreAnnouncer(self.ops_store, node_id=s.node_id, service=s.service_name)
        kv = await self._await_provisioned(s.idempotency_bucket, commands_js.key_value)  # never created here
        self.idempotency = IdempotencyRecords(JetStreamRecordBucket(kv, scope=s.service_name))
        for projection in self._projections:
            runner = ProjectionRunner(
                service=s.service_name,
                projection=projection,
                js=self.js,
                client=self.mongo,
                db=self.db,
                registry=self.registry,
                stream=s.stream_name,
                prefix=s.consumed_prefixes,
                batch_size=s.projection_batch_size,
                catch_up_batch_size=s.projection_catch_up_batch_size,
                max_deliver=s.projection_max_deliver,
                announcer=announcer,
            )
            self.runners[projection.name] = runner
            if self.run_projections:
                runner.start_in_background()
        if self.run_projections:
            # Wait a little for the runners to be positioned (tests and the demo read right after start),
            # never for long: a database that is down or a transaction a killed process left open must not
            # keep the service from answering; the runners go on preparing in the background.
            waits = [asyncio.ensure_future(runner.prepared.wait()) for runner in self.runners.values()]
            if waits:
                _, late = await asyncio.wait(waits, timeout=5)
                for wait in late:
                    wait.cancel()

    @property
    def connections(self) -> Connections:
        """The started runtime's connections (raises before `start`)."""
        if self.js is None or self.db is None or self.store is None or self.idempotency is None:
            raise RuntimeError(f"{self.settings.service_name} is not started")
        return Connections(self.settings, self.registry, self.js, self.db, self.store, self.idempotency)

    async def _connect_nats(self) -> NatsClient:
        """Connect, retrying for a minute: a service restarted while its nats-server restarts too waits."""
        s = self.settings
        for attempt in range(60):
            try:
                return await nats.connect(
                    s.nats_servers, name=f"{s.node_id}:{s.service_name}", max_reconnect_attempts=-1,
                    reconnect_time_wait=1, connect_timeout=2, allow_reconnect=True,
                    error_cb=self._nats_error, disconnected_cb=self._nats_disconnected,
                    reconnected_cb=self._nats_reconnected, **connect_options(s),
                )
            except Exception:  # noqa: BLE001 - not up yet
                if attempt == 0:
                    log.warning("waiting for NATS at %s", redact(s.nats_url))
                await asyncio.sleep(1)
        raise RuntimeError(f"NATS at {redact(s.nats_url)} did not answer for a minute")

    # One line each, not nats-py's traceback per reconnect attempt: an outage is an operator's news, not a bug.
    async def _nats_error(self, exc: Exception) -> None:
        if self._nats_down:
            log.debug("NATS still unreachable: %s: %s", type(exc).__name__, exc)
        else:
            log.warning("NATS error: %s: %s", type(exc).__name__, exc)

    async def _nats_disconnected(self) -> None:
        if self._stopping:
            return  # drained and closed by `stop`: not an outage
        if not self._nats_down:
            log.warning("NATS disconnected from %s; reconnecting every second (commands answer 503 meanwhile)",
                        redact(self.settings.nats_url))
        self._nats_down = True

    async def _nats_reconnected(self) -> None:
        self._nats_down = False
        log.warning("NATS reconnected")

    async def await_object_store(self, bucket: str) -> ObjectStore:
        """An object-store bucket (the submission service's attachments); waits for the provisioning
        step rather than creating it, as for the idempotency bucket."""
        assert self.js is not None
        store: ObjectStore = await self._await_provisioned(bucket, self.js.object_store)
        return store

    async def _await_provisioned(self, bucket: str, lookup: Callable[[str], Awaitable[Any]]) -> Any:
        for attempt in range(60):
            try:
                return await lookup(bucket)
            except Exception:  # noqa: BLE001 - not provisioned yet
                if attempt == 0:
                    log.warning("waiting for bucket %s to be provisioned", bucket)
                await asyncio.sleep(0.5)
        raise RuntimeError(f"bucket {bucket} is not provisioned: run the provisioning step first")

    async def stop(self) -> None:
        self._stopping = True
        for runner in self.runners.values():
            await runner.stop()
        if self.nc is not None and not self.nc.is_closed:
            await self.nc.drain()
        if self.mongo is not None:
            await self.mongo.close()

    async def readiness(self) -> dict[str, Any]:
        """Whether this process can serve requests now: NATS connected, its stream there, the database
        answering. Each check gets a second try, so one dead pooled connection does not make it flap,
        and every failure is logged once with its cause (an operator reads why, not just false)."""
        checks: dict[str, Any] = {"nats": bool(self.nc and self.nc.is_connected)}
        timeout = self.settings.dependency_timeout_seconds
        checks["stream"] = checks["nats"] and await self._check("stream", self._stream_info, timeout)
        checks["mongo"] = await self._check("mongo", self._ping, timeout)
        return checks

    async def _stream_info(self) -> None:
        assert self.js is not None
        await self.js.stream_info(self.settings.stream_name)

    async def _ping(self) -> None:
        assert self.db is not None
        await self.db.command("ping")

    async def _check(self, name: str, probe: Callable[[], Any], seconds: float) -> bool:
        failure: BaseException | None = None
        for _ in range(2):
            try:
                async with asyncio.timeout(seconds):
                    await probe()
                if name in self._failing:
                    log.warning("readiness: %s is back", name)
                    self._failing.discard(name)
                return True
            except Exception as exc:  # noqa: BLE001 - a probe reports, never raises
                failure = exc
        if name not in self._failing:
            log.warning("readiness: %s fails: %s: %s", name, type(failure).__name__, failure)
            self._failing.add(name)
        return False

    def runner(self, name: str) -> ProjectionRunner:
        try:
            return self.runners[name]
        except KeyError:
            raise NotFound(f"Không có projection {name}", f"no projection {name}", field="projection") from None
