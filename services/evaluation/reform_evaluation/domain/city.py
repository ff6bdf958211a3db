"""City appraisal: the city council scores the initiatives communes nominate, the city decides.

One aggregate per nominated initiative (`cityappraisal/<initiative>`), written at the city under
the initiative's commune so that it flows back to that commune's node. The members' sheets and the
decision share it, so the store makes the decision final: a sheet that races the decision, or a
second decision, finds the aggregate changed and is decided again on the new state (and refused).

Rules:
- only an initiative with a live nomination (Nominated, not NominationWithdrawn) is appraised or
  decided on (422 `city_appraises_nominated_only`);
- a member scores applied effectiveness and replicability, each 0–10, and may revise the sheet
  until the decision (409 `city_decided_is_fixed` after it); the last revision counts;
- the decision needs sheets from at least `CITY_RUBRIC.quorum` members (422
  `city_decision_needs_quorum`); recognising needs both means at or above half their maximum
  (422 `city_conditions_met`); declining needs a reason (422 `reason_required`);
- the decision is taken once (409 `city_decided_once`); a correction is a new decision of the city,
  outside this system.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from reform_shared.aggregate import Evolver
from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict, RuleViolation
from reform_shared.events import CityAppraisalScored, CityRecognitionDecided

CITY = "city"
"""The commune id in a city account's token (city council members and city officers)."""


@dataclass(frozen=True)
class CityCriterion:
    code: str
    label: str
    max_points: float


@dataclass(frozen=True)
class CityRubric:
    """How the city council appraises nominations (seed 000 §4: effectiveness of application and
    replicability, the evaluation council's very name), as data."""

    criteria: tuple[CityCriterion, ...]
    condition_threshold: float = 0.5
    """Recognition needs each criterion's mean at or above this share of its maximum."""
    quorum: int = 3
    """Sheets from at least this many city council members before the city decides."""


CITY_RUBRIC = CityRubric(criteria=(
    CityCriterion("effectiveness", "Hiệu quả áp dụng", 10),
    CityCriterion("replicability", "Khả năng nhân rộng", 10),
))


@dataclass(frozen=True)
class Nomination:
    """What the city knows of a commune's nomination (from the evaluation service's projection)."""

    commune_id: str
    initiative_id: str
    campaign_id: str
    year: int
    title: str
    active: bool


@dataclass(frozen=True)
class CityAppraisal:
    sheets: dict[str, CityAppraisalScored] = field(default_factory=dict)
    """Each member's last sheet."""
    revisions: dict[str, int] = field(default_factory=dict)
    decision: CityRecognitionDecided | None = None


evolver: Evolver[CityAppraisal] = Evolver(initial=CityAppraisal())


@evolver.on(CityAppraisalScored)
def _scored(state: CityAppraisal, event: CityAppraisalScored) -> CityAppraisal:
    member = event.member_id
    return replace(state, sheets={**state.sheets, member: event},
                   revisions={**state.revisions, member: state.revisions.get(member, 0) + 1})


@evolver.on(CityRecognitionDecided)
def _decided(state: CityAppraisal, event: CityRecognitionDecided) -> CityAppraisal:
    return replace(state, decision=event)


def fold(events: Iterable[EventPayload]) -> CityAppraisal:
    return evolver.fold(events)


def means(state: CityAppraisal) -> dict[str, float]:
    sheets = list(state.sheets.values())
    if not sheets:
        return {c.code: 0.0 for c in CITY_RUBRIC.criteria}
    return {"effectiveness": round(statistics.fmean(s.effectiveness for s in sheets), 2),
            "replicability": round(statistics.fmean(s.replicability for s in sheets), 2)}


def unmet_conditions(state: CityAppraisal, rubric: CityRubric = CITY_RUBRIC) -> list[str]:
    current = means(state)
    return [f"{c.label}: điểm trung bình {current[c.code]:g}/{c.max_points:g}, cần tối thiểu "
            f"{rubric.condition_threshold * c.max_points:g}"
            for c in rubric.criteria if current[c.code] < rubric.condition_threshold * c.max_points]


def live(nomination: Nomination | None, initiative_id: str) -> Nomination:
    if nomination is None:
        raise RuleViolation(
            f"Sáng kiến {initiative_id} chưa được xã/phường đề nghị lên thành phố: "
            "chỉ thẩm định sáng kiến được đề nghị",
            f"initiative {initiative_id} was not nominated to the city: only nominated initiatives are appraised",
            field="initiative_id", rule="city_appraises_nominated_only")
    if not nomination.active:
        raise RuleViolation(
            f"Xã/phường đã rút đề nghị sáng kiến {initiative_id}: không thẩm định",
            f"the commune withdrew the nomination of {initiative_id}: it is not appraised",
            field="initiative_id", rule="city_appraises_nominated_only")
    return nomination


def not_decided(state: CityAppraisal) -> None:
    if state.decision is not None:
        raise Conflict(
            f"Thành phố đã quyết định ({state.decision.decision_number}): không chấm lại",
            f"the city already decided ({state.decision.decision_number}): sheets are fixed",
            rule="city_decided_is_fixed", details={"decision_number": state.decision.decision_number})


def appraise(state: CityAppraisal, nomination: Nomination | None, initiative_id: str, member_id: str,
             member_name: str, effectiveness: float, replicability: float, comment: str,
             rubric: CityRubric = CITY_RUBRIC) -> list[EventPayload]:
    nominated = live(nomination, initiative_id)
    not_decided(state)
    maxima = {c.code: c.max_points for c in rubric.criteria}
    out = [f"{code}={value:g} (0–{maxima[code]:g})"
           for code, value in (("effectiveness", effectiveness), ("replicability", replicability))
           if not 0 <= value <= maxima[code]]
    if out:
        raise RuleViolation("Điểm ngoài khung: " + ", ".join(out), "points out of range", field="points",
                            rule="points_in_range", details={"out_of_range": out})
    return [CityAppraisalScored(
        initiative_id=nominated.initiative_id, campaign_id=nominated.campaign_id, year=nominated.year,
        member_id=member_id, member_name=member_name, effectiveness=effectiveness, replicability=replicability,
        comment=comment, revision=state.revisions.get(member_id, 0) + 1,
    )]


def decide(state: CityAppraisal, nomination: Nomination | None, initiative_id: str, *, recognised: bool,
           decision_number: str, decision_date: dt.date, decided_by: str, reason: str,
           rubric: CityRubric = CITY_RUBRIC) -> list[EventPayload]:
    if state.decision is not None:
        previous = state.decision
        raise Conflict(
            f"Thành phố đã quyết định về sáng kiến này ({previous.decision_number} ngày "
            f"{previous.decision_date:%d/%m/%Y}): mỗi sáng kiến chỉ quyết định một lần",
            f"the city already decided on this initiative ({previous.decision_number}); a decision is taken once",
            rule="city_decided_once", details={"decision_number": previous.decision_number,
                                               "recognised": previous.recognised})
    nominated = live(nomination, initiative_id)
    count = len(state.sheets)
    if count < rubric.quorum:
        raise RuleViolation(
            f"Chưa đủ túc số thẩm định: {count} thành viên hội đồng thành phố đã chấm, cần ít nhất {rubric.quorum}",
            f"no quorum: {count} city council members appraised it, at least {rubric.quorum} needed",
            rule="city_decision_needs_quorum", details={"appraisals": count, "needed": rubric.quorum})
    unmet = unmet_conditions(state, rubric)
    if recognised and unmet:
        raise RuleViolation("Chưa đủ điều kiện công nhận cấp thành phố: " + "; ".join(unmet),
                            "the council's scores do not meet the conditions of city-level recognition",
                            field="recognised", rule="city_conditions_met", details={"unmet": unmet})
    if not recognised and not reason.strip():
        raise RuleViolation("Cần ghi lý do không công nhận", "a reason is required when not recognising",
                            field="reason", rule="reason_required")
    current = means(state)
    return [CityRecognitionDecided(
        initiative_id=nominated.initiative_id, campaign_id=nominated.campaign_id, year=nominated.year,
        title=nominated.title, recognised=recognised, decision_number=decision_number, decision_date=decision_date,
        mean_effectiveness=current["effectiveness"], mean_replicability=current["replicability"],
        appraisals=count, reason=reason, decided_by=decided_by,
    )]
