"""The award register: proposals and grants as they happen (the awards service's own copy)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.events import AwardGranted, AwardProposed
from reform_shared.projection import Projection, Write
from reform_shared.store import StoredEvent

AWARDS = "awards"


class AwardRegister(Projection):
    name = "awards"
    event_types = ("AwardProposed", "AwardGranted")
    collections = (AWARDS,)

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[AWARDS].create_index([("commune_id", ASCENDING), ("year", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        envelope = event.envelope
        payload = envelope.payload
        key = f"{envelope.commune_id}:{getattr(payload, 'award_id', '')}"
        if isinstance(payload, AwardProposed):
            doc: dict[str, Any] = {
                "commune_id": envelope.commune_id,
                "award_id": payload.award_id,
                "recipient": payload.recipient.model_dump(),
                "form": payload.form,
                "year": payload.year,
                "period": payload.period,
                "basis_initiative_ids": list(payload.basis_initiative_ids),
                "status": "proposed",
                "proposed_at": envelope.occurred_at,
            }
            return [Write(AWARDS, UpdateOne({"_id": key}, {"$set": doc}, upsert=True))]
        if isinstance(payload, AwardGranted):
            granted = {
                "commune_id": envelope.commune_id,
                "award_id": payload.award_id,
                "status": "granted",
                "decision_number": payload.decision_number,
                "decision_date": payload.decision_date.isoformat(),
                "signer": payload.signer,
            }
            return [Write(AWARDS, UpdateOne({"_id": key}, {"$set": granted}, upsert=True))]
        return []
