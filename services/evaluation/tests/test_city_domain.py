"""The city council's appraisal as pure decide/evolve: given events, when a command, then events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reform_evaluation.application.city import CityBoard, appraisal_view
from reform_evaluation.domain import city
from reform_shared.coalesce import Upsert, apply_upsert
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.errors import Conflict, RuleViolation
from reform_shared.events import CityAppraisalScored, CityRecognitionDecided, Nominated, NominationWithdrawn
from reform_shared.store import StoredEvent

pytestmark = pytest.mark.domain

NOMINATED = city.Nomination("ninh-giang", "i-1", "cchc-2026", 2026, "Một cửa điện tử", active=True)
DECISION = {"decision_number": "1234/QĐ-UBND", "decision_date": dt.date(2026, 12, 10),
            "decided_by": "Chủ tịch UBND thành phố"}


def sheets(*scores: tuple[str, float, float]) -> list[EventPayload]:
    events: list[EventPayload] = []
    state = city.fold([])
    for member, effectiveness, replicability in scores:
        events += city.appraise(state, NOMINATED, "i-1", member, member.upper(), effectiveness, replicability, "")
        state = city.fold(events)
    return events


def test_a_member_scores_a_nominated_initiative_and_may_revise_the_last_sheet_counts() -> None:
    events = sheets(("a", 6, 7), ("b", 8, 8), ("a", 9, 9))
    assert [(e.member_id, e.revision) for e in events if isinstance(e, CityAppraisalScored)] == [
        ("a", 1), ("b", 1), ("a", 2)]
    state = city.fold(events)
    assert len(state.sheets) == 2 and city.means(state) == {"effectiveness": 8.5, "replicability": 8.5}
    first = events[0]
    assert isinstance(first, CityAppraisalScored)
    assert (first.campaign_id, first.year, first.aggregate_id()) == ("cchc-2026", 2026, "i-1")


@pytest.mark.parametrize("nomination", [None, city.Nomination("ninh-giang", "i-1", "c", 2026, "t", active=False)])
def test_only_a_live_nomination_is_appraised_or_decided(nomination: city.Nomination | None) -> None:
    with pytest.raises(RuleViolation) as refused:
        city.appraise(city.fold([]), nomination, "i-1", "a", "A", 8, 8, "")
    assert refused.value.rule == "city_appraises_nominated_only" and refused.value.field == "initiative_id"
    state = city.fold(sheets(("a", 8, 8), ("b", 8, 8), ("c", 8, 8)))
    with pytest.raises(RuleViolation) as decided:
        city.decide(state, nomination, "i-1", recognised=True, reason="", **DECISION)
    assert decided.value.rule == "city_appraises_nominated_only"


def test_points_outside_the_city_rubric_are_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        city.appraise(city.fold([]), NOMINATED, "i-1", "a", "A", 11, 8, "")
    assert refused.value.rule == "points_in_range" and "effectiveness=11" in refused.value.message_vi


def test_the_decision_needs_a_quorum_of_the_city_council() -> None:
    state = city.fold(sheets(("a", 8, 8), ("b", 8, 8), ("a", 9, 9)))  # two members, three sheets
    with pytest.raises(RuleViolation) as refused:
        city.decide(state, NOMINATED, "i-1", recognised=True, reason="", **DECISION)
    assert refused.value.rule == "city_decision_needs_quorum"
    assert refused.value.details == {"appraisals": 2, "needed": city.CITY_RUBRIC.quorum}


def test_recognition_carries_the_means_and_is_taken_once_and_fixes_the_sheets() -> None:
    events = sheets(("a", 8, 6), ("b", 7, 7), ("c", 9, 8))
    (decided,) = city.decide(city.fold(events), NOMINATED, "i-1", recognised=True, reason="", **DECISION)
    assert isinstance(decided, CityRecognitionDecided)
    assert (decided.recognised, decided.appraisals, decided.mean_effectiveness, decided.mean_replicability) == (
        True, 3, 8.0, 7.0)
    assert (decided.title, decided.decision_number, decided.year) == ("Một cửa điện tử", "1234/QĐ-UBND", 2026)
    after = city.fold([*events, decided])
    with pytest.raises(Conflict) as again:
        city.decide(after, NOMINATED, "i-1", recognised=False, reason="đổi ý", **DECISION)
    assert again.value.rule == "city_decided_once"
    with pytest.raises(Conflict) as late:
        city.appraise(after, NOMINATED, "i-1", "d", "D", 9, 9, "")
    assert late.value.rule == "city_decided_is_fixed"


def test_recognising_needs_the_conditions_and_declining_needs_a_reason() -> None:
    state = city.fold(sheets(("a", 8, 3), ("b", 7, 4), ("c", 9, 4)))  # replicability mean 3.67 < 5
    with pytest.raises(RuleViolation) as unmet:
        city.decide(state, NOMINATED, "i-1", recognised=True, reason="", **DECISION)
    assert unmet.value.rule == "city_conditions_met" and "Khả năng nhân rộng" in unmet.value.message_vi
    with pytest.raises(RuleViolation) as silent:
        city.decide(state, NOMINATED, "i-1", recognised=False, reason="  ", **DECISION)
    assert silent.value.rule == "reason_required" and silent.value.field == "reason"
    (declined,) = city.decide(state, NOMINATED, "i-1", recognised=False, reason="Khó nhân rộng", **DECISION)
    assert isinstance(declined, CityRecognitionDecided) and declined.recognised is False


def _stored(payload: EventPayload, commune: str = "ninh-giang", actor: str = "tp-1") -> StoredEvent:
    envelope = make_envelope(payload, commune_id=commune, version=1, correlation_id="c",
                             actor=Actor(user_id=actor, name="Lê Văn Tâm", commune_id="city"),
                             occurred_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    return StoredEvent(envelope, 1, "s")


def test_the_city_board_shows_each_nomination_with_its_appraisal_state() -> None:
    board = CityBoard()
    doc: dict[str, Any] = {"_id": "ninh-giang:i-1"}

    def apply(payload: EventPayload, actor: str = "tp-1") -> None:
        nonlocal doc
        (write,) = board.apply(_stored(payload, actor=actor))
        assert isinstance(write.op, Upsert) and write.op.key == "ninh-giang:i-1"
        doc = apply_upsert(doc, write.op)

    apply(Nominated(slate_id="2026", initiative_id="i-1", campaign_id="cchc-2026", year=2026, title="Một cửa",
                    summary="", field="c", mean_score=78.5))
    assert appraisal_view(doc)["status"] == "awaiting_appraisal"
    for member in ("x.y", "b", "c"):  # a dotted user id is one member, not a nested path
        apply(CityAppraisalScored(initiative_id="i-1", campaign_id="cchc-2026", year=2026, member_id=member,
                                  effectiveness=8, replicability=6), actor=member)
    view = appraisal_view(doc)
    assert (view["status"], view["appraisals"], view["quorum_reached"], view["conditions_met"]) == (
        "ready_for_decision", 3, True, True)
    assert [s["member_id"] for s in view["sheets"]] == ["b", "c", "x.y"]
    apply(CityRecognitionDecided(initiative_id="i-1", campaign_id="cchc-2026", year=2026, recognised=True,
                                 mean_effectiveness=8, mean_replicability=6, appraisals=3, **DECISION))
    assert appraisal_view(doc)["status"] == "recognised"
    apply(NominationWithdrawn(slate_id="2026", initiative_id="i-1"))
    assert doc["active"] is False
