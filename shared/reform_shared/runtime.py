"""The adapters a service process holds: NATS, the event store, MongoDB, its projections."""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.object_store import ObjectStore
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.errors import NotFound
from reform_shared.events import build_registry
from reform_shared.idempotency import IdempotencyRecords
from reform_shared.projection import Projection, ProjectionRunner
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
        self.idempotency: IdempotencyRecords | None = None
        self.runners: dict[str, ProjectionRunner] = {}
        self.on_started: list[Callable[[ServiceRuntime], Any]] = []

    async def start(self) -> None:
        s = self.settings
        tune_gc()
        self.nc = await nats.connect(
            s.nats_url, name=f"{s.node_id}:{s.service_name}", max_reconnect_attempts=-1, reconnect_time_wait=1
        )
        self.js = self.nc.jetstream(timeout=10)
        self.mongo = AsyncMongoClient(s.mongo_url, tz_aware=True, serverSelectionTimeoutMS=10_000)
        self.db = self.mongo[s.database_name]
        self.store = JetStreamEventStore(self.js, self.registry, s.stream_name, s.subject_prefix)
        kv = await self._await_bucket(s.idempotency_bucket)
        self.idempotency = IdempotencyRecords(kv)
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
            )
            self.runners[projection.name] = runner
            if self.run_projections:
                await runner.start()
        for hook in self.on_started:
            result = hook(self)
            if inspect.isawaitable(result):
                await result

    async def _await_bucket(self, bucket: str) -> Any:
        """The idempotency bucket; waits for the provisioning step rather than creating it."""
        assert self.js is not None
        return await self._await_provisioned(bucket, self.js.key_value)

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
        for runner in self.runners.values():
            await runner.stop()
        if self.nc is not None and not self.nc.is_closed:
            await self.nc.drain()
        if self.mongo is not None:
            await self.mongo.close()

    async def readiness(self) -> dict[str, Any]:
        checks: dict[str, Any] = {}
        checks["nats"] = bool(self.nc and self.nc.is_connected)
        try:
            assert self.js is not None
            await self.js.stream_info(self.settings.stream_name)
            checks["stream"] = True
        except Exception:  # noqa: BLE001
            checks["stream"] = False
        try:
            assert self.db is not None
            await self.db.command("ping")
            checks["mongo"] = True
        except Exception:  # noqa: BLE001
            checks["mongo"] = False
        return checks

    def runner(self, name: str) -> ProjectionRunner:
        try:
            return self.runners[name]
        except KeyError:
            raise NotFound(f"Không có projection {name}", f"no projection {name}", field="projection") from None
