"""The submission service's own read model: campaigns and the current state of every dossier."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.directory_copy import HEADS, VIEWS
from reform_shared.events import (
    CampaignAmended,
    CampaignLaunched,
    InitiativeContent,
    InitiativeReturned,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
    SubmissionsClosed,
)
from reform_shared.projection import Projection, Upsert, Write
from reform_shared.store import StoredEvent
from reform_shared.text import fold
from reform_submission.application.directory import DIRECTORY_WRITES
from reform_submission.domain.campaign import terms_of

CAMPAIGNS = "campaigns"
INITIATIVES = "initiatives"


def content_fields(content: InitiativeContent) -> dict[str, Any]:
    return {
        "content": content.model_dump(mode="json"),
        "title": content.title,
        "title_folded": fold(content.title),
        "summary_folded": fold(content.summary),
        "unit_id": content.unit.unit_id,
        "field": content.field,
        "author_user_ids": [a.user_id for a in content.authors if a.user_id],
        "author_names_folded": [fold(a.name) for a in content.authors],
    }


class Dossiers(Projection):
    name = "dossiers"
    event_types = ("CampaignLaunched", "CampaignAmended", "SubmissionsClosed", "InitiativeSubmitted",
                   "InitiativeRevised", "InitiativeReturned", "InitiativeWithdrawn", *DIRECTORY_WRITES.event_types)
    collections = (CAMPAIGNS, INITIATIVES, VIEWS, HEADS)
    version = 2
    """2: the commune's directory (`application.directory`)."""

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[INITIATIVES].create_index([("commune_id", ASCENDING), ("campaign_id", ASCENDING)])
        await db[INITIATIVES].create_index([("commune_id", ASCENDING), ("status", ASCENDING)])
        await db[CAMPAIGNS].create_index([("commune_id", ASCENDING), ("year", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        envelope = event.envelope
        payload = envelope.payload
        commune = envelope.commune_id
        if DIRECTORY_WRITES.handler_of(type(payload)) is not None:
            return DIRECTORY_WRITES.writes(envelope)
        stamp = {"updated_at": envelope.occurred_at, "last_event_seq": event.stream_seq}
        if isinstance(payload, CampaignLaunched | CampaignAmended):
            doc = {"commune_id": commune, "campaign_id": payload.campaign_id,
                   **terms_of(payload).model_dump(mode="json"), **stamp}
            if isinstance(payload, CampaignLaunched):
                doc["year"] = payload.year
            return [self._campaign(commune, payload.campaign_id, doc)]
        if isinstance(payload, SubmissionsClosed):
            closed = {"closed_early_at": payload.closed_at, "closed_reason": payload.reason, **stamp}
            return [self._campaign(commune, payload.campaign_id, closed)]
        if isinstance(payload, InitiativeSubmitted):
            doc = {"commune_id": commune, "initiative_id": payload.initiative_id, "campaign_id": payload.campaign_id,
                   "status": "submitted", "revision": 1, "submitted_by": envelope.actor.user_id,
                   "submitted_at": envelope.occurred_at, **content_fields(payload.content), **stamp}
            return [self._initiative(commune, payload.initiative_id, doc)]
        if isinstance(payload, InitiativeRevised):
            doc = {"status": "submitted", "revision": payload.revision, "returned_reason": None,
                   **content_fields(payload.content), **stamp}
            return [self._initiative(commune, payload.initiative_id, doc)]
        if isinstance(payload, InitiativeReturned):
            returned = {"status": "returned", "returned_reason": payload.reason, **stamp}
            return [self._initiative(commune, payload.initiative_id, returned)]
        if isinstance(payload, InitiativeWithdrawn):
            withdrawn = {"status": "withdrawn", "withdrawn_reason": payload.reason, **stamp}
            return [self._initiative(commune, payload.initiative_id, withdrawn)]
        return []

    @staticmethod
    def _campaign(commune: str, campaign_id: str, fields: dict[str, Any]) -> Write:
        return Write(CAMPAIGNS, Upsert(f"{commune}:{campaign_id}", fields))

    @staticmethod
    def _initiative(commune: str, initiative_id: str, fields: dict[str, Any]) -> Write:
        return Write(INITIATIVES, Upsert(f"{commune}:{initiative_id}", fields))
