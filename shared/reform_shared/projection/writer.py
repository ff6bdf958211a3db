"""The checkpointed writer (the projection's tracking recorder): a batch's planned writes, its parked
events and the checkpoint, in one transaction — so the checkpoint never says more, or less, than
the documents hold.

Inside the transaction, the checkpoint is moved first, on the condition that the database holds what this
process applied last (one statement: the usual case). Otherwise the stored checkpoint is read: at or past the
batch, a commit whose answer was lost has landed, and nothing is written again; behind this process's memory, the
database lost commits, and writing on top would skip them (`CheckpointRegressed`). Transient database errors
are retried in place with backoff; a batch refused otherwise is written event by event, and an event
whose writes are refused is parked.

A batch whose transaction the server aborts itself, twice in a row (past its lifetime: MongoDB's
`transactionLifetimeLimitSeconds`, 60 s; the embedded database's idle limit), is split in halves, each committed with
its own checkpoint, and no later batch is committed larger than what last committed: retrying it whole would be aborted
the same way every time, and the projection would never move again.

A large batch (a backlog worked off) first reads, in its transaction, which of the documents it upserts exist
(`_id $in`, one query per collection): the others are built in memory and inserted (`coalesce`), which on the
embedded database costs far less than an upsert (no update operators, no document copied and diffed)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Hashable
from typing import Any

from pymongo import AsyncMongoClient, ReplaceOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from reform_shared.coalesce import MongoOp, Upsert, WritePlanner
from reform_shared.projection.contracts import (
    CHECKPOINTS,
    PARKED,
    CheckpointRegressed,
    Projection,
    _Item,
    by_collection_of,
    is_transient,
)
from reform_shared.projection.parking import ParkingLot
from reform_shared.projection.position import Position

log = logging.getLogger("reform_shared.projection")

SPLIT_AFTER = 2
"""Aborts of one batch's transaction by the server, in a row, after which the batch is split in halves."""
ABORTED_BY_SERVER = frozenset({251, 290})
"""NoSuchTransaction (the server ended it: reaped, or aborted past its lifetime) and
TransactionExceededLifetimeLimitSeconds."""
LOOKUP_AT = 50
"""Upserts of one collection in a batch from which their documents' existence is read first (see above)."""
Plan = Callable[[dict[str, set[Hashable]] | None], dict[str, list[MongoOp]]]


def _not_the_batch(exc: BaseException) -> bool:
    """Failures no event is to blame for: the database is away, or went back (they stop the batch)."""
    return is_transient(exc) or isinstance(exc, CheckpointRegressed)


class _SplitBatch(Exception):
    """The server keeps aborting this batch's transaction: it is committed in halves instead."""


def _aborted_by_server(exc: BaseException) -> bool:
    return isinstance(exc, OperationFailure) and exc.code in ABORTED_BY_SERVER


def _unplanned(by_collection: dict[str, list[MongoOp]]) -> Plan:
    """Operations as they are, whatever exists (one event's writes, written alone)."""
    return lambda _absent: by_collection


class CheckpointedWriter:
    """Commits batches with their checkpoint, and reads the checkpoint back."""

    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        db: AsyncDatabase[dict[str, Any]],
        projection: Projection,
        position: Position,
        parking: ParkingLot,
        planner: WritePlanner,
        report: Callable[[str | None], None],
        stopping: Callable[[], bool],
    ) -> None:
        self._client = client
        self._db = db
        self._projection = projection
        self._position = position
        self._parking = parking
        self._planner = planner
        self._report = report
        """Where the last error goes (the runner's `last_error`; None once a commit succeeds)."""
        self._stopping = stopping
        self._verified_at = 0.0
        self.largest: int | None = None
        """Once a batch had to be split: the most events committed in one transaction since (None: no limit)."""

    async def stored(self) -> dict[str, Any]:
        """The checkpoint document as the database holds it ({} if none)."""
        return await self._db[CHECKPOINTS].find_one({"_id": self._projection.name}) or {}

    async def stored_behind(self, every: float = 5.0) -> int | None:
        """At most every `every` seconds: the stored checkpoint, if it is behind this process's memory."""
        now = asyncio.get_running_loop().time()
        if now - self._verified_at < every:
            return None
        self._verified_at = now
        doc = await self._db[CHECKPOINTS].find_one({"_id": self._projection.name}, {"seq": 1}) or {}
        stored = int(doc.get("seq", 0))
        return stored if stored < self._position.committed else None

    async def drop(self) -> None:
        """The projection's collections and its checkpoint are dropped (its parked events are not)."""
        for collection in self._projection.collections:
            await self._db[collection].drop()
        await self._db[CHECKPOINTS].delete_one({"_id": self._projection.name})

    async def commit_batch(self, items: list[_Item]) -> None:
        """The batch's writes, planned, in one transaction; event by event if the batch is refused; in halves if
        the server keeps aborting its transaction."""
        if self.largest is not None and len(items) > self.largest:
            size = self.largest  # a chunk split further on lowers `largest`: these chunks keep their size
            for start in range(0, len(items), size):
                chunk = items[start:start + size]
                await self.commit_batch(chunk)
                # Committed with its own checkpoint: the next chunk's checks start from it (a database that lost
                # this chunk's commit is caught there), and a failure further on does not apply it again.
                self._position.checkpoint = self._position.committed = chunk[-1].seq
            return
        writes = [(write.collection, write.op) for item in items for write in item.writes]
        try:
            await self._commit_with_retry(items, lambda absent: self._planner.plan(writes, absent),
                                          self._lookups(writes))
        except _SplitBatch as exc:
            self.largest = max(1, len(items) // 2)
            log.warning("projection %s: the database aborted the transaction of a batch of %d events twice (%s); "
                        "committing at most %d at a time", self._position.consumer, len(items), exc.__cause__,
                        self.largest)
            await self.commit_batch(items)
            return
        except Exception as exc:
            if _not_the_batch(exc):
                raise
            log.warning("projection %s: batch write failed (%s); retrying event by event", self._position.consumer, exc)
            await self._one_by_one(items)
        # Committed: the node is told of what this batch parked (after the commit, never before it: an event
        # that was not parked in the end is never announced; one announced twice is deduplicated).
        await self._parking.announce(item.parked for item in items if item.parked is not None)

    async def _one_by_one(self, items: list[_Item]) -> None:
        for item in items:
            try:
                await self._commit_with_retry([item], _unplanned(by_collection_of(item.writes)))
            except Exception as item_exc:
                if _not_the_batch(item_exc):
                    raise
                item.parked = self._parking.doc(item.msg, item.seq, "write_failed", str(item_exc), None)
                item.writes = []
                await self._commit_with_retry([item], _unplanned({}))
            # Committed: a failure further on must not apply it again.
            self._position.checkpoint = self._position.committed = item.seq

    def _lookups(self, writes: list[tuple[str, Any]]) -> dict[str, list[Hashable]]:
        """Per collection with at least LOOKUP_AT upserted documents (the planner does not know them): their keys."""
        keys: dict[str, dict[Hashable, None]] = {}
        for collection, op in writes:
            if isinstance(op, Upsert) and not self._planner.inserting(collection):
                keys.setdefault(collection, {})[op.key] = None
        return {collection: list(found) for collection, found in keys.items() if len(found) >= LOOKUP_AT}

    async def settle(self) -> None:
        """The checkpoint alone committed, up to what this process applied: the events since the last commit wrote
        nothing (the loop calls this when idle or stopping, and once a rebuild caught up)."""
        seq = self._position.checkpoint
        if seq > self._position.committed:
            await self._commit_with_retry([], _unplanned({}), seq=seq)
            self._position.committed = seq

    async def _commit_with_retry(self, items: list[_Item], plan: Plan,
                                 lookups: dict[str, list[Hashable]] | None = None, seq: int | None = None) -> None:
        delay = 0.2
        aborted = 0
        while True:
            try:
                await self._commit(items, plan, lookups or {}, items[-1].seq if seq is None else seq)
                self._report(None)
                return
            except Exception as exc:
                if not is_transient(exc) or self._stopping():
                    raise
                aborted = aborted + 1 if _aborted_by_server(exc) else 0
                if aborted >= SPLIT_AFTER and len(items) > 1:
                    raise _SplitBatch from exc
                error = f"database unavailable, retrying: {exc}"
                self._report(error)
                log.warning("projection %s: %s", self._position.consumer, error)
                for item in items:
                    await item.msg.in_progress()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _commit(self, items: list[_Item], plan: Plan, lookups: dict[str, list[Hashable]], seq: int) -> None:
        parked: list[ReplaceOne[Any]] = []
        for item in items:
            if item.parked is not None:
                parked.append(ReplaceOne({"_id": item.parked["_id"]}, item.parked, upsert=True))
        async with self._client.start_session() as session, await session.start_transaction():
            await self._write_all(session, plan, lookups, parked, seq)

    async def _absent(self, session: AsyncClientSession, lookups: dict[str, list[Hashable]]
                      ) -> dict[str, set[Hashable]] | None:
        """Of each collection's keys, those no document holds (read in the batch's own transaction)."""
        if not lookups:
            return None
        absent: dict[str, set[Hashable]] = {}
        for collection, keys in lookups.items():
            found = self._db[collection].find({"_id": {"$in": keys}}, {"_id": 1}, session=session)
            absent[collection] = set(keys) - {doc["_id"] async for doc in found}
        return absent

    async def _write_all(
        self,
        session: AsyncClientSession,
        plan: Plan,
        lookups: dict[str, list[Hashable]],
        parked: list[ReplaceOne[Any]],
        seq: int,
    ) -> None:
        checkpoint = {"seq": seq, "version": self._projection.version, "updated_at": dt.datetime.now(dt.UTC)}
        committed = self._position.committed
        if committed and (await self._db[CHECKPOINTS].update_one(
                {"_id": self._projection.name, "seq": committed}, {"$set": checkpoint}, session=session)).matched_count:
            # The usual case, in one statement: the database holds what this process committed last, so no commit of
            # this batch landed and none was lost; the checkpoint moves with the writes below, or not at all.
            await self._write_planned(session, plan, lookups, parked)
            return
        # A commit whose answer was lost may have landed: the retry sees its checkpoint and writes nothing.
        done = await self._db[CHECKPOINTS].find_one({"_id": self._projection.name}, {"seq": 1}, session=session)
        stored = int((done or {}).get("seq", 0))
        if stored >= seq:
            return
        if stored < self._position.committed:
            # The database lost commits this process made (or was restored): applying this batch on top would
            # skip what was lost. Nothing is written; the consumer starts again after the stored checkpoint.
            raise CheckpointRegressed(stored, self._position.checkpoint)
        await self._write_planned(session, plan, lookups, parked)
        await self._db[CHECKPOINTS].update_one({"_id": self._projection.name}, {"$set": checkpoint}, upsert=True,
                                               session=session)

    async def _write_planned(self, session: AsyncClientSession, plan: Plan, lookups: dict[str, list[Hashable]],
                             parked: list[ReplaceOne[Any]]) -> None:
        for collection, ops in plan(await self._absent(session, lookups)).items():
            await self._db[collection].bulk_write(ops, ordered=True, session=session)
        if parked:
            await self._db[PARKED].bulk_write(parked, ordered=True, session=session)
