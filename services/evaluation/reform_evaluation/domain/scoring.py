"""Scoring: a member's sheet per initiative, revisable until the initiative is finalised."""

from __future__ import annotations

import datetime as dt
import hashlib

from reform_evaluation.domain.conflicts import Heads, conflict_of
from reform_evaluation.domain.council import Council
from reform_evaluation.domain.evaluation import EvaluationState
from reform_evaluation.domain.rubric import points_in_range, weighted_total
from reform_evaluation.domain.sources import CampaignView, Candidate
from reform_shared.aggregate import Evolver
from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from reform_shared.events import ScoreRecorded
from reform_shared.ids import VIETNAM


def scoresheet_id(initiative_id: str, member_id: str) -> str:
    return hashlib.sha256(f"{initiative_id}\x1f{member_id}".encode()).hexdigest()[:32]


sheet_revisions: Evolver[int] = Evolver(initial=0)
"""A member's sheet on an initiative is revised, never replaced: its revisions are counted."""


@sheet_revisions.on(ScoreRecorded)
def _scored(state: int, event: ScoreRecorded) -> int:
    return state + 1


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(VIETNAM).date()


def scoring_window_is_open(campaign: CampaignView, now: dt.datetime) -> None:
    if now < campaign.closes_at:
        raise RuleViolation("Chưa hết hạn nộp hồ sơ: chưa được chấm điểm",
                            "scoring starts after submissions close", rule="scoring_window")
    if campaign.evaluation_deadline and local_date(now) > campaign.evaluation_deadline:
        raise RuleViolation(f"Đã quá hạn đánh giá ({campaign.evaluation_deadline:%d/%m/%Y})",
                            "the evaluation deadline has passed", rule="scoring_window")


def record_score(
    previous: list[EventPayload],
    council: Council | None,
    campaign: CampaignView,
    candidate: Candidate | None,
    evaluation: EvaluationState,
    member_id: str,
    points: dict[str, float],
    comment: str,
    now: dt.datetime,
    heads: Heads | None = None,
) -> list[EventPayload]:
    """`heads`: the directory on the day of the scoring (`now`), which says who heads the author's unit."""
    if council is None or not council.scoring_opened:
        raise RuleViolation("Hội đồng chưa mở chấm điểm", "scoring has not opened", rule="scoring_not_open")
    member = council.member(member_id)
    if member is None:
        raise Forbidden("Chỉ thành viên hội đồng được chấm điểm", "only council members score",
                        rule="council_members_only")
    if candidate is None:
        raise NotFound("Không tìm thấy sáng kiến", "no such initiative", field="initiative_id")
    if candidate.withdrawn:
        raise Conflict("Sáng kiến đã được rút, không chấm điểm", "the initiative was withdrawn",
                       rule="withdrawn_not_scored")
    if evaluation.outcome is not None:
        raise Conflict("Sáng kiến đã có kết quả đánh giá, không thể chấm lại", "the initiative is finalised",
                       rule="finalised_is_fixed")
    scoring_window_is_open(campaign, now)
    conflict = conflict_of(member, candidate, evaluation.declared, heads)
    if conflict:
        raise Forbidden(f"Thành viên có xung đột lợi ích với sáng kiến này: {conflict}",
                        f"the member has a conflict of interest: {conflict}", rule="conflicted_member_cannot_score")
    points_in_range(council.rubric, points)
    revision = sheet_revisions.fold(previous) + 1
    return [ScoreRecorded(
        scoresheet_id=scoresheet_id(candidate.initiative_id, member_id), initiative_id=candidate.initiative_id,
        campaign_id=candidate.campaign_id, member_id=member_id, points=points, comment=comment, revision=revision,
        rubric_version=council.rubric.version, weighted_total=weighted_total(council.rubric, points),
    )]
