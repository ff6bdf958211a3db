"""The awards service's read model: the award register, the commune's name, and the commune's directory
(`application.directory`: who may receive an award on a given day)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.directory_copy import DIRECTORY_WRITES, HEADS, VIEWS
from reform_shared.envelope import EventEnvelope
from reform_shared.events import (
    AwardGranted,
    AwardProposed,
    AwardRejected,
    AwardRevoked,
    CampaignAmended,
    CampaignLaunched,
)
from reform_shared.projection import Projection, Upsert, Write, WriteTable
from reform_shared.store import StoredEvent

AWARDS, DIRECTORY = "awards", "directory"


def _known(commune: str, kind: str, ident: str, name: str) -> Write:
    doc = {"commune_id": commune, "kind": kind, "recipient_id": ident, "name": name}
    return Write(DIRECTORY, Upsert(f"{commune}:{kind}:{ident}", doc))


def _award(e: EventEnvelope, award_id: str, doc: dict[str, Any]) -> list[Write]:
    return [Write(AWARDS, Upsert(f"{e.commune_id}:{award_id}", doc))]


def _launched(e: EventEnvelope, p: CampaignLaunched | CampaignAmended) -> list[Write]:
    """The commune's name as its latest campaign (or amendment) gives it: what its certificates print."""
    c = e.commune_id
    return [_known(c, "commune", c, p.commune_name)] if p.commune_name else []


def _proposed(e: EventEnvelope, p: AwardProposed) -> list[Write]:
    return _award(e, p.award_id, {
        "commune_id": e.commune_id, "award_id": p.award_id, "form": p.form, "form_name": p.form_name,
        "level": p.level, "year": p.year,
        "period": p.period, "recipient": p.recipient.model_dump(), "basis": p.basis.model_dump(),
        "status": "proposed", "proposed_at": e.occurred_at, "proposed_by": e.actor.user_id})


def _granted(e: EventEnvelope, p: AwardGranted) -> list[Write]:
    return _award(e, p.award_id, {"status": "granted", "decision_number": p.decision_number,
                                  "decision_date": p.decision_date.isoformat(), "signer": p.signer,
                                  "decided_at": e.occurred_at})


def _rejected(e: EventEnvelope, p: AwardRejected) -> list[Write]:
    return _award(e, p.award_id, {"status": "rejected", "reason": p.reason})


def _revoked(e: EventEnvelope, p: AwardRevoked) -> list[Write]:
    """The revocation's own decision beside the grant's (None for revocations recorded without one)."""
    revocation = {"decision_number": p.decision_number, "signer": p.signer,
                  "decision_date": p.decision_date.isoformat() if p.decision_date else None} \
        if p.decision_number else None
    return _award(e, p.award_id, {"status": "revoked", "reason": p.reason, "revocation": revocation,
                                  "revoked_at": e.occurred_at})


WRITES = WriteTable({
    AwardProposed: _proposed, AwardGranted: _granted, AwardRejected: _rejected, AwardRevoked: _revoked,
    CampaignLaunched: _launched, CampaignAmended: _launched, **DIRECTORY_WRITES,
})
"""The writes of each event type the board reads: its `event_types`, in this order."""


class AwardBoard(Projection):
    name = "awards"
    event_types = WRITES.event_types
    collections = (AWARDS, DIRECTORY, VIEWS, HEADS)
    version = 3
    """2: the directory's facts (recipients come from the directory, no longer from submissions and councils);
    3: the commune's name from amended campaigns too, and a revocation's decision (number, date, signer)."""

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[AWARDS].create_index([("commune_id", ASCENDING), ("year", ASCENDING), ("level", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        return WRITES.writes(event.envelope)


class Directory:
    """The commune's name as its campaigns give it."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def commune_name(self, commune_id: str) -> str:
        doc = await self._db[DIRECTORY].find_one({"_id": f"{commune_id}:commune:{commune_id}"})
        return str(doc["name"]) if doc else commune_id
