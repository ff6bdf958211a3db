"""What the consumer does with each event: its notices into the outbox, then what it teaches the memory.

Notices first: a council change is compared with the council remembered before it. Both steps are
idempotent, so a redelivered batch (after a crash before its ack) adds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_notifications.application.memory import Memory
from reform_notifications.application.outbox import Outbox
from reform_notifications.domain.notice import Person
from reform_notifications.domain.recipients import Known, notices_of, parked_cause, parked_notices
from reform_shared.envelope import EventEnvelope
from reform_shared.events import ProjectionParked

PARKED = "parked_events"


class Intake:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], memory: Memory, outbox: Outbox) -> None:
        self._db, self._memory, self._outbox = db, memory, outbox

    async def known(self, e: EventEnvelope) -> Known:
        p = e.payload
        campaign_id = getattr(p, "campaign_id", None)
        award_id = getattr(p, "award_id", None)
        directory = await self._memory.directory(e.commune_id)
        node_operators: tuple[tuple[str, Person], ...] = ()
        if isinstance(p, ProjectionParked) and not Known(directory).with_role("operator", e.occurred_at.date()):
            node_operators = await self.node_operators(e.occurred_at.date())
        return Known(
            directory,
            await self._memory.campaign(e.commune_id, campaign_id) if campaign_id else None,
            await self._memory.award_recipient(e.commune_id, award_id) if award_id else None,
            node_operators,
        )

    async def node_operators(self, on: dt.date) -> tuple[tuple[str, Person], ...]:
        """(commune, operator) of every commune whose directory the node's copy holds."""
        found: list[tuple[str, Person]] = []
        for commune in sorted(await self._memory.communes()):
            found += [(commune, p) for p in Known(await self._memory.directory(commune)).with_role("operator", on)]
        return tuple(found)

    async def handle(self, e: EventEnvelope, now: dt.datetime) -> int:
        new = await self._outbox.take(notices_of(e, await self.known(e)), now)
        await self._memory.remember(e)
        return new

    async def park(self, subject: str, stream_seq: int, data: bytes, error: str, now: dt.datetime) -> None:
        """An event that cannot be read: kept with its error for operators, who are told; the rest goes on."""
        parked_id = f"seq-{stream_seq}"
        commune_id = subject.split(".")[1] if subject.count(".") >= 1 else ""
        await self._db[PARKED].update_one({"_id": parked_id}, {"$setOnInsert": {
            "subject": subject, "stream_seq": stream_seq, "data": data.decode("utf-8", "replace"), "error": error,
            "parked_at": now, "commune_id": commune_id}}, upsert=True)
        known = Known(await self._memory.directory(commune_id))
        notices = parked_notices(commune_id, parked_cause(stream_seq), subject, error, known, now.date())
        await self._outbox.take(notices, now)

    async def parked(self, limit: int = 100) -> list[dict[str, Any]]:
        return [doc async for doc in self._db[PARKED].find({}).sort("stream_seq", 1).limit(limit)]
