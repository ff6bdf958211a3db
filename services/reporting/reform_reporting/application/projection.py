"""The reporting projection: pipeline, campaigns, awards and the workflow trace, keyed by commune."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from reform_reporting.domain.pipeline import AWARDS, CAMPAIGNS, EVENT_TYPES, PIPELINE, updates
from reform_shared.projection import Projection, Upsert, Write
from reform_shared.store import StoredEvent


class Pipeline(Projection):
    name = "pipeline"
    event_types = EVENT_TYPES
    collections = (PIPELINE, CAMPAIGNS, AWARDS)

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        # One index: a commune's documents in submission order (reports read a commune's documents, the
        # register lists them by submission date; a campaign filter is a residual on one commune's few
        # thousand). Each index is one more pass over the collection when a rebuild catches up.
        await db[PIPELINE].create_index([("commune_id", ASCENDING), ("submitted_at", ASCENDING)])
        await db[AWARDS].create_index([("commune_id", ASCENDING), ("initiative_ids", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        return [
            Write(collection, Upsert(key, fields, {"events": [entry]} if entry is not None else {}))
            for collection, key, fields, entry in updates(event.envelope, event.stream_seq)
        ]
