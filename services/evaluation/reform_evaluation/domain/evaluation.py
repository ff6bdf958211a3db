"""The per-initiative evaluation aggregate: declared conflicts, the deliberation (notes, questions to the
author, the pre-check's decisions, reopenings; its rules in `domain.deliberation`) and the final result."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from reform_evaluation.domain.conflicts import Heads, eligible_members
from reform_evaluation.domain.council import Council
from reform_evaluation.domain.results import Sheet, quorum_needed, result_of, unmet_reasons
from reform_evaluation.domain.sources import Candidate
from reform_shared.aggregate import Evolver
from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict, Forbidden, RuleViolation
from reform_shared.events import ConflictDeclared, InitiativeNotRecognized, InitiativeRecognized, ScoreRecorded
from reform_shared.events.deliberation import (
    NoteAdded,
    NoteKeptFromMinutes,
    ProposedMemberConflictDecided,
    QuestionAnswered,
    QuestionAsked,
    ScoringReopened,
)

Outcome = InitiativeRecognized | InitiativeNotRecognized


@dataclass(frozen=True)
class EvaluationState:
    declared: dict[str, str] = field(default_factory=dict)
    """Member -> why he or she does not score it: declared, or excluded by the secretary's pre-check."""
    outcome: Outcome | None = None
    notes: tuple[NoteAdded, ...] = ()
    kept_from_minutes: frozenset[str] = frozenset()
    questions: dict[str, QuestionAsked] = field(default_factory=dict)
    answers: dict[str, QuestionAnswered] = field(default_factory=dict)
    prechecked: dict[str, ProposedMemberConflictDecided] = field(default_factory=dict)
    round: int = 1
    reopen_reasons: tuple[str, ...] = ()
    superseded: dict[str, int] = field(default_factory=dict)
    """Member -> the last revision of his or her sheet that a reopening set aside."""

    def note(self, note_id: str) -> NoteAdded | None:
        return next((n for n in self.notes if n.note_id == note_id), None)


evolver: Evolver[EvaluationState] = Evolver(initial=EvaluationState())


@evolver.on(ConflictDeclared)
def _conflict_declared(state: EvaluationState, event: ConflictDeclared) -> EvaluationState:
    return replace(state, declared={**state.declared, event.member_id: event.reason})


@evolver.on(NoteAdded)
def _note_added(state: EvaluationState, event: NoteAdded) -> EvaluationState:
    return replace(state, notes=(*state.notes, event))


@evolver.on(NoteKeptFromMinutes)
def _note_kept(state: EvaluationState, event: NoteKeptFromMinutes) -> EvaluationState:
    return replace(state, kept_from_minutes=state.kept_from_minutes | {event.note_id})


@evolver.on(QuestionAsked)
def _asked(state: EvaluationState, event: QuestionAsked) -> EvaluationState:
    return replace(state, questions={**state.questions, event.question_id: event})


@evolver.on(QuestionAnswered)
def _answered(state: EvaluationState, event: QuestionAnswered) -> EvaluationState:
    return replace(state, answers={**state.answers, event.question_id: event})


@evolver.on(ProposedMemberConflictDecided)
def _prechecked(state: EvaluationState, event: ProposedMemberConflictDecided) -> EvaluationState:
    declared = dict(state.declared)
    earlier = state.prechecked.get(event.member_id)
    if earlier is not None and earlier.decision == "exclude":
        declared.pop(event.member_id, None)
    if event.decision == "exclude":
        declared.setdefault(event.member_id, f"thư ký loại khi kiểm tra xung đột trước: {event.reason}")
    return replace(state, declared=declared, prechecked={**state.prechecked, event.member_id: event})


@evolver.on(ScoringReopened)
def _reopened(state: EvaluationState, event: ScoringReopened) -> EvaluationState:
    return replace(state, round=event.round, superseded={**state.superseded, **event.superseded},
                   reopen_reasons=(*state.reopen_reasons, event.reason))


def _finalised(state: EvaluationState, event: Outcome) -> EvaluationState:
    return replace(state, outcome=event)


evolver.on(InitiativeRecognized)(_finalised)
evolver.on(InitiativeNotRecognized)(_finalised)


def fold(events: Iterable[EventPayload]) -> EvaluationState:
    return evolver.fold(events)


def declare_conflict(state: EvaluationState, council: Council, candidate: Candidate, member_id: str, reason: str
                     ) -> list[EventPayload]:
    if council.member(member_id) is None:
        raise Forbidden("Chỉ thành viên hội đồng khai báo xung đột lợi ích", "only council members declare conflicts",
                        rule="council_members_only")
    if state.outcome is not None:
        raise Conflict("Sáng kiến đã có kết quả đánh giá", "the initiative is finalised", rule="finalised_is_fixed")
    if member_id in state.declared:
        return []
    return [ConflictDeclared(initiative_id=candidate.initiative_id, campaign_id=candidate.campaign_id,
                             member_id=member_id, reason=reason)]


def latest_sheets(scores: list[ScoreRecorded], superseded: dict[str, int] | None = None
                  ) -> dict[str, ScoreRecorded]:
    """Each member's last revision, unless a reopening set it aside (`superseded`)."""
    latest: dict[str, ScoreRecorded] = {}
    for score in scores:
        latest[score.member_id] = score
    aside = superseded or {}
    return {m: s for m, s in latest.items() if s.revision > aside.get(m, 0)}


def finalise(state: EvaluationState, council: Council, candidate: Candidate, scores: list[ScoreRecorded],
             heads: Heads | None = None) -> list[EventPayload]:
    """Recognised when every required condition is met and the mean reaches the pass threshold (`heads`: the
    directory on the day, which says who heads the author's unit and so does not count)."""
    if state.outcome is not None:
        raise Conflict("Sáng kiến đã có kết quả đánh giá", "the initiative is already finalised",
                       rule="finalised_once")
    if candidate.withdrawn:
        raise Conflict("Sáng kiến đã được rút", "the initiative was withdrawn", rule="withdrawn_not_scored")
    eligible = eligible_members(council.members, candidate, state.declared, heads)
    eligible_ids = {m.user_id for m in eligible}
    sheets = [Sheet(s.member_id, s.points, s.weighted_total) for s in latest_sheets(scores, state.superseded).values()
              if s.member_id in eligible_ids]
    needed = quorum_needed(council.rubric, len(eligible))
    if len(sheets) < needed or not sheets:
        raise RuleViolation(
            f"Chưa đủ túc số: {len(sheets)}/{len(eligible)} thành viên không xung đột đã chấm, cần ít nhất {needed}",
            f"no quorum: {len(sheets)} of {len(eligible)} eligible members scored, {needed} needed",
            rule="finalise_needs_quorum", details={"scored": len(sheets), "eligible": len(eligible), "needed": needed},
        )
    result = result_of(council.rubric, sheets, len(eligible))
    reasons = unmet_reasons(council.rubric, result)
    if reasons:
        return [InitiativeNotRecognized(initiative_id=candidate.initiative_id, campaign_id=candidate.campaign_id,
                                        result=result, reasons=tuple(reasons))]
    return [InitiativeRecognized(initiative_id=candidate.initiative_id, campaign_id=candidate.campaign_id,
                                 result=result)]
