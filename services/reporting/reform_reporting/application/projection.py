"""The reporting projection: pipeline, campaigns, awards and the workflow trace, keyed by commune."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from reform_reporting.domain.pipeline import AWARDS, CAMPAIGNS, EVENT_TYPES, PIPELINE, updates
from reform_shared.projection import Projection, Write
from reform_shared.store import StoredEvent


class Pipeline(Projection):
    name = "pipeline"
    event_types = EVENT_TYPES
    collections = (PIPELINE, CAMPAIGNS, AWARDS)

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[PIPELINE].create_index([("commune_id", ASCENDING), ("campaign_id", ASCENDING)])
        await db[PIPELINE].create_index([("commune_id", ASCENDING), ("submitted_at", ASCENDING)])
        await db[AWARDS].create_index([("commune_id", ASCENDING), ("initiative_ids", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        writes = []
        for collection, key, fields, entry in updates(event.envelope, event.stream_seq):
            update: dict[str, Any] = {"$set": fields} if fields else {}
            if entry is not None:
                update["$push"] = {"events": entry}
            writes.append(Write(collection, UpdateOne({"_id": key}, update, upsert=True)))
        return writes
