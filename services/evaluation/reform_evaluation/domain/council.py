"""The council aggregate: members, rubric, the opening of scoring, the recognition decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from reform_evaluation.domain.rubric import rubric_is_coherent
from reform_shared.aggregate import Evolver
from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict, NotFound, RuleViolation
from reform_shared.events import (
    CouncilConstituted,
    CouncilMember,
    CouncilMembershipChanged,
    RecognitionDecisionSigned,
    Rubric,
    RubricSet,
    ScoringOpened,
)


@dataclass(frozen=True)
class Council:
    campaign_id: str
    decision_number: str
    decision_date: dt.date
    members: tuple[CouncilMember, ...]
    rubric: Rubric
    scoring_opened: bool = False
    decision: RecognitionDecisionSigned | None = None

    def member(self, user_id: str) -> CouncilMember | None:
        return next((m for m in self.members if m.user_id == user_id), None)

    @property
    def chair(self) -> CouncilMember | None:
        return next((m for m in self.members if m.role == "chair"), None)


evolver: Evolver[Council | None] = Evolver(initial=None)
"""The council as its events make it: constituted once; an event before that finds no council to change."""


@evolver.on(CouncilConstituted)
def _constituted(state: Council | None, event: CouncilConstituted) -> Council | None:
    return Council(event.campaign_id, event.decision_number, event.decision_date, event.members, event.rubric)


@evolver.on(CouncilMembershipChanged)
def _members_changed(state: Council | None, event: CouncilMembershipChanged) -> Council | None:
    return None if state is None else replace(state, members=event.members)


@evolver.on(RubricSet)
def _rubric_set(state: Council | None, event: RubricSet) -> Council | None:
    return None if state is None else replace(state, rubric=event.rubric)


@evolver.on(ScoringOpened)
def _scoring_opened(state: Council | None, event: ScoringOpened) -> Council | None:
    return None if state is None else replace(state, scoring_opened=True)


@evolver.on(RecognitionDecisionSigned)
def _decision_signed(state: Council | None, event: RecognitionDecisionSigned) -> Council | None:
    return None if state is None else replace(state, decision=event)


def fold(events: Iterable[EventPayload]) -> Council | None:
    return evolver.fold(events)


def council_exists(state: Council | None, campaign_id: str) -> Council:
    if state is None:
        raise NotFound(f"Đợt phát động {campaign_id} chưa có hội đồng đánh giá",
                       f"campaign {campaign_id} has no evaluation council yet", field="campaign_id",
                       rule="council_exists")
    return state


def members_are_coherent(members: tuple[CouncilMember, ...]) -> None:
    ids = [m.user_id for m in members]
    chairs = [m for m in members if m.role == "chair"]
    if len(set(ids)) != len(ids) or len(chairs) != 1 or len(members) < 3:
        raise RuleViolation(
            "Hội đồng cần ít nhất 3 thành viên khác nhau và đúng một chủ tịch hội đồng",
            "a council needs at least 3 distinct members and exactly one chair",
            field="members", rule="council_composition",
        )


def constitute(state: Council | None, constituted: CouncilConstituted) -> list[EventPayload]:
    if state is not None:
        raise Conflict("Hội đồng của đợt phát động này đã được thành lập", "the council already exists",
                       rule="council_unique")
    members_are_coherent(constituted.members)
    rubric_is_coherent(constituted.rubric)
    return [constituted]


def change_members(state: Council | None, changed: CouncilMembershipChanged) -> list[EventPayload]:
    """Until scoring opens, freely; after it, only with a reason, and the event says so."""
    council = council_exists(state, changed.campaign_id)
    members_are_coherent(changed.members)
    if council.scoring_opened and not changed.reason.strip():
        raise RuleViolation(
            "Đã bắt đầu chấm điểm: thay đổi thành viên hội đồng phải nêu lý do",
            "scoring has opened: a change of members must state its reason",
            field="reason", rule="membership_change_after_scoring_needs_reason",
        )
    return [changed.model_copy(update={"after_scoring_opened": council.scoring_opened})]


def set_rubric(state: Council | None, campaign_id: str, rubric: Rubric) -> list[EventPayload]:
    council = council_exists(state, campaign_id)
    if council.scoring_opened:
        raise Conflict("Đã bắt đầu chấm điểm: bộ tiêu chí không thể thay đổi",
                       "scoring has opened: the rubric is fixed", field="rubric", rule="rubric_fixed_once_scoring")
    rubric_is_coherent(rubric)
    versioned = rubric.model_copy(update={"version": council.rubric.version + 1})
    return [RubricSet(campaign_id=campaign_id, rubric=versioned)]


def open_scoring(state: Council | None, campaign_id: str, now: dt.datetime, submissions_close: dt.datetime
                 ) -> list[EventPayload]:
    council = council_exists(state, campaign_id)
    if council.scoring_opened:
        return []
    if now < submissions_close:
        raise RuleViolation("Chỉ mở chấm điểm sau khi đóng nhận hồ sơ",
                            "scoring opens only after submissions close", rule="scoring_after_submissions_close")
    return [ScoringOpened(campaign_id=campaign_id, rubric_version=council.rubric.version)]


def sign_decision(state: Council | None, signed: RecognitionDecisionSigned, recognised: set[str]
                  ) -> list[EventPayload]:
    """The chairman's decision lists only initiatives the council recognised."""
    council_exists(state, signed.campaign_id)
    foreign = [i for i in signed.initiative_ids if i not in recognised]
    if foreign or not signed.initiative_ids:
        raise RuleViolation(
            "Quyết định công nhận chỉ gồm các sáng kiến đã được hội đồng công nhận"
            + (f"; chưa được công nhận: {', '.join(foreign)}" if foreign else ""),
            "the decision may list only initiatives the council recognised", field="initiative_ids",
            rule="decision_lists_recognised_only",
        )
    return [signed]
