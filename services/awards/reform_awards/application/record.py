"""Where the awards service reads the record: its own events and what arrived from the other side."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from reform_shared.envelope import EventEnvelope
from reform_shared.ports import EventStore, StoredEvent


def award_aggregate(award_id: str) -> str:
    """City-level annual awards share their commune-year aggregate; the id says which year."""
    if award_id.startswith("bktp") and award_id[4:8].isdigit():
        return f"city-{award_id[4:8]}"
    return award_id


class Record:
    """Reads an aggregate under every subject prefix the node receives, its own and the other side's:
    a city node reads the communes' initiatives and results (`reform.`), a commune node the city's
    decisions about it (`city.`). Read-only: appends go through the bus, under the node's own prefix."""

    def __init__(self, own: EventStore, others: Sequence[EventStore] = ()) -> None:
        self._own = own
        self._others = list(others)

    async def foreign(self, commune_id: str, aggregate_type: str, aggregate_id: str) -> list[StoredEvent]:
        histories = await asyncio.gather(*[store.load(commune_id, aggregate_type, aggregate_id)
                                           for store in self._others])
        return sorted((e for h in histories for e in h.events), key=lambda e: e.stream_seq)

    async def load(self, commune_id: str, aggregate_type: str, aggregate_id: str) -> list[EventEnvelope]:
        own, foreign = await asyncio.gather(self._own.load(commune_id, aggregate_type, aggregate_id),
                                            self.foreign(commune_id, aggregate_type, aggregate_id))
        return [e.envelope for e in sorted([*own.events, *foreign], key=lambda e: e.stream_seq)]
