"""Evaluation rules as pure functions: given events, when a command, then events or a named rule."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from reform_evaluation.domain import council as councils
from reform_evaluation.domain import evaluation as evaluations
from reform_evaluation.domain import slate as slates
from reform_evaluation.domain.conflicts import Heads, automatic_conflict
from reform_evaluation.domain.results import Ranked, Sheet, normalised, quorum_needed, ranking, result_of
from reform_evaluation.domain.rubric import DEFAULT_RUBRIC, weighted_total
from reform_evaluation.domain.scoring import record_score
from reform_evaluation.domain.sources import CampaignView, Candidate
from reform_shared.directory_view import DirectoryView
from reform_shared.errors import Conflict, Forbidden, RuleViolation
from reform_shared.events import (
    AuthorRef,
    CouncilConstituted,
    CouncilMember,
    CouncilMembershipChanged,
    InitiativeContent,
    InitiativeNotRecognized,
    InitiativeRecognized,
    Nominated,
    RecognitionDecisionSigned,
    ScoreRecorded,
    UnitRef,
)
from reform_shared.events.directory import OfficialEntry, OfficialRegistered, UnitAdded, UnitEntry, UnitHeadAppointed

pytestmark = pytest.mark.domain

VN = dt.timezone(dt.timedelta(hours=7))
CLOSED = dt.datetime(2026, 9, 25, 17, 0, tzinfo=VN)
SCORING = dt.datetime(2026, 9, 27, 9, 0, tzinfo=VN)
CAMPAIGN = CampaignView("cchc-2026", 2026, CLOSED, dt.date(2026, 9, 29), dt.date(2026, 9, 30), 2)
MEMBERS = (
    CouncilMember(user_id="chu-tich", name="Vũ Văn Nam", role="chair"),
    CouncilMember(user_id="thu-ky", name="Phạm Thu Hà", role="secretary", unit_id="vh-xh"),
    CouncilMember(user_id="lan", name="Nguyễn Thị Lan", unit_id="tt-phvhcc"),
    CouncilMember(user_id="truong-vhxh", name="Đỗ Minh", unit_id="vh-xh", heads_unit=True),
    CouncilMember(user_id="hung", name="Trần Văn Hùng", unit_id="kinh-te"),
)
CONSTITUTED = CouncilConstituted(campaign_id="cchc-2026", decision_number="210/QĐ-UBND",
                                 decision_date=dt.date(2026, 9, 20), members=MEMBERS, rubric=DEFAULT_RUBRIC)
COUNCIL = replace(councils.fold([CONSTITUTED]), scoring_opened=True)  # type: ignore[type-var]
CANDIDATE = Candidate("i-1", "cchc-2026", InitiativeContent(
    title="Một cửa điện tử", unit=UnitRef(unit_id="vh-xh", name="Phòng VH-XH"), author_kind="individual",
    authors=(AuthorRef(user_id="lan", name="Nguyễn Thị Lan"),), field="c", summary="Tóm tắt"),
    dt.datetime(2026, 9, 1, tzinfo=VN))
GOOD = {"novelty": 8, "effectiveness": 8, "replicability": 7, "feasibility": 8, "creativity": 6}
NO_STATE = evaluations.EvaluationState()


def score(member: str, points: dict[str, float] = GOOD, **kw: object) -> list:  # type: ignore[type-arg]
    args = {"previous": [], "council": COUNCIL, "campaign": CAMPAIGN, "candidate": CANDIDATE,
            "evaluation": NO_STATE, "member_id": member, "points": points, "comment": "", "now": SCORING}
    args.update(kw)
    return record_score(**args)  # type: ignore[arg-type]


# -- council and rubric ------------------------------------------------------------------------
def test_a_council_needs_one_chair_and_three_members() -> None:
    assert councils.constitute(None, CONSTITUTED) == [CONSTITUTED]
    with pytest.raises(RuleViolation) as caught:
        councils.constitute(None, CONSTITUTED.model_copy(update={"members": MEMBERS[1:]}))
    assert caught.value.rule == "council_composition"


def test_membership_changes_freely_before_scoring_and_only_with_a_reason_after() -> None:
    before = councils.fold([CONSTITUTED])
    change = CouncilMembershipChanged(campaign_id="cchc-2026", members=MEMBERS[:4])
    assert councils.change_members(before, change)[0].after_scoring_opened is False  # type: ignore[attr-defined]
    with pytest.raises(RuleViolation) as caught:
        councils.change_members(COUNCIL, change)
    assert caught.value.rule == "membership_change_after_scoring_needs_reason"
    (recorded,) = councils.change_members(COUNCIL, change.model_copy(update={"reason": "Ông Hùng nghỉ ốm"}))
    assert recorded.after_scoring_opened is True  # type: ignore[attr-defined]


def test_the_rubric_is_versioned_and_fixed_once_scoring_opens() -> None:
    before = councils.fold([CONSTITUTED])
    (new,) = councils.set_rubric(before, "cchc-2026", DEFAULT_RUBRIC.model_copy(update={"pass_threshold": 60}))
    assert new.rubric.version == 2  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as caught:
        councils.set_rubric(COUNCIL, "cchc-2026", DEFAULT_RUBRIC)
    assert caught.value.rule == "rubric_fixed_once_scoring"


def test_a_rubric_whose_weights_do_not_add_up_is_refused() -> None:
    crooked = DEFAULT_RUBRIC.model_copy(update={"criteria": DEFAULT_RUBRIC.criteria[:4]})
    with pytest.raises(RuleViolation) as caught:
        councils.set_rubric(councils.fold([CONSTITUTED]), "cchc-2026", crooked)
    assert caught.value.rule == "rubric_coherent"


def test_scoring_opens_only_after_submissions_close() -> None:
    with pytest.raises(RuleViolation):
        councils.open_scoring(councils.fold([CONSTITUTED]), "cchc-2026", CLOSED - dt.timedelta(hours=1), CLOSED)
    assert councils.open_scoring(councils.fold([CONSTITUTED]), "cchc-2026", CLOSED, CLOSED)


# -- scoring -----------------------------------------------------------------------------------
def test_a_member_scores_and_the_weighted_total_is_out_of_100() -> None:
    (recorded,) = score("hung")
    assert isinstance(recorded, ScoreRecorded) and recorded.revision == 1
    assert recorded.weighted_total == weighted_total(DEFAULT_RUBRIC, GOOD) == 76.0


def test_a_revision_is_numbered_and_kept() -> None:
    (first,) = score("hung")
    (second,) = score("hung", previous=[first])
    assert second.revision == 2  # type: ignore[attr-defined]


def test_points_out_of_range_or_missing_are_refused() -> None:
    for points in ({**GOOD, "novelty": 11}, {**GOOD, "novelty": -1}, {k: v for k, v in GOOD.items() if k != "novelty"},
                   {**GOOD, "beauty": 3}):
        with pytest.raises(RuleViolation) as caught:
            score("hung", points)
        assert caught.value.rule == "points_in_range"


def test_scoring_is_refused_outside_its_window() -> None:
    for now in (CLOSED - dt.timedelta(minutes=1), dt.datetime(2026, 9, 30, 8, 0, tzinfo=VN)):
        with pytest.raises(RuleViolation) as caught:
            score("hung", now=now)
        assert caught.value.rule == "scoring_window"


def test_the_author_a_co_author_and_the_head_of_the_authors_unit_are_conflicted() -> None:
    coauthored = replace(CANDIDATE, content=CANDIDATE.content.model_copy(update={"authors": (
        AuthorRef(user_id="x", name="X"), AuthorRef(user_id="hung", name="Trần Văn Hùng"))}))
    for member, candidate in (("lan", CANDIDATE), ("truong-vhxh", CANDIDATE), ("hung", coauthored)):
        with pytest.raises(Forbidden) as caught:
            score(member, candidate=candidate)
        assert caught.value.rule == "conflicted_member_cannot_score"
    assert score("thu-ky")  # same unit as the author, but does not head it


def test_a_declared_conflict_prevents_scoring() -> None:
    (declared,) = evaluations.declare_conflict(NO_STATE, COUNCIL, CANDIDATE, "hung", "Là người thân của tác giả")
    with pytest.raises(Forbidden):
        score("hung", evaluation=evaluations.fold([declared]))


def test_no_score_for_a_withdrawn_or_finalised_initiative_or_by_a_non_member() -> None:
    with pytest.raises(Conflict):
        score("hung", candidate=replace(CANDIDATE, withdrawn=True))
    finalised = evaluations.EvaluationState(outcome=InitiativeNotRecognized(
        initiative_id="i-1", campaign_id="cchc-2026", result=result_of(DEFAULT_RUBRIC, [], 3), reasons=("x",)))
    with pytest.raises(Conflict):
        score("hung", evaluation=finalised)
    with pytest.raises(Forbidden):
        score("outsider")


# -- finalising --------------------------------------------------------------------------------
def sheets(*members: str, points: dict[str, float] = GOOD) -> list[ScoreRecorded]:
    return [score(m, points)[0] for m in members]  # type: ignore[misc]


def test_finalising_without_quorum_gives_the_counts() -> None:
    # eligible: chu-tich, thu-ky, hung (lan authored, truong-vhxh heads the unit) -> quorum 2 of 3
    assert quorum_needed(DEFAULT_RUBRIC, 3) == 2
    with pytest.raises(RuleViolation) as caught:
        evaluations.finalise(NO_STATE, COUNCIL, CANDIDATE, sheets("hung"))
    assert caught.value.rule == "finalise_needs_quorum"
    assert "1/3" in caught.value.message_vi and "cần ít nhất 2" in caught.value.message_vi


def test_a_good_initiative_with_quorum_is_recognised_with_its_snapshot() -> None:
    (outcome,) = evaluations.finalise(NO_STATE, COUNCIL, CANDIDATE, sheets("hung", "thu-ky"))
    assert isinstance(outcome, InitiativeRecognized)
    assert (outcome.result.scored, outcome.result.eligible, outcome.result.mean_total) == (2, 3, 76.0)


def test_an_unmet_condition_is_not_recognised_and_says_why() -> None:
    weak = {**GOOD, "novelty": 3}
    (outcome,) = evaluations.finalise(NO_STATE, COUNCIL, CANDIDATE, sheets("hung", "thu-ky", points=weak))
    assert isinstance(outcome, InitiativeNotRecognized)
    assert any("Tính mới" in reason for reason in outcome.reasons)


def test_a_conflicted_members_sheet_does_not_count() -> None:
    (declared,) = evaluations.declare_conflict(NO_STATE, COUNCIL, CANDIDATE, "thu-ky", "Cùng tổ công tác")
    state = evaluations.fold([declared])
    early = sheets("hung", "thu-ky", "chu-tich")  # thu-ky scored before declaring
    (outcome,) = evaluations.finalise(state, COUNCIL, CANDIDATE, early)
    assert outcome.result.scored == 2 and outcome.result.eligible == 2  # type: ignore[attr-defined]


def test_an_initiative_is_finalised_once() -> None:
    (outcome,) = evaluations.finalise(NO_STATE, COUNCIL, CANDIDATE, sheets("hung", "thu-ky"))
    with pytest.raises(Conflict):
        evaluations.finalise(evaluations.fold([outcome]), COUNCIL, CANDIDATE, sheets("hung", "thu-ky"))


# -- aggregates --------------------------------------------------------------------------------
def test_mean_median_spread_and_conditions() -> None:
    result = result_of(DEFAULT_RUBRIC, [Sheet("a", GOOD, 76.0), Sheet("b", GOOD, 40.0), Sheet("c", GOOD, 70.0)], 4)
    assert (result.mean_total, result.median_total, result.spread, result.scored) == (62.0, 70.0, 36.0, 3)
    assert result.conditions == {"novelty": True, "effectiveness": True}


def test_normalised_scores_make_a_severe_and_a_lenient_member_comparable() -> None:
    z = normalised({"severe": {"i1": 40, "i2": 60}, "lenient": {"i1": 80, "i2": 100}, "single": {"i1": 70}})
    assert z["severe"] == z["lenient"] == {"i1": -1.0, "i2": 1.0}
    assert z["single"] == {"i1": None}


def test_the_ranking_breaks_ties_by_effectiveness_then_novelty_then_submission_time() -> None:
    def ranked(i: str, mean: float, eff: float, nov: float, at: str) -> Ranked:
        result = result_of(DEFAULT_RUBRIC, [], 0).model_copy(update={
            "mean_total": mean, "criterion_means": {"effectiveness": eff, "novelty": nov}})
        return Ranked(i, result, at)

    items = [ranked("d", 70, 7, 7, "2026-09-02"), ranked("c", 70, 7, 7, "2026-09-01"),
             ranked("b", 70, 7, 8, "2026-09-03"), ranked("a", 70, 8, 1, "2026-09-04"), ranked("e", 71, 1, 1, "z")]
    assert [r.initiative_id for r in ranking(items)] == ["e", "a", "b", "c", "d"]


# -- nomination to the city --------------------------------------------------------------------
RECOGNISED = InitiativeRecognized(initiative_id="i-1", campaign_id="cchc-2026",
                                  result=result_of(DEFAULT_RUBRIC, [Sheet("a", GOOD, 76.0)], 1))


def nominated(initiative_id: str, title: str) -> Nominated:
    return Nominated(slate_id="2026", initiative_id=initiative_id, campaign_id="cchc-2026", year=2026, title=title,
                     summary="", field="c")


def test_a_recognised_initiative_is_nominated_with_what_the_city_needs() -> None:
    decision = RecognitionDecisionSigned(campaign_id="cchc-2026", decision_number="250/QĐ-UBND",
                                         decision_date=dt.date(2026, 9, 29), signer="Chủ tịch UBND xã",
                                         initiative_ids=("i-1",))
    (event,) = slates.nominate([], CAMPAIGN, CANDIDATE, RECOGNISED, decision, SCORING)
    assert isinstance(event, Nominated)
    assert (event.title, event.summary, event.decision_number, event.mean_score) == (
        "Một cửa điện tử", "Tóm tắt", "250/QĐ-UBND", 76.0)
    assert event.author_names == ("Nguyễn Thị Lan",) and event.result is not None


def test_a_nomination_carries_the_communes_reason() -> None:
    (event,) = slates.nominate([], CAMPAIGN, CANDIDATE, RECOGNISED, None, SCORING, "  Nhân rộng được toàn thành phố ")
    assert isinstance(event, Nominated) and event.reason == "Nhân rộng được toàn thành phố"
    assert nominated("i-7", "Cũ").reason == ""  # a Nominated recorded before the reason existed


def test_an_unrecognised_initiative_cannot_be_nominated() -> None:
    with pytest.raises(RuleViolation) as caught:
        slates.nominate([], CAMPAIGN, CANDIDATE, None, None, SCORING)
    assert caught.value.rule == "nominate_recognised_only"


def test_nominations_close_at_the_deadline() -> None:
    with pytest.raises(RuleViolation) as caught:
        slates.nominate([], CAMPAIGN, CANDIDATE, RECOGNISED, None, dt.datetime(2026, 10, 1, 8, 0, tzinfo=VN))
    assert caught.value.rule == "nomination_deadline"


def test_beyond_the_maximum_the_message_names_the_nominations_already_made() -> None:
    full = [nominated("i-8", "Số hóa hồ sơ"), nominated("i-9", "Zalo OA")]
    with pytest.raises(RuleViolation) as caught:
        slates.nominate(full, CAMPAIGN, CANDIDATE, RECOGNISED, None, SCORING)
    assert caught.value.rule == "max_nominations_per_year"
    assert "Số hóa hồ sơ" in caught.value.message_vi and "Zalo OA" in caught.value.message_vi
    withdrawn = slates.withdraw_nomination(full, CAMPAIGN, "i-9", SCORING, "Ưu tiên sáng kiến khác")
    assert slates.nominate(full + withdrawn, CAMPAIGN, CANDIDATE, RECOGNISED, None, SCORING)


def test_the_decision_lists_only_recognised_initiatives() -> None:
    signed = RecognitionDecisionSigned(campaign_id="cchc-2026", decision_number="250/QĐ-UBND",
                                       decision_date=dt.date(2026, 9, 29), signer="Chủ tịch", initiative_ids=("i-2",))
    with pytest.raises(RuleViolation) as caught:
        councils.sign_decision(COUNCIL, signed, {"i-1"})
    assert caught.value.rule == "decision_lists_recognised_only"


def test_the_directory_says_who_heads_the_authors_unit_on_the_day_of_the_scoring() -> None:
    """Hùng heads vh-xh from 28 September: not conflicted on the 27th, conflicted on the 28th; Đỗ Minh, typed
    as its head in the council, is not once the directory knows the unit (the directory wins); a unit the
    directory does not know keeps the council's flag."""
    jan = dt.date(2026, 1, 1)
    directory = DirectoryView.fold([
        UnitAdded(effective=jan, unit=UnitEntry(unit_id="vh-xh", name="Phòng VH-XH")),
        OfficialRegistered(effective=jan, official=OfficialEntry(official_id="hung", full_name="Trần Văn Hùng",
                                                                 unit_id="vh-xh")),
        UnitHeadAppointed(effective=dt.date(2026, 9, 28), unit_id="vh-xh", official_id="hung")])
    on_27, on_28 = Heads(directory, dt.date(2026, 9, 27)), Heads(directory, dt.date(2026, 9, 28))
    hung = CouncilMember(user_id="hung", name="Trần Văn Hùng", unit_id="vh-xh")
    assert automatic_conflict(hung, CANDIDATE, on_27) is None
    assert automatic_conflict(hung, CANDIDATE, on_28) == "là thủ trưởng đơn vị của tác giả (heads the author's unit)"
    assert automatic_conflict(MEMBERS[3], CANDIDATE, on_28) is None
    assert automatic_conflict(MEMBERS[3], CANDIDATE, Heads(DirectoryView(), dt.date(2026, 9, 28))) is not None
    assert automatic_conflict(MEMBERS[3], CANDIDATE) is not None
    score("hung", heads=on_27, council=replace(COUNCIL, members=(*MEMBERS[:4], hung)))  # type: ignore[type-var]
    with pytest.raises(Forbidden):
        score("hung", heads=on_28, council=replace(COUNCIL, members=(*MEMBERS[:4], hung)))  # type: ignore[type-var]
