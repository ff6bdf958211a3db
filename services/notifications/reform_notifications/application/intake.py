"""What the consumer does with a batch of events: their notices into the outbox and what they teach the memory,
written together in one transaction (acknowledged after it commits), the parked events with them.

Each event's notices are computed from the memory as the events before it left it (`application/working.py`:
read once per batch, changed in memory), so a council change is compared with the council remembered before it.
A redelivered batch (a crash after the commit, before the ack) computes the same notices, whose ids the outbox
already holds: nothing is written twice. No checkpoint skips it: a message delivered to a pull its client had
given up arrives again after newer ones, and must be handled then, not skipped. A directory event ends a part of
the batch: its facts are appended (guarded by the event id) before the events after it read the directory.
The notices of an event at or below the last restore's horizon are history (`domain/horizon.py`): the inbox
gets them, the e-mail is kept unsent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import InsertOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from reform_notifications.application.memory import Memory
from reform_notifications.application.outbox import Outbox
from reform_notifications.application.working import Working
from reform_notifications.domain.horizon import NEVER_RESTORED, Horizon
from reform_notifications.domain.notice import Notice, Person
from reform_notifications.domain.recipients import Known, notices_of, parked_cause, parked_notices
from reform_shared.envelope import EventEnvelope
from reform_shared.events import ProjectionParked
from reform_shared.events.directory import DIRECTORY_PAYLOADS

log = logging.getLogger(__name__)
PARKED = "parked_events"
INFRASTRUCTURE = (PyMongoError, OSError)
"""A failure of what the service depends on: the batch is retried in place, never parked."""


@dataclass(frozen=True)
class Arrived:
    """One message of a batch: its event, or why it could not be read (`error`)."""

    subject: str
    seq: int | None
    data: bytes
    envelope: EventEnvelope | None = None
    error: str = ""

    def parked_doc(self, error: str, now: dt.datetime) -> dict[str, Any]:
        return {"_id": f"seq-{self.seq}", "subject": self.subject, "stream_seq": self.seq,
                "data": self.data.decode("utf-8", "replace"), "error": error, "parked_at": now,
                "commune_id": self.commune_id}

    @property
    def commune_id(self) -> str:
        return self.subject.split(".")[1] if self.subject.count(".") >= 1 else ""


class Intake:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], memory: Memory, outbox: Outbox,
                 horizon: Horizon = NEVER_RESTORED) -> None:
        self._db, self._memory, self._outbox = db, memory, outbox
        self._horizon = horizon

    async def handle(self, e: EventEnvelope, now: dt.datetime) -> int:
        """One event handed in outside the stream (no sequence): its new notices."""
        return await self.handle_batch([Arrived("", None, e.to_json(), e)], now)

    async def handle_batch(self, batch: Sequence[Arrived], now: dt.datetime) -> int:
        """Every event of the batch handled or parked, in order; returns how many notices were new."""
        part: list[Arrived] = []
        new = 0
        for a in batch:
            if a.envelope is not None and isinstance(a.envelope.payload, DIRECTORY_PAYLOADS):
                new += await self._part(part, now)
                part = []
                await self._memory.remember_directory(a.envelope)
            else:
                part.append(a)
        return new + await self._part(part, now)

    async def _part(self, part: list[Arrived], now: dt.datetime) -> int:
        if not part:
            return 0
        working = await Working.load(self._memory, [a.envelope for a in part if a.envelope is not None])
        notices: list[Notice] = []
        parked: list[dict[str, Any]] = []
        for a in part:
            error = a.error
            if a.envelope is not None:
                try:
                    notices += self._horizon.mark(notices_of(a.envelope, await self._known(a.envelope, working)),
                                                  a.seq)
                    working.remember(a.envelope)
                    continue
                except INFRASTRUCTURE:
                    raise
                except Exception as exc:  # a rule's bug parks its event, the batch goes on
                    log.exception("notifications: event %s parked", a.envelope.event_id)
                    error = f"{type(exc).__name__}: {exc}"
            parked.append(a.parked_doc(error, now))
            known = Known(await working.directory(a.commune_id))
            told = parked_notices(a.commune_id, parked_cause(a.seq or 0), a.subject, error, known, now.date())
            notices += self._horizon.mark(told, a.seq)
        docs = self._outbox.documents(notices, await self._outbox.preferences_of(notices), now)
        return await self._commit(docs, working.writes(), parked)

    async def _known(self, e: EventEnvelope, working: Working) -> Known:
        directory = await working.directory(e.commune_id)
        node_operators: tuple[tuple[str, Person], ...] = ()
        if isinstance(e.payload, ProjectionParked) and not Known(directory).with_role("operator", e.occurred_at.date()):
            node_operators = await self.node_operators(e.occurred_at.date(), working)
        return Known(directory, working.campaign(e), working.award_recipient(e), node_operators)

    async def node_operators(self, on: dt.date, working: Working) -> tuple[tuple[str, Person], ...]:
        """(commune, operator) of every commune whose directory the node's copy holds."""
        found: list[tuple[str, Person]] = []
        for commune in sorted(await self._memory.communes()):
            found += [(commune, p) for p in Known(await working.directory(commune)).with_role("operator", on)]
        return tuple(found)

    async def _commit(self, docs: list[tuple[str, dict[str, Any]]], writes: dict[str, list[Any]],
                      parked: list[dict[str, Any]]) -> int:
        async with self._db.client.start_session() as session, await session.start_transaction():
            new = await self._outbox.insert_new(docs, session)
            there = {d["_id"] async for d in self._db[PARKED].find(
                {"_id": {"$in": [p["_id"] for p in parked]}}, {"_id": 1}, session=session)} if parked else set()
            writes = {**writes, PARKED: [InsertOne(p) for p in parked if p["_id"] not in there]}
            for collection, ops in writes.items():
                if ops:
                    await self._db[collection].bulk_write(ops, ordered=True, session=session)
        return new

    async def parked(self, limit: int = 100) -> list[dict[str, Any]]:
        return [doc async for doc in self._db[PARKED].find({}).sort("stream_seq", 1).limit(limit)]
