"""One step of the runner: take a prepared batch, commit it with its checkpoint, acknowledge it.

Order is kept here. A batch that failed to commit, or a checkpoint that went back in the database,
would have its messages redelivered after newer ones (which the checkpoint would then skip past):
instead the prefetched batch is dropped and the consumer starts again after the stored checkpoint."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from opentelemetry.trace import Tracer

from reform_shared.projection.batches import BatchPreparer
from reform_shared.projection.contracts import CheckpointRegressed, _Batch, _Item
from reform_shared.projection.crashes import CrashLedger
from reform_shared.projection.heap import release_free_heap_soon
from reform_shared.projection.position import Position
from reform_shared.projection.writer import CheckpointedWriter

log = logging.getLogger("reform_shared.projection")

SETTLE_AFTER = 1_000
"""Events that wrote nothing (the record's audit reads every event and writes only what it parks) applied past the
committed checkpoint, after which a batch of them commits its checkpoint anyway: what a restart applies again."""


class BatchLoop:
    """Steps a projection one batch at a time; the runner's seams (`commit`, `caught_up`) are passed in."""

    def __init__(
        self,
        *,
        name: str,
        consumer: str,
        position: Position,
        ledger: CrashLedger,
        batches: BatchPreparer,
        writer: CheckpointedWriter,
        tracer: Tracer,
        commit: Callable[[list[_Item]], Awaitable[None]],
        caught_up: Callable[[], Awaitable[None]],
        report: Callable[[str | None], None],
        stopping: Callable[[], bool],
    ) -> None:
        self._name = name
        self._consumer = consumer
        self._position = position
        self._ledger = ledger
        self._batches = batches
        self._writer = writer
        self._tracer = tracer
        self._commit = commit
        self._caught_up = caught_up
        self._report = report
        self._stopping = stopping
        self.lock = asyncio.Lock()
        """Held while a batch is handled, a rebuild resets, or a parked event is replayed."""
        self.pending = 0
        """Events the consumer still held after the last batch (from its last message)."""
        self._reposition = False
        self._caught_up_from_backlog = False
        """A catch-up batch was handled since the runner was last caught up."""

    async def step(self) -> int:
        if self._position.sub is None or self._reposition:
            await self._reposition_consumer()
        try:
            batch = await self._batches.take(self.pending)
        except BaseException:
            self._abandon()  # messages may have been fetched and left unacknowledged
            raise
        if batch.lost_consumer:
            await self._position.subscribe()
            return 0
        if not batch.msgs and (stored := await self._writer.stored_behind()) is not None:
            self._regressed(stored)  # idle: the checkpoint in the database is the truth, not this memory
        async with self.lock:
            if batch.generation != self._position.generation:
                return 0  # a rebuild happened meanwhile: these belong to the old consumer
            if batch.pending and not self._ledger.isolate and not self._stopping():
                self._batches.prefetch(batch.pending)
            if batch.msgs and not await self._commit_and_ack(batch):
                return 0
            if not batch.msgs and not self._reposition and not self._stopping():
                await self._settle()  # idle: the checkpoint of what wrote nothing is committed now
            self.pending = batch.pending
            self._caught_up_from_backlog |= batch.catch_up
            if self.pending == 0:
                await self._caught_up()
                if self._caught_up_from_backlog:  # its large batches freed by then: their pages back to the system
                    self._caught_up_from_backlog = False
                    release_free_heap_soon()
        return len(batch.msgs)

    async def _reposition_consumer(self) -> None:
        if self._reposition:
            self._position.checkpoint = self._position.committed = int((await self._writer.stored()).get("seq", 0))
        await self._position.subscribe(recreate=self._reposition)
        self._reposition, self.pending = False, 0

    async def _commit_and_ack(self, batch: _Batch) -> bool:
        """False if the database's checkpoint went back (nothing was written: the consumer moves back)."""
        try:
            await self._handle(batch)
        except CheckpointRegressed as exc:
            self._regressed(exc.stored)
            return False
        except BaseException:
            self._abandon()
            raise
        return True

    async def settle(self) -> None:
        """The checkpoint committed up to what was applied (a rebuild that caught up, a runner idle or stopping)."""
        async with self.lock:
            await self._settle()

    async def _settle(self) -> None:
        try:
            await self._writer.settle()
        except CheckpointRegressed as exc:
            self._regressed(exc.stored)
        except BaseException:
            self._abandon()
            raise

    def _writes_nothing(self, items: list[_Item]) -> bool:
        """A batch whose events write nothing and park nothing: acknowledged with its checkpoint kept in memory, as
        long as the committed one is at most SETTLE_AFTER behind (a transaction per batch of the audit's was a fifth
        of the database's requests under a node's command load). A restart applies them again, to no effect."""
        return (not self._ledger.isolate and items[-1].seq - self._position.committed <= SETTLE_AFTER
                and all(not item.writes and item.parked is None for item in items))

    async def _handle(self, batch: _Batch) -> None:
        # Prepared before the previous batch committed: what that batch covered is dropped here.
        items = [item for item in batch.items if item.seq > self._position.checkpoint]
        if items and self._writes_nothing(items):
            self._position.checkpoint = items[-1].seq
            self._ledger.moved_on()
            items = []
        if items and batch.catch_up:
            with self._tracer.start_as_current_span(
                f"project {self._name} catch-up",
                attributes={"reform.events": len(items), "reform.first_seq": items[0].seq,
                            "reform.last_seq": items[-1].seq},
            ):
                await self._commit(items)
        elif items:
            await self._commit(items)
        if items:
            self._position.checkpoint = self._position.committed = items[-1].seq
            self._ledger.moved_on()  # only the first event after the crash point is suspect
        for msg in batch.msgs:
            await msg.ack()

    def _regressed(self, stored: int) -> None:
        """A database that lost its last commits (killed without syncing, restored from a backup) holds an older
        checkpoint than this process: the consumer moves back to it, so what was lost is applied again."""
        applied = self._position.checkpoint
        log.warning("projection %s: the database holds checkpoint %s, this process had applied up to %s; "
                    "applying again from %s", self._consumer, stored, applied, stored + 1)
        self._report(f"checkpoint went back from {applied} to {stored}: re-applying from {stored + 1}")
        self._abandon()

    def _abandon(self) -> None:
        """A batch in hand failed: drop the prefetched one, and start again after the checkpoint."""
        self._reposition = True
        self._batches.drop()
