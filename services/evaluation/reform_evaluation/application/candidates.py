"""The initiatives a council will evaluate, as submitted (the evaluation service's own copy)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.events import InitiativeSubmitted
from reform_shared.projection import Projection, Write
from reform_shared.store import StoredEvent

CANDIDATES = "candidates"


class Candidates(Projection):
    name = "candidates"
    event_types = ("InitiativeSubmitted",)
    collections = (CANDIDATES,)

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[CANDIDATES].create_index([("commune_id", ASCENDING), ("campaign_id", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        envelope = event.envelope
        payload = envelope.payload
        if not isinstance(payload, InitiativeSubmitted):
            return []
        doc = {
            "commune_id": envelope.commune_id,
            "initiative_id": payload.initiative_id,
            "campaign_id": payload.campaign_id,
            "title": payload.content.title,
            "field": payload.content.field,
            "unit_id": payload.content.unit.unit_id,
            "author_user_ids": [a.user_id for a in payload.content.authors if a.user_id],
            "submitted_at": envelope.occurred_at,
            "stage": "awaiting_evaluation",
        }
        key = f"{envelope.commune_id}:{payload.initiative_id}"
        return [Write(CANDIDATES, UpdateOne({"_id": key}, {"$set": doc}, upsert=True))]
