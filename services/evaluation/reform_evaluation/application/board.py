"""The evaluation service's read model: candidates, councils, sheets, conflicts, outcomes, slate.

Keyed by commune. Writes are update operators computed from each event alone.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.directory_copy import DIRECTORY_WRITES, HEADS, VIEWS
from reform_shared.envelope import EventEnvelope
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
from reform_shared.events.deliberation import ProposedMemberConflictDecided, ScoringReopened
from reform_shared.projection import Projection, Upsert, Write, WriteTable
from reform_shared.store import StoredEvent

CANDIDATES, COUNCILS, SHEETS, CONFLICTS, OUTCOMES, NOMINATIONS, REOPENED = (
    "candidates", "councils", "sheets", "conflicts", "outcomes", "nominations", "reopened")


def _content(content: InitiativeContent) -> dict[str, Any]:
    return {"title": content.title, "field": content.field, "unit_id": content.unit.unit_id,
            "unit_name": content.unit.name, "summary": content.summary,
            "author_names": [a.name for a in content.authors],
            "author_user_ids": [a.user_id for a in content.authors if a.user_id],
            "content": content.model_dump(mode="json")}


def _upsert(collection: str, key: str, fields: dict[str, Any], push: dict[str, list[Any]] | None = None) -> Write:
    return Write(collection, Upsert(key, fields, push or {}))


def _base(e: EventEnvelope) -> dict[str, Any]:
    return {"commune_id": e.commune_id, "updated_at": e.occurred_at}


board = WriteTable()


# -- candidates (the submission service's initiatives) ------------------------------------------
@board.on(InitiativeSubmitted)
def _submitted(e: EventEnvelope, p: InitiativeSubmitted) -> list[Write]:
    doc = {**_base(e), "initiative_id": p.initiative_id, "campaign_id": p.campaign_id, "withdrawn": False,
           "submitted_at": e.occurred_at, **_content(p.content)}
    return [_upsert(CANDIDATES, f"{e.commune_id}:{p.initiative_id}", doc)]


@board.on(InitiativeRevised)
def _revised(e: EventEnvelope, p: InitiativeRevised) -> list[Write]:
    return [_upsert(CANDIDATES, f"{e.commune_id}:{p.initiative_id}", {**_base(e), **_content(p.content)})]


@board.on(InitiativeWithdrawn)
def _withdrawn(e: EventEnvelope, p: InitiativeWithdrawn) -> list[Write]:
    return [_upsert(CANDIDATES, f"{e.commune_id}:{p.initiative_id}", {**_base(e), "withdrawn": True})]


# -- councils -------------------------------------------------------------------------------------
@board.on(CouncilConstituted)
def _constituted(e: EventEnvelope, p: CouncilConstituted) -> list[Write]:
    doc = {**_base(e), "campaign_id": p.campaign_id, "decision_number": p.decision_number,
           "decision_date": p.decision_date.isoformat(), "members": [m.model_dump() for m in p.members],
           "rubric": p.rubric.model_dump(), "scoring_opened": False}
    return [_upsert(COUNCILS, f"{e.commune_id}:{p.campaign_id}", doc)]


@board.on(CouncilMembershipChanged)
def _members_changed(e: EventEnvelope, p: CouncilMembershipChanged) -> list[Write]:
    change = {"at": e.occurred_at, "by": e.actor.user_id, "reason": p.reason,
              "after_scoring_opened": p.after_scoring_opened}
    return [_upsert(COUNCILS, f"{e.commune_id}:{p.campaign_id}",
                    {**_base(e), "members": [m.model_dump() for m in p.members]}, {"membership_changes": [change]})]


@board.on(RubricSet)
def _rubric_set(e: EventEnvelope, p: RubricSet) -> list[Write]:
    return [_upsert(COUNCILS, f"{e.commune_id}:{p.campaign_id}", {**_base(e), "rubric": p.rubric.model_dump()})]


@board.on(ScoringOpened)
def _scoring_opened(e: EventEnvelope, p: ScoringOpened) -> list[Write]:
    return [_upsert(COUNCILS, f"{e.commune_id}:{p.campaign_id}", {**_base(e), "scoring_opened": True})]


@board.on(RecognitionDecisionSigned)
def _decision_signed(e: EventEnvelope, p: RecognitionDecisionSigned) -> list[Write]:
    return [_upsert(COUNCILS, f"{e.commune_id}:{p.campaign_id}", {**_base(e), "decision": p.model_dump(mode="json")})]


# -- conflicts, sheets, outcomes ------------------------------------------------------------------
@board.on(ConflictDeclared)
def _conflict_declared(e: EventEnvelope, p: ConflictDeclared) -> list[Write]:
    doc = {**_base(e), "campaign_id": p.campaign_id, "initiative_id": p.initiative_id, "member_id": p.member_id,
           "reason": p.reason}
    return [_upsert(CONFLICTS, f"{e.commune_id}:{p.initiative_id}:{p.member_id}", doc)]


@board.on(ProposedMemberConflictDecided)
def _prechecked(e: EventEnvelope, p: ProposedMemberConflictDecided) -> list[Write]:
    """An exclusion decided at the pre-check counts as a declared conflict; a member kept is not one."""
    doc = {**_base(e), "campaign_id": p.campaign_id, "initiative_id": p.initiative_id, "member_id": p.member_id,
           "reason": f"thư ký loại khi kiểm tra xung đột trước: {p.reason}", "source": "precheck",
           "kept": p.decision == "keep"}
    return [_upsert(CONFLICTS, f"{e.commune_id}:{p.initiative_id}:{p.member_id}:precheck", doc)]


@board.on(ScoringReopened)
def _reopened(e: EventEnvelope, p: ScoringReopened) -> list[Write]:
    """The sheets a reopening set aside (member -> last revision) no longer count."""
    aside = {f"superseded.{member}": revision for member, revision in p.superseded.items()}
    doc = {**_base(e), "campaign_id": p.campaign_id, "initiative_id": p.initiative_id, "round": p.round, **aside}
    return [_upsert(REOPENED, f"{e.commune_id}:{p.initiative_id}", doc)]


@board.on(ScoreRecorded)
def _score_recorded(e: EventEnvelope, p: ScoreRecorded) -> list[Write]:
    doc = {**_base(e), "campaign_id": p.campaign_id, "initiative_id": p.initiative_id, "member_id": p.member_id,
           "points": p.points, "comment": p.comment, "revision": p.revision, "total": p.weighted_total}
    return [_upsert(SHEETS, f"{e.commune_id}:{p.initiative_id}:{p.member_id}", doc)]


def _outcome(e: EventEnvelope, p: InitiativeRecognized | InitiativeNotRecognized, recognised: bool,
             reasons: list[str]) -> list[Write]:
    doc = {**_base(e), "campaign_id": p.campaign_id, "initiative_id": p.initiative_id,
           "recognised": recognised, "result": p.result.model_dump(), "reasons": reasons,
           "finalised_by": e.actor.user_id}
    return [_upsert(OUTCOMES, f"{e.commune_id}:{p.initiative_id}", doc)]


@board.on(InitiativeRecognized)
def _recognised(e: EventEnvelope, p: InitiativeRecognized) -> list[Write]:
    return _outcome(e, p, True, [])


@board.on(InitiativeNotRecognized)
def _not_recognised(e: EventEnvelope, p: InitiativeNotRecognized) -> list[Write]:
    return _outcome(e, p, False, list(p.reasons))


# -- the slate -------------------------------------------------------------------------------------
@board.on(Nominated)
def _nominated(e: EventEnvelope, p: Nominated) -> list[Write]:
    doc = {**_base(e), **p.model_dump(mode="json"), "active": True}
    return [_upsert(NOMINATIONS, f"{e.commune_id}:{p.year}:{p.initiative_id}", doc)]


@board.on(NominationWithdrawn)
def _nomination_withdrawn(e: EventEnvelope, p: NominationWithdrawn) -> list[Write]:
    return [_upsert(NOMINATIONS, f"{e.commune_id}:{p.slate_id}:{p.initiative_id}",
                    {**_base(e), "active": False, "withdrawn_reason": p.reason})]


for _payload, _writes in DIRECTORY_WRITES.items():  # the commune's directory (who heads which unit when)
    board.add(_payload, _writes)


class Board(Projection):
    name = "board"
    event_types = board.event_types
    collections = (CANDIDATES, COUNCILS, SHEETS, CONFLICTS, OUTCOMES, NOMINATIONS, REOPENED, VIEWS, HEADS)
    version = 3
    """2: the commune's directory; 3: the pre-check's exclusions and the reopenings."""

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        for collection in (CANDIDATES, SHEETS, CONFLICTS, OUTCOMES, REOPENED):
            await db[collection].create_index([("commune_id", ASCENDING), ("campaign_id", ASCENDING)])
        await db[NOMINATIONS].create_index([("commune_id", ASCENDING), ("year", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        return board.writes(event.envelope)
