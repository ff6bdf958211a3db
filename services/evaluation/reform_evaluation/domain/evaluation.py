"""The per-initiative evaluation aggregate: declared conflicts and the final result."""

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

Outcome = InitiativeRecognized | InitiativeNotRecognized


@dataclass(frozen=True)
class EvaluationState:
    declared: dict[str, str] = field(default_factory=dict)
    outcome: Outcome | None = None


evolver: Evolver[EvaluationState] = Evolver(initial=EvaluationState())


@evolver.on(ConflictDeclared)
def _conflict_declared(state: EvaluationState, event: ConflictDeclared) -> EvaluationState:
    return replace(state, declared={**state.declared, event.member_id: event.reason})


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


def latest_sheets(scores: list[ScoreRecorded]) -> dict[str, ScoreRecorded]:
    """Each member's last revision."""
    latest: dict[str, ScoreRecorded] = {}
    for score in scores:
        latest[score.member_id] = score
    return latest


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
    sheets = [Sheet(s.member_id, s.points, s.weighted_total) for s in latest_sheets(scores).values()
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
