"""The evaluation service's read model: candidates, councils, sheets, conflicts, outcomes, slate.

Keyed by commune. Writes are update operators computed from each event alone.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.events import (
    ConflictDeclared,
    CouncilConstituted,
    CouncilMembershipChanged,
    InitiativeContent,
    InitiativeNotRecognized,
    InitiativeRecognized,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
    Nominated,
    NominationWithdrawn,
    RecognitionDecisionSigned,
    RubricSet,
    ScoreRecorded,
    ScoringOpened,
)
from reform_shared.projection import Projection, Upsert, Write
from reform_shared.store import StoredEvent

CANDIDATES, COUNCILS, SHEETS, CONFLICTS, OUTCOMES, NOMINATIONS = (
    "candidates", "councils", "sheets", "conflicts", "outcomes", "nominations")


def _content(content: InitiativeContent) -> dict[str, Any]:
    return {"title": content.title, "field": content.field, "unit_id": content.unit.unit_id,
            "unit_name": content.unit.name, "summary": content.summary,
            "author_names": [a.name for a in content.authors],
            "author_user_ids": [a.user_id for a in content.authors if a.user_id],
            "content": content.model_dump(mode="json")}


def _upsert(collection: str, key: str, fields: dict[str, Any], push: dict[str, list[Any]] | None = None) -> Write:
    return Write(collection, Upsert(key, fields, push or {}))


class Board(Projection):
    name = "board"
    event_types = ("InitiativeSubmitted", "InitiativeRevised", "InitiativeWithdrawn", "CouncilConstituted",
                   "CouncilMembershipChanged", "RubricSet", "ScoringOpened", "RecognitionDecisionSigned",
                   "ConflictDeclared", "ScoreRecorded", "InitiativeRecognized", "InitiativeNotRecognized",
                   "Nominated", "NominationWithdrawn")
    collections = (CANDIDATES, COUNCILS, SHEETS, CONFLICTS, OUTCOMES, NOMINATIONS)

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        for collection in (CANDIDATES, SHEETS, CONFLICTS, OUTCOMES):
            await db[collection].create_index([("commune_id", ASCENDING), ("campaign_id", ASCENDING)])
        await db[NOMINATIONS].create_index([("commune_id", ASCENDING), ("year", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        e = event.envelope
        p = e.payload
        c = e.commune_id
        base = {"commune_id": c, "updated_at": e.occurred_at}
        if isinstance(p, InitiativeSubmitted):
            doc = {**base, "initiative_id": p.initiative_id, "campaign_id": p.campaign_id, "withdrawn": False,
                   "submitted_at": e.occurred_at, **_content(p.content)}
            return [_upsert(CANDIDATES, f"{c}:{p.initiative_id}", doc)]
        if isinstance(p, InitiativeRevised):
            return [_upsert(CANDIDATES, f"{c}:{p.initiative_id}", {**base, **_content(p.content)})]
        if isinstance(p, InitiativeWithdrawn):
            return [_upsert(CANDIDATES, f"{c}:{p.initiative_id}", {**base, "withdrawn": True})]
        if isinstance(p, CouncilConstituted):
            doc = {**base, "campaign_id": p.campaign_id, "decision_number": p.decision_number,
                   "decision_date": p.decision_date.isoformat(), "members": [m.model_dump() for m in p.members],
                   "rubric": p.rubric.model_dump(), "scoring_opened": False}
            return [_upsert(COUNCILS, f"{c}:{p.campaign_id}", doc)]
        if isinstance(p, CouncilMembershipChanged):
            return [_upsert(COUNCILS, f"{c}:{p.campaign_id}", {**base, "members": [m.model_dump() for m in p.members]},
                            {"membership_changes": [{"at": e.occurred_at, "by": e.actor.user_id, "reason": p.reason,
                                                     "after_scoring_opened": p.after_scoring_opened}]})]
        if isinstance(p, RubricSet):
            return [_upsert(COUNCILS, f"{c}:{p.campaign_id}", {**base, "rubric": p.rubric.model_dump()})]
        if isinstance(p, ScoringOpened):
            return [_upsert(COUNCILS, f"{c}:{p.campaign_id}", {**base, "scoring_opened": True})]
        if isinstance(p, RecognitionDecisionSigned):
            return [_upsert(COUNCILS, f"{c}:{p.campaign_id}", {**base, "decision": p.model_dump(mode="json")})]
        if isinstance(p, ConflictDeclared):
            doc = {**base, "campaign_id": p.campaign_id, "initiative_id": p.initiative_id, "member_id": p.member_id,
                   "reason": p.reason}
            return [_upsert(CONFLICTS, f"{c}:{p.initiative_id}:{p.member_id}", doc)]
        if isinstance(p, ScoreRecorded):
            doc = {**base, "campaign_id": p.campaign_id, "initiative_id": p.initiative_id, "member_id": p.member_id,
                   "points": p.points, "comment": p.comment, "revision": p.revision, "total": p.weighted_total}
            return [_upsert(SHEETS, f"{c}:{p.initiative_id}:{p.member_id}", doc)]
        if isinstance(p, InitiativeRecognized | InitiativeNotRecognized):
            reasons = list(p.reasons) if isinstance(p, InitiativeNotRecognized) else []
            doc = {**base, "campaign_id": p.campaign_id, "initiative_id": p.initiative_id,
                   "recognised": isinstance(p, InitiativeRecognized), "result": p.result.model_dump(),
                   "reasons": reasons,
                   "finalised_by": e.actor.user_id}
            return [_upsert(OUTCOMES, f"{c}:{p.initiative_id}", doc)]
        if isinstance(p, Nominated):
            doc = {**base, **p.model_dump(mode="json"), "active": True}
            return [_upsert(NOMINATIONS, f"{c}:{p.year}:{p.initiative_id}", doc)]
        if isinstance(p, NominationWithdrawn):
            return [_upsert(NOMINATIONS, f"{c}:{p.slate_id}:{p.initiative_id}",
                            {**base, "active": False, "withdrawn_reason": p.reason})]
        return []
