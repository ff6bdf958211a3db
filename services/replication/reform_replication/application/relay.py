"""The city's relay: every recognised source whose revision is ahead of what was published gets its entry
published, under the pseudo-commune `city` (city.city.catalogue.<entry>), which every commune node receives.

It decides on the record, not on the projection: an entry is appended only when its revision is above the
last one the record holds, so a relay that runs twice, restarts, or runs while the projection is rebuilt
(its sources counting up again from zero) appends nothing twice and never an older revision. It runs on the
city node (and on a standalone node, whose catalogue is its own); a commune node only receives the entries.

A round reads only the sources marked recognised (indexed), and none at all while the projection has applied nothing
since a round that left nothing to publish, but for one round a minute (`FULL_ROUND_SECONDS`: a parked event replayed
writes the book without moving its checkpoint): the relay's cost follows what changes, not the number of initiatives
the city holds (it read every source, and a campaign for each unrecognised one, every second).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_replication.application.projection import CAMPAIGNS, SOURCES, BookRounds
from reform_replication.domain.catalogue import entry_of
from reform_shared.commands import CommandBus, CommandContext, Options, Target
from reform_shared.envelope import Actor
from reform_shared.errors import DomainError
from reform_shared.events.replication import CatalogueEntryPublished
from reform_shared.ids import Clock, new_id
from reform_shared.ports import AggregateHistory

log = logging.getLogger(__name__)
CITY = "city"
RELAY = Actor(user_id="service:replication", name="Danh mục sáng kiến thành phố (replication relay)",
              commune_id=CITY, roles=("service",))
NO_CHANGE = Options(allow_no_change=True)


def last_published(history: AggregateHistory) -> int:
    return max((p.revision for p in history.payloads if isinstance(p, CatalogueEntryPublished)), default=0)


class Relay:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], bus: CommandBus, clock: Clock) -> None:
        self._db = db
        self._bus = bus
        self._clock = clock
        self._rounds = BookRounds(db)

    async def pending(self) -> list[CatalogueEntryPublished]:
        """Recognised sources ahead of the revision the projection saw published."""
        entries = []
        async for source in self._db[SOURCES].find({"recognised": True}):
            if int(source.get("revision", 0)) > int(source.get("published_revision") or 0):
                campaign = await self._db[CAMPAIGNS].find_one(
                    {"_id": f"{source.get('origin_commune_id')}:{source.get('campaign_id')}"})
                entry = entry_of(source, campaign["year"] if campaign else None)
                if entry is not None:
                    entries.append(entry)
        return entries

    async def publish(self, entry: CatalogueEntryPublished) -> bool:
        ctx = CommandContext(actor=RELAY, clock=self._clock, correlation_id=new_id())
        outcome = await self._bus.decide_and_append(
            ctx, Target(CITY, "catalogue", entry.entry_id),
            lambda history: [entry] if entry.revision > last_published(history) else [], key=None,
            options=NO_CHANGE)
        return bool(outcome.events)

    async def run_once(self) -> int:
        checkpoint = await self._rounds.begin()
        if checkpoint is None:
            return 0  # nothing applied since a round that left nothing to do
        published, settled = 0, True
        for entry in await self.pending():
            try:
                published += await self.publish(entry)
            except DomainError as exc:  # a concurrent relay won, or NATS is away: the next round decides again
                settled = False
                log.info("replication relay: %s not published now: %s", entry.entry_id, exc)
        self._rounds.end(checkpoint, settled)
        return published

    async def run_forever(self, interval: float) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("replication relay: round failed")
            await asyncio.sleep(interval)
