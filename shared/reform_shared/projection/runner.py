"""The runner: composes the parts (position, crash ledger, parking lot, batch preparer, checkpointed
writer) and runs one short loop — prepare a batch, commit it with its checkpoint, acknowledge it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, ConsumerInfo
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.coalesce import WritePlanner
from reform_shared.projection.announce import Announcer
from reform_shared.projection.batches import BatchPreparer
from reform_shared.projection.contracts import Projection, _Item
from reform_shared.projection.crashes import CrashLedger
from reform_shared.projection.lifecycle import Background
from reform_shared.projection.loop import BatchLoop
from reform_shared.projection.parking import ParkingLot
from reform_shared.projection.position import Position
from reform_shared.projection.writer import CheckpointedWriter
from reform_shared.registry import EventRegistry
from reform_shared.telemetry import tracer

log = logging.getLogger("reform_shared.projection")


class ProjectionRunner:
    """Runs one projection of one service against the node's event stream."""

    def __init__(
        self,
        *,
        service: str,
        projection: Projection,
        js: JetStreamContext,
        client: AsyncMongoClient[dict[str, Any]],
        db: AsyncDatabase[dict[str, Any]],
        registry: EventRegistry,
        stream: str,
        prefix: str | Sequence[str],
        batch_size: int = 500,
        catch_up_batch_size: int = 10_000,
        max_deliver: int = 5,
        ack_wait: float = 30.0,
        handler_retries: int = 3,
        retry_base_delay: float = 0.05,
        fetch_timeout: float = 1.0,
        announcer: Announcer | None = None,
    ) -> None:
        self.service = service
        self.projection = projection
        self.consumer = f"{service}-{projection.name}".replace(".", "_")
        self._db = db
        self._prefixes = [prefix] if isinstance(prefix, str) else list(prefix)
        self.batch_size = batch_size
        self.catch_up_batch_size = max(batch_size, catch_up_batch_size)
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.handler_retries = handler_retries
        self.retry_base_delay = retry_base_delay
        self.fetch_timeout = fetch_timeout
        self._indexes_pending = False
        self.prepared = asyncio.Event()
        """Set once the consumer is positioned after the checkpoint (see `prepare`)."""
        self.last_error: str | None = None
        self._tracer = tracer(f"reform.projection.{service}")
        self._announcer = announcer
        """Tells the node of each parked event (a `ProjectionParked`, `projection/announce.py`); None: nobody."""
        self._compose(js, client, db, registry, stream)

    def _compose(self, js: JetStreamContext, client: AsyncMongoClient[dict[str, Any]],
                 db: AsyncDatabase[dict[str, Any]], registry: EventRegistry, stream: str) -> None:
        self._planner = WritePlanner()
        self._life = Background(self.consumer, self._report)
        self._position = Position(
            js=js, stream=stream, consumer=self.consumer, filters=self._filters, ack_wait=self.ack_wait,
            description=f"projection {self.projection.name} of {self.service}",
            catch_up_batch_size=self.catch_up_batch_size)
        self._ledger = CrashLedger(db=db, projection=self.projection.name, consumer=self.consumer,
                                   max_deliver=self.max_deliver)
        self._parking = ParkingLot(service=self.service, projection=self.projection, js=js, stream=stream,
                                   client=client, db=db, registry=registry, announcer=self._announcer)
        self._writer = CheckpointedWriter(
            client=client, db=db, projection=self.projection, position=self._position, parking=self._parking,
            planner=self._planner, report=self._report, stopping=lambda: self._life.stopping)
        self._batches = BatchPreparer(
            projection=self.projection, registry=registry, position=self._position, ledger=self._ledger,
            parking=self._parking, tracer=self._tracer, batch_size=self.batch_size,
            catch_up_batch_size=self.catch_up_batch_size, fetch_timeout=self.fetch_timeout,
            handler_retries=self.handler_retries, retry_base_delay=self.retry_base_delay)
        self._steps = BatchLoop(
            name=self.projection.name, consumer=self.consumer, position=self._position, ledger=self._ledger,
            batches=self._batches, writer=self._writer, tracer=self._tracer, report=self._report,
            commit=lambda items: self._commit_batch(items), caught_up=lambda: self._caught_up(),
            stopping=lambda: self._life.stopping)

    def _filters(self) -> list[str]:
        return [f for p in self._prefixes for f in self.projection.subject_filters(p)]

    def _report(self, error: str | None) -> None:
        self.last_error = error

    @property
    def _checkpoint(self) -> int:
        """The last stream sequence this process applied."""
        return self._position.checkpoint

    # -- life cycle -------------------------------------------------------------------------
    def consumer_config(self) -> ConsumerConfig:
        """The durable consumer, positioned just after what the projection already holds."""
        return self._position.config()

    async def prepare(self) -> None:
        """Create indexes, read the checkpoint, and position the durable consumer after it.

        A consumer left with unacknowledged messages means the previous process died mid-batch.
        Its messages would come back out of order (after newer ones), and the checkpoint would
        then skip them, so the consumer is recreated at checkpoint + 1 instead. Restarts at the
        same checkpoint are counted: after `max_deliver` of them the runner applies one event at
        a time, and after one more it parks the event that keeps killing the process.
        """
        await self.projection.create_indexes(self._db)
        await self._parking.create_index()
        info = await self._position.info()
        doc = await self._writer.stored()
        if self._redefined(info, doc):
            # The projection now reads other event types or prefixes than its consumer does, or writes
            # other documents: what it holds was built otherwise, so it is built again from the start.
            log.warning("projection %s: its definition changed; rebuilding it from the stream", self.consumer)
            await self._reset()
            info, doc = None, {}
        self._position.checkpoint = self._position.committed = int(doc.get("seq", 0))
        leftovers = info is not None and self._position.has_leftovers(info)
        died = info is not None and self._position.died_mid_batch(info)
        await self._ledger.count(doc, self._position.checkpoint, died)
        await self._position.subscribe(
            recreate=leftovers or (info is not None and self._position.settings_changed(info)))
        await self._parking.announce_pending()  # parked before a crash or an outage, and not announced yet
        self.prepared.set()

    def _redefined(self, info: ConsumerInfo | None, doc: dict[str, Any]) -> bool:
        rebuilt_otherwise = "seq" in doc and doc.get("version", 1) != self.projection.version
        return (info is not None and self._position.filters_changed(info)) or rebuilt_otherwise

    def start_in_background(self) -> None:
        """Prepare (retrying while the database or NATS is away) and run, without holding up the service:
        a database that is down, or a transaction a killed process left open on the checkpoint, delays the
        projection, never the process's readiness to answer."""
        self._life.start(self._life.prepare_then_loop(self.prepare, self._loop))

    async def start(self) -> None:
        await self.prepare()
        self._life.start(self._loop())

    async def _loop(self) -> None:
        await self._life.loop(self.step, lambda: self._batches.in_hand)

    async def stop(self) -> None:
        """Finish the batch in hand, then stop (a cancel mid-batch would look like a crash)."""
        await self._life.stop(timeout=self.fetch_timeout + 10)
        self._batches.drop()  # only after a cancel: its messages come back at the next start
        with contextlib.suppress(Exception):  # the database away: the next start applies those events again
            await asyncio.wait_for(self._steps.settle(), timeout=5)
        await self._position.unsubscribe()

    # -- the loop ---------------------------------------------------------------------------
    async def step(self) -> int:
        """Fetch and handle one batch; returns how many messages were handled.

        While a backlog is worked off, the next batch is fetched, parsed and applied in memory
        while this one commits: the database works on one batch as this process prepares the next.
        """
        return await self._steps.step()

    async def _commit_batch(self, items: list[_Item]) -> None:
        """The writer's commit (a seam: tests and the benchmark wrap it per runner)."""
        await self._writer.commit_batch(items)

    async def _caught_up(self) -> None:
        """After a rebuild caught up: building indexes once beats maintaining them on every write."""
        if self._indexes_pending:
            await self.projection.create_indexes(self._db)
            self._indexes_pending = False
        self._planner.stop_inserting()  # live events from here: few per batch, upserts

    async def run_until_caught_up(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Apply everything the stream holds for this projection, then return (rebuild, tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            handled = await self.step()
            if (handled and self._steps.pending == 0) or (handled < self.batch_size and await self._drained()):
                await self._steps.settle()  # nothing behind (said by the last message, or asked after a short batch)
                return
        raise TimeoutError(f"projection {self.consumer} not caught up after {timeout}s")

    async def _drained(self) -> bool:
        info = await self._position.lag()
        return info.num_pending == 0 and info.num_ack_pending == 0

    # -- operations -------------------------------------------------------------------------
    async def rebuild(self) -> None:
        """Drop the projection and its consumer, and build it again from the stream's start."""
        async with self._steps.lock:
            await self._reset()
            await self._position.subscribe(recreate=True)

    async def _reset(self) -> None:
        await self._position.delete()
        await self._writer.drop()
        await self._parking.clear()
        self._position.checkpoint = self._position.committed = 0
        self._steps.pending = 0
        self._indexes_pending = True  # created once the rebuild has caught up (see step)
        self._planner.start_from_empty(self.projection.collections)

    async def replay_parked(self, parked_id: str) -> dict[str, Any]:
        """Apply a parked event again (after a fix); it stays parked if it still fails."""
        async with self._steps.lock:
            doc = await self._parking.replayable(parked_id)
            self._planner.stop_inserting()  # this write is not planned: the documents it makes are unknown
            return await self._parking.replay(doc)

    async def status(self) -> dict[str, Any]:
        info = await self._position.lag()
        pending, in_flight = info.num_pending or 0, info.num_ack_pending or 0  # always given by the server
        parked = await self._parking.count()
        return {
            "projection": self.projection.name,
            "consumer": self.consumer,
            "last_applied_sequence": self._position.checkpoint,
            "pending": pending,
            "in_flight": in_flight,
            "lag": pending + in_flight,
            "parked": parked,
            "last_error": self.last_error,
            "running": self._life.running,
        }

    async def list_parked(self, status: str | None = "parked", limit: int = 100) -> list[dict[str, Any]]:
        return await self._parking.list(status, limit)
