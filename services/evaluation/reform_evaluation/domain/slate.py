"""The commune's slate of nominations to the city for a year: at most the campaign's 1–2.

The quota spans initiatives, so it is an aggregate of its own (one per commune and year): two
concurrent nominations race on it and the store lets one win.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from reform_evaluation.domain.scoring import local_date
from reform_evaluation.domain.sources import CampaignView, Candidate
from reform_shared.aggregate import Evolver
from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict, NotFound, RuleViolation
from reform_shared.events import InitiativeRecognized, Nominated, NominationWithdrawn, RecognitionDecisionSigned

Slate = dict[str, Nominated]
"""The live nominations of the year, by initiative."""

evolver: Evolver[Slate] = Evolver(initial={})


@evolver.on(Nominated)
def _nominated(state: Slate, event: Nominated) -> Slate:
    return {**state, event.initiative_id: event}


@evolver.on(NominationWithdrawn)
def _withdrawn(state: Slate, event: NominationWithdrawn) -> Slate:
    return {initiative: n for initiative, n in state.items() if initiative != event.initiative_id}


def active(events: Iterable[EventPayload]) -> Slate:
    return evolver.fold(events)


def before_the_deadline(campaign: CampaignView, now: dt.datetime) -> None:
    if campaign.nomination_deadline and local_date(now) > campaign.nomination_deadline:
        raise RuleViolation(f"Đã quá hạn đề nghị lên thành phố ({campaign.nomination_deadline:%d/%m/%Y})",
                            "the nomination deadline has passed", rule="nomination_deadline")


def nominate(
    events: list[EventPayload],
    campaign: CampaignView,
    candidate: Candidate,
    outcome: EventPayload | None,
    decision: RecognitionDecisionSigned | None,
    now: dt.datetime,
    reason: str = "",
) -> list[EventPayload]:
    if not isinstance(outcome, InitiativeRecognized):
        raise RuleViolation("Chỉ đề nghị thành phố các sáng kiến đã được công nhận",
                            "only recognised initiatives can be nominated", rule="nominate_recognised_only")
    before_the_deadline(campaign, now)
    current = active(events)
    if candidate.initiative_id in current:
        raise Conflict("Sáng kiến đã được đề nghị", "the initiative is already nominated", rule="nominated_once")
    if len(current) >= campaign.max_nominations:
        names = "; ".join(f"\"{n.title}\" ({n.initiative_id})" for n in current.values())
        raise RuleViolation(
            f"Mỗi năm xã chỉ đề nghị tối đa {campaign.max_nominations} sáng kiến; đã đề nghị: {names}",
            f"at most {campaign.max_nominations} nominations per commune and year; already nominated: {names}",
            rule="max_nominations_per_year", details={"nominated": list(current)},
        )
    content = candidate.content
    signed = decision if decision and candidate.initiative_id in decision.initiative_ids else None
    return [Nominated(
        slate_id=str(campaign.year), initiative_id=candidate.initiative_id, campaign_id=candidate.campaign_id,
        year=campaign.year, title=content.title, summary=content.summary, field=content.field,
        fields=(content.field,), unit_name=content.unit.name, author_names=tuple(a.name for a in content.authors),
        result=outcome.result, mean_score=outcome.result.mean_total,
        decision_number=signed.decision_number if signed else None,
        decision_date=signed.decision_date if signed else None, reason=reason.strip(),
    )]


def withdraw_nomination(events: list[EventPayload], campaign: CampaignView, initiative_id: str, now: dt.datetime,
                        reason: str) -> list[EventPayload]:
    if initiative_id not in active(events):
        raise NotFound("Sáng kiến này không có trong danh sách đề nghị", "the initiative is not nominated",
                       field="initiative_id", rule="nominated_exists")
    before_the_deadline(campaign, now)
    return [NominationWithdrawn(slate_id=str(campaign.year), initiative_id=initiative_id, reason=reason)]
