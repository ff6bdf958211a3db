"""The initiative register: every initiative of every commune this node receives, and counts.

Keyed by commune, so that a city node only adds sources. Documents are written with update
operators only (see `reform_shared.projection`).
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.events import (
    CampaignLaunched,
    InitiativeContent,
    InitiativeReturned,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
)
from reform_shared.projection import Projection, Write
from reform_shared.store import StoredEvent
from reform_shared.text import fold

INITIATIVES = "initiatives"
CAMPAIGNS = "campaigns"


def initiative_key(commune_id: str, initiative_id: str) -> str:
    return f"{commune_id}:{initiative_id}"


class InitiativeRegister(Projection):
    name = "register"
    event_types = ("CampaignLaunched", "InitiativeSubmitted", "InitiativeRevised", "InitiativeReturned",
                   "InitiativeWithdrawn")
    collections = (INITIATIVES, CAMPAIGNS)

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[INITIATIVES].create_index([("commune_id", ASCENDING), ("campaign_id", ASCENDING)])
        await db[INITIATIVES].create_index([("commune_id", ASCENDING), ("submitted_at", ASCENDING)])
        await db[CAMPAIGNS].create_index([("commune_id", ASCENDING), ("year", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        envelope = event.envelope
        payload = envelope.payload
        meta = {"last_event_seq": event.stream_seq, "updated_at": envelope.occurred_at}
        if isinstance(payload, CampaignLaunched):
            doc = {
                "commune_id": envelope.commune_id,
                "campaign_id": payload.campaign_id,
                "year": payload.year,
                "title": payload.title,
                "fields": list(payload.fields),
                "submission_opens_at": payload.submission_opens_at,
                "submission_closes_at": payload.submission_closes_at,
                "expected_units": [unit.model_dump() for unit in payload.expected_units],
                **meta,
            }
            key = f"{envelope.commune_id}:{payload.campaign_id}"
            return [Write(CAMPAIGNS, UpdateOne({"_id": key}, {"$set": doc}, upsert=True))]
        if isinstance(payload, InitiativeSubmitted):
            content = payload.content
            doc = {
                "commune_id": envelope.commune_id,
                "initiative_id": payload.initiative_id,
                "campaign_id": payload.campaign_id,
                **content_fields(content),
                "status": "submitted",
                "submitted_at": envelope.occurred_at,
                "submitted_by": envelope.actor.user_id,
                "version": envelope.aggregate_version,
                "trace_id": envelope.trace.trace_id,
                **meta,
            }
            key = initiative_key(envelope.commune_id, payload.initiative_id)
            campaign_key = f"{envelope.commune_id}:{payload.campaign_id}"
            return [
                Write(INITIATIVES, UpdateOne({"_id": key}, {"$set": doc}, upsert=True)),
                Write(
                    CAMPAIGNS,
                    UpdateOne(
                        {"_id": campaign_key},
                        {
                            "$inc": {"submitted": 1, f"submitted_by_field.{content.field}": 1},
                            "$setOnInsert": {"commune_id": envelope.commune_id, "campaign_id": payload.campaign_id},
                        },
                        upsert=True,
                    ),
                ),
            ]
        if isinstance(payload, InitiativeRevised):
            revised = {**content_fields(payload.content), "status": "submitted", "version": envelope.aggregate_version,
                       **meta}
            key = initiative_key(envelope.commune_id, payload.initiative_id)
            return [Write(INITIATIVES, UpdateOne({"_id": key}, {"$set": revised}, upsert=True))]
        if isinstance(payload, InitiativeReturned | InitiativeWithdrawn):
            status = "returned" if isinstance(payload, InitiativeReturned) else "withdrawn"
            key = initiative_key(envelope.commune_id, payload.initiative_id)
            changed = {"status": status, "version": envelope.aggregate_version, **meta}
            return [Write(INITIATIVES, UpdateOne({"_id": key}, {"$set": changed}, upsert=True))]
        return []


def content_fields(content: InitiativeContent) -> dict[str, Any]:
    return {
        "title": content.title,
        "title_folded": fold(content.title),
        "summary": content.summary,
        "unit": content.unit.model_dump(),
        "author_kind": content.author_kind,
        "authors": [author.model_dump() for author in content.authors],
        "field": content.field,
    }
