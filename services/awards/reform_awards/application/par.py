"""The PAR Index rankings the city recorded for a year, read back from the record: per category, the ranking
in force (the last one recorded counts, as in eligibility) and how many times it was entered."""

from __future__ import annotations

import asyncio
from typing import Any, get_args

from reform_awards.application.record import Record
from reform_shared.events import ParRankingRecorded

CITY = "city"
CATEGORIES: tuple[str, ...] = get_args(ParRankingRecorded.model_fields["category"].annotation)


class ParRankings:
    def __init__(self, record: Record) -> None:
        self._record = record

    async def of_year(self, year: int) -> dict[str, Any]:
        histories = await asyncio.gather(*[self._record.load(CITY, "par", f"{year}-{c}") for c in CATEGORIES])
        rankings = []
        for category, history in zip(CATEGORIES, histories, strict=True):
            recorded = [e for e in history if isinstance(e.payload, ParRankingRecorded)]
            if not recorded:
                continue
            last = recorded[-1]
            assert isinstance(last.payload, ParRankingRecorded)
            ranks = sorted(last.payload.ranks.items(), key=lambda item: (item[1], item[0]))
            rankings.append({"category": category, "event_id": last.event_id, "recorded_at": last.occurred_at,
                             "recorded_by": last.actor.name or last.actor.user_id, "revisions": len(recorded),
                             "ranks": [{"unit_id": unit, "rank": rank} for unit, rank in ranks]})
        return {"year": year, "recorded": bool(rankings), "rankings": rankings}
