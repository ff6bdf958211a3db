"""The awards service's read model: the award register, and who the commune's units and officials are."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.envelope import EventEnvelope
from reform_shared.events import (
    AwardGranted,
    AwardProposed,
    AwardRejected,
    AwardRevoked,
    CampaignLaunched,
    CouncilConstituted,
    InitiativeRevised,
    InitiativeSubmitted,
)
from reform_shared.projection import Projection, Upsert, Write, WriteTable
from reform_shared.store import StoredEvent

AWARDS, DIRECTORY = "awards", "directory"


def _known(commune: str, kind: str, ident: str, name: str) -> Write:
    doc = {"commune_id": commune, "kind": kind, "recipient_id": ident, "name": name}
    return Write(DIRECTORY, Upsert(f"{commune}:{kind}:{ident}", doc))


def _award(e: EventEnvelope, award_id: str, doc: dict[str, Any]) -> list[Write]:
    return [Write(AWARDS, Upsert(f"{e.commune_id}:{award_id}", doc))]


def _authored(e: EventEnvelope, p: InitiativeSubmitted | InitiativeRevised) -> list[Write]:
    c, unit = e.commune_id, p.content.unit
    return [_known(c, "collective", unit.unit_id, unit.name)] + [
        _known(c, "individual", a.user_id, a.name) for a in p.content.authors if a.user_id]


def _launched(e: EventEnvelope, p: CampaignLaunched) -> list[Write]:
    c = e.commune_id
    named = [_known(c, "commune", c, p.commune_name)] if p.commune_name else []
    return named + [_known(c, "collective", u.unit_id, u.name) for u in p.expected_units]


def _constituted(e: EventEnvelope, p: CouncilConstituted) -> list[Write]:
    return [_known(e.commune_id, "individual", m.user_id, m.name) for m in p.members]


def _proposed(e: EventEnvelope, p: AwardProposed) -> list[Write]:
    return _award(e, p.award_id, {
        "commune_id": e.commune_id, "award_id": p.award_id, "form": p.form, "level": p.level, "year": p.year,
        "period": p.period, "recipient": p.recipient.model_dump(), "basis": p.basis.model_dump(),
        "status": "proposed", "proposed_at": e.occurred_at, "proposed_by": e.actor.user_id})


def _granted(e: EventEnvelope, p: AwardGranted) -> list[Write]:
    return _award(e, p.award_id, {"status": "granted", "decision_number": p.decision_number,
                                  "decision_date": p.decision_date.isoformat(), "signer": p.signer,
                                  "decided_at": e.occurred_at})


def _rejected(e: EventEnvelope, p: AwardRejected) -> list[Write]:
    return _award(e, p.award_id, {"status": "rejected", "reason": p.reason})


def _revoked(e: EventEnvelope, p: AwardRevoked) -> list[Write]:
    return _award(e, p.award_id, {"status": "revoked", "reason": p.reason})


WRITES = WriteTable({
    AwardProposed: _proposed, AwardGranted: _granted, AwardRejected: _rejected, AwardRevoked: _revoked,
    InitiativeSubmitted: _authored, InitiativeRevised: _authored, CampaignLaunched: _launched,
    CouncilConstituted: _constituted,
})
"""The writes of each event type the board reads: its `event_types`, in this order."""


class AwardBoard(Projection):
    name = "awards"
    event_types = WRITES.event_types
    collections = (AWARDS, DIRECTORY)

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[AWARDS].create_index([("commune_id", ASCENDING), ("year", ASCENDING), ("level", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        return WRITES.writes(event.envelope)


class Directory:
    """Known recipients of a commune (units and officials seen in the record)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def knows(self, commune_id: str, kind: str, recipient_id: str) -> bool:
        return await self._db[DIRECTORY].find_one({"_id": f"{commune_id}:{kind}:{recipient_id}"}) is not None

    async def commune_name(self, commune_id: str) -> str:
        doc = await self._db[DIRECTORY].find_one({"_id": f"{commune_id}:commune:{commune_id}"})
        return str(doc["name"]) if doc else commune_id
