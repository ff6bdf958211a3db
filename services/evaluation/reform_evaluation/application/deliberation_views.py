"""What the deliberation shows, read from the initiative's evaluation record itself (never a lagging copy):
the notes (blind until one has scored), the questions to the author, the reopenings, the pre-check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_evaluation.application.board import CANDIDATES
from reform_evaluation.application.deliberation import SECRETARIAT
from reform_evaluation.application.record import EvaluationRecord
from reform_evaluation.domain import evaluation as evaluations
from reform_evaluation.domain.council import council_exists
from reform_evaluation.domain.deliberation import may_see_notes
from reform_evaluation.domain.precheck import precheck
from reform_evaluation.domain.sources import Candidate
from reform_shared.directory_copy import directory_of
from reform_shared.envelope import Actor, EventEnvelope
from reform_shared.errors import Forbidden
from reform_shared.events import CouncilMember, InitiativeContent
from reform_shared.events.deliberation import NoteAdded, ScoringReopened

BLIND = ("Hãy chấm điểm của bạn trước khi xem thảo luận của hội đồng "
         "(record your own score before seeing the council's deliberation)")


def questions_of(state: evaluations.EvaluationState) -> list[dict[str, Any]]:
    rows = []
    for question in state.questions.values():
        answer = state.answers.get(question.question_id)
        rows.append({"question_id": question.question_id, "text": question.text, "asked_by": question.asked_by,
                     "asked_at": question.asked_at.isoformat(), "answer": answer.text if answer else None,
                     "answered_at": answer.answered_at.isoformat() if answer else None,
                     "seconds_taken": answer.seconds_taken if answer else None})
    return rows


def _note(envelope: EventEnvelope, note: NoteAdded, private: frozenset[str]) -> dict[str, Any]:
    return {"note_id": note.note_id, "member_id": note.member_id, "member_name": note.member_name,
            "text": note.text, "reply_to": note.reply_to, "mentions": list(note.mentions),
            "at": envelope.occurred_at.isoformat(), "not_for_minutes": note.note_id in private}


def _reopening(envelope: EventEnvelope, event: ScoringReopened) -> dict[str, Any]:
    return {"round": event.round, "reason": event.reason, "at": envelope.occurred_at.isoformat(),
            "by": envelope.actor.user_id, "superseded": event.superseded}


class DeliberationViews:
    def __init__(self, record: EvaluationRecord, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._record = record
        self._db = db

    async def _state(self, commune_id: str, initiative_id: str
                     ) -> tuple[list[EventEnvelope], evaluations.EvaluationState]:
        envelopes = await self._record.evaluation_envelopes(commune_id, initiative_id)
        return envelopes, evaluations.fold([e.payload for e in envelopes])

    async def thread(self, commune_id: str, initiative_id: str, actor: Actor) -> dict[str, Any]:
        """The notes in order, each reply after its note's place; empty (blind) for a member yet to score."""
        candidate = await self._record.candidate(commune_id, initiative_id)
        council = council_exists(await self._record.council(commune_id, candidate.campaign_id),
                                 candidate.campaign_id)
        scored, _ = await self._record.last_score(commune_id, initiative_id, actor.user_id)
        envelopes, state = await self._state(commune_id, initiative_id)
        head = {"initiative_id": initiative_id, "title": candidate.content.title, "round": state.round,
                "finalised": state.outcome is not None, "questions": questions_of(state),
                "members": [m.model_dump() for m in council.members]}
        if not may_see_notes(council, actor.user_id, actor.has_any(*SECRETARIAT), scored is not None):
            return {**head, "blind": True, "notes": [], "reopenings": [], "message": BLIND}
        notes = [_note(e, e.payload, state.kept_from_minutes) for e in envelopes if isinstance(e.payload, NoteAdded)]
        reopenings = [_reopening(e, e.payload) for e in envelopes if isinstance(e.payload, ScoringReopened)]
        return {**head, "blind": False, "notes": notes, "reopenings": reopenings}

    async def questions(self, commune_id: str, initiative_id: str, actor: Actor) -> dict[str, Any]:
        """For the authors (who answer in the dossier), the secretariat and the council."""
        candidate = await self._record.candidate(commune_id, initiative_id)
        council = await self._record.council(commune_id, candidate.campaign_id)
        in_council = council is not None and council.member(actor.user_id) is not None
        if not (actor.user_id in candidate.author_ids or actor.has_any(*SECRETARIAT) or in_council):
            raise Forbidden("Chỉ tác giả, thư ký và hội đồng xem câu hỏi cho tác giả",
                            "only the authors, the secretariat and the council see the questions",
                            rule="questions_for_authors_and_council")
        _, state = await self._state(commune_id, initiative_id)
        return {"initiative_id": initiative_id, "questions": questions_of(state)}

    async def precheck(self, commune_id: str, campaign_id: str, proposed: Sequence[CouncilMember], today: dt.date
                       ) -> dict[str, Any]:
        """Each proposed member's conflicts with each dossier of the campaign, and the secretary's decision."""
        scope = {"commune_id": commune_id, "campaign_id": campaign_id, "withdrawn": False}
        candidates = [Candidate(d["initiative_id"], d["campaign_id"], InitiativeContent(**d["content"]),
                                d["submitted_at"]) async for d in self._db[CANDIDATES].find(scope).sort("submitted_at")]
        findings = precheck(proposed, candidates, await directory_of(self._db, commune_id), today)
        states = {c.initiative_id: (await self._state(commune_id, c.initiative_id))[1] for c in candidates
                  if any(f.initiative_id == c.initiative_id for f in findings)}
        rows = []
        for finding in findings:
            decided = states[finding.initiative_id].prechecked.get(finding.member_id)
            rows.append({"member_id": finding.member_id, "member_name": finding.member_name,
                         "initiative_id": finding.initiative_id, "title": finding.title, "kinds": list(finding.kinds),
                         "reasons": list(finding.reasons), "decision": decided.decision if decided else None,
                         "decision_reason": decided.reason if decided else ""})
        return {"campaign_id": campaign_id, "checked": len(candidates), "findings": rows}
