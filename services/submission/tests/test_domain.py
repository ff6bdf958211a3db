"""Given events, when a command, then events or a named rule — no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from reform_shared.envelope import Actor
from reform_shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from reform_shared.events import (
    AuthorRef,
    CampaignAmended,
    CampaignLaunched,
    InitiativeContent,
    InitiativeRevised,
    InitiativeSubmitted,
    TitleClaimed,
    UnitRef,
)
from reform_submission.domain import campaign as campaigns
from reform_submission.domain import initiative as initiatives
from reform_submission.domain import title as titles

pytestmark = pytest.mark.domain

VN = dt.timezone(dt.timedelta(hours=7))
OPENS = dt.datetime(2026, 3, 1, 8, 0, tzinfo=VN)
CLOSES = dt.datetime(2026, 4, 29, 17, 0, tzinfo=VN)  # seed 003 closes on 29/4
DURING = dt.datetime(2026, 4, 1, 9, 0, tzinfo=VN)
COMMUNE = "ninh-giang"
LAN = Actor(user_id="lan", name="Nguyễn Thị Lan", commune_id=COMMUNE, roles=("submitter",), unit_id="vh-xh")
HUNG = Actor(user_id="hung", name="Trần Văn Hùng", commune_id=COMMUNE, roles=("submitter",), unit_id="kinh-te")
SECRETARY = Actor(user_id="ha", commune_id=COMMUNE, roles=("secretary",))


def launched(**overrides: object) -> CampaignLaunched:
    values: dict[str, object] = {
        "campaign_id": "cchc-2026", "year": 2026, "title": "Phát động sáng kiến năm 2026",
        "fields": ("a", "c", "g"), "submission_opens_at": OPENS, "submission_closes_at": CLOSES,
    }
    values.update(overrides)
    return CampaignLaunched(**values)  # type: ignore[arg-type]


def content(**overrides: object) -> InitiativeContent:
    values: dict[str, object] = {
        "title": "Một cửa điện tử", "unit": UnitRef(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội"),
        "author_kind": "individual", "authors": (AuthorRef(user_id="lan", name="Nguyễn Thị Lan"),),
        "field": "c", "summary": "Tóm tắt sáng kiến",
    }
    values.update(overrides)
    return InitiativeContent(**values)  # type: ignore[arg-type]


def submitted(**overrides: object) -> InitiativeSubmitted:
    return InitiativeSubmitted(initiative_id="i-1", campaign_id="cchc-2026", content=content(**overrides))


CAMPAIGN = campaigns.fold([launched()])
assert CAMPAIGN is not None
SUBMITTED = initiatives.Initiative("i-1", "cchc-2026", content(), "submitted", 1, "lan", DURING)


# -- campaigns ---------------------------------------------------------------------------------
def test_a_new_campaign_is_launched() -> None:
    assert campaigns.launch(None, launched()) == [launched()]


def test_a_campaign_cannot_be_launched_twice() -> None:
    with pytest.raises(Conflict) as caught:
        campaigns.launch(CAMPAIGN, launched())
    assert caught.value.rule == "campaign_unique"


def test_a_campaign_opens_only_fields_of_the_catalogue() -> None:
    with pytest.raises(RuleViolation) as caught:
        campaigns.launch(None, launched(fields=("a", "z")))
    assert caught.value.rule == "fields_from_catalogue" and "z" in caught.value.message_vi


def test_a_campaign_window_must_close_after_it_opens() -> None:
    with pytest.raises(RuleViolation) as caught:
        campaigns.launch(None, launched(submission_closes_at=OPENS))
    assert caught.value.rule == "window_closes_after_opening"


def amended(**overrides: object) -> CampaignAmended:
    terms = campaigns.terms_of(launched()).model_dump()
    terms.update(overrides)
    return CampaignAmended(campaign_id="cchc-2026", **terms)


def test_a_campaign_is_amended_before_its_window_opens() -> None:
    events = campaigns.amend(CAMPAIGN, amended(fields=("a", "b", "c", "g")), OPENS - dt.timedelta(days=1))
    state = campaigns.fold([launched(), *events])
    assert state is not None and state.fields == ("a", "b", "c", "g")


def test_a_campaign_cannot_be_amended_once_its_window_opened() -> None:
    with pytest.raises(RuleViolation) as caught:
        campaigns.amend(CAMPAIGN, amended(title="Tên mới"), OPENS)
    assert caught.value.rule == "amend_before_window_opens"


def test_an_amendment_that_changes_nothing_appends_nothing() -> None:
    assert campaigns.amend(CAMPAIGN, amended(), OPENS - dt.timedelta(days=1)) == []


def test_submissions_closed_early_refuse_later_submissions() -> None:
    closing = campaigns.close_early(CAMPAIGN, "cchc-2026", DURING, "Đủ hồ sơ")
    state = campaigns.fold([launched(), *closing])
    assert state is not None and state.closes_at == DURING
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit(None, state, submitted(), DURING + dt.timedelta(minutes=1), LAN)
    assert caught.value.rule == "submission_deadline"


def test_submissions_cannot_close_before_they_open_or_twice() -> None:
    with pytest.raises(RuleViolation):
        campaigns.close_early(CAMPAIGN, "cchc-2026", OPENS - dt.timedelta(days=1), "")
    closed = campaigns.fold([launched(), *campaigns.close_early(CAMPAIGN, "cchc-2026", DURING, "")])
    with pytest.raises(Conflict) as caught:
        campaigns.close_early(closed, "cchc-2026", DURING + dt.timedelta(hours=1), "")
    assert caught.value.rule == "already_closed"


# -- submitting --------------------------------------------------------------------------------
def test_a_submission_inside_the_window_is_accepted() -> None:
    assert initiatives.submit(None, CAMPAIGN, submitted(), DURING, LAN) == [submitted()]


def test_a_submission_before_the_window_opens_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit(None, CAMPAIGN, submitted(), OPENS - dt.timedelta(minutes=1), LAN)
    assert caught.value.rule == "submission_window_open"


def test_a_submission_at_the_deadline_is_refused_and_the_message_gives_it() -> None:
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit(None, CAMPAIGN, submitted(), CLOSES, LAN)
    assert caught.value.rule == "submission_deadline"
    assert "17:00 ngày 29/04/2026" in caught.value.message_vi


def test_the_deadline_is_campaign_data_not_a_constant() -> None:
    late = campaigns.fold([launched(submission_closes_at=dt.datetime(2026, 9, 25, 17, 0, tzinfo=VN))])
    may = dt.datetime(2026, 5, 10, 9, 0, tzinfo=VN)
    assert initiatives.submit(None, late, submitted(), may, LAN)
    with pytest.raises(RuleViolation):
        initiatives.submit(None, CAMPAIGN, submitted(), may, LAN)


def test_a_field_the_campaign_does_not_open_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit(None, CAMPAIGN, submitted(field="e"), DURING, LAN)
    assert caught.value.rule == "field_open_in_campaign"
    assert "c) Cải cách thủ tục hành chính" in caught.value.message_vi


def test_a_sub_area_the_campaign_does_not_list_is_refused() -> None:
    with_areas = campaigns.fold([launched(sub_areas=("Khảo sát sự hài lòng",))])
    assert initiatives.submit(None, with_areas, submitted(sub_area="Khảo sát sự hài lòng"), DURING, LAN)
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit(None, with_areas, submitted(sub_area="Tuyển dụng"), DURING, LAN)
    assert caught.value.rule == "sub_area_open_in_campaign"


def test_an_individual_initiative_needs_an_author() -> None:
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit(None, CAMPAIGN, submitted(authors=()), DURING, SECRETARY)
    assert caught.value.rule == "individual_needs_author"
    assert initiatives.submit(None, CAMPAIGN, submitted(authors=(), author_kind="collective"), DURING, LAN)


def test_an_author_of_another_commune_is_refused() -> None:
    foreign = (AuthorRef(user_id="lan", name="Nguyễn Thị Lan"), AuthorRef(name="Lê Văn Tâm", commune_id="an-lao"))
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit(None, CAMPAIGN, submitted(authors=foreign), DURING, LAN)
    assert caught.value.rule == "authors_same_commune" and "an-lao" in caught.value.message_vi


def test_a_submitter_submits_only_initiatives_he_or_she_authors() -> None:
    with pytest.raises(Forbidden) as caught:
        initiatives.submit(None, CAMPAIGN, submitted(), DURING, HUNG)
    assert caught.value.rule == "own_initiative_only"


def test_a_unit_head_submits_for_his_or_her_unit_only_and_the_secretary_for_any() -> None:
    head = Actor(user_id="truong", commune_id=COMMUNE, roles=("unit_head",), unit_id="vh-xh")
    other_head = Actor(user_id="truong2", commune_id=COMMUNE, roles=("unit_head",), unit_id="kinh-te")
    assert initiatives.submit(None, CAMPAIGN, submitted(), DURING, head)
    assert initiatives.submit(None, CAMPAIGN, submitted(), DURING, SECRETARY)
    with pytest.raises(Forbidden):
        initiatives.submit(None, CAMPAIGN, submitted(), DURING, other_head)


def test_an_unknown_campaign_is_not_found_and_an_initiative_is_submitted_once() -> None:
    with pytest.raises(NotFound):
        initiatives.submit(None, None, submitted(), DURING, LAN)
    with pytest.raises(Conflict):
        initiatives.submit(SUBMITTED, CAMPAIGN, submitted(), DURING, LAN)


# -- revising, returning, withdrawing ----------------------------------------------------------
def test_an_author_revises_before_the_deadline_and_the_revision_is_numbered() -> None:
    (revised,) = initiatives.revise(SUBMITTED, "i-1", CAMPAIGN, content(title="Một cửa điện tử liên thông"),
                                    DURING, LAN)
    assert isinstance(revised, InitiativeRevised) and revised.revision == 2 and not revised.resubmission


def test_revising_after_the_deadline_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        initiatives.revise(SUBMITTED, "i-1", CAMPAIGN, content(title="Tên khác hẳn"), CLOSES, LAN)
    assert caught.value.rule == "submission_deadline"


def test_a_returned_dossier_is_resubmitted_even_after_the_deadline() -> None:
    returned = replace(SUBMITTED, status="returned", returned_reason="Thiếu số liệu")
    (revised,) = initiatives.revise(returned, "i-1", CAMPAIGN, content(), CLOSES + dt.timedelta(days=3), LAN)
    assert revised.resubmission is True and revised.revision == 2


def test_revising_someone_elses_initiative_is_forbidden() -> None:
    with pytest.raises(Forbidden) as caught:
        initiatives.revise(SUBMITTED, "i-1", CAMPAIGN, content(title="Tên khác hẳn"), DURING, HUNG)
    assert caught.value.rule == "own_initiative_only"


def test_nothing_can_be_done_to_a_withdrawn_initiative() -> None:
    withdrawn = replace(SUBMITTED, status="withdrawn")
    for act in (
        lambda: initiatives.revise(withdrawn, "i-1", CAMPAIGN, content(title="Tên khác hẳn"), DURING, LAN),
        lambda: initiatives.return_to_author(withdrawn, "i-1", "Thiếu hồ sơ"),
        lambda: initiatives.withdraw(withdrawn, "i-1", LAN, ""),
    ):
        with pytest.raises(Conflict) as caught:
            act()
        assert caught.value.rule == "withdrawn_is_final"


def test_only_a_submitted_dossier_is_returned() -> None:
    (returned,) = initiatives.return_to_author(SUBMITTED, "i-1", "Thiếu bảng số liệu trước/sau")
    assert returned.reason == "Thiếu bảng số liệu trước/sau"
    with pytest.raises(Conflict) as caught:
        initiatives.return_to_author(replace(SUBMITTED, status="returned"), "i-1", "Lần hai")
    assert caught.value.rule == "return_only_submitted"


def test_only_an_author_withdraws() -> None:
    assert initiatives.withdraw(SUBMITTED, "i-1", LAN, "Trùng ý tưởng")
    with pytest.raises(Forbidden):
        initiatives.withdraw(SUBMITTED, "i-1", HUNG, "")


# -- unique titles -----------------------------------------------------------------------------
def claimed_by(initiative_id: str, title: str = "Một cửa điện tử") -> list[TitleClaimed]:
    return [TitleClaimed(claim_id=titles.claim_id("cchc-2026", "vh-xh", title), campaign_id="cchc-2026",
                         unit_id="vh-xh", folded_title="mot cua dien tu", initiative_id=initiative_id)]


def test_a_title_is_compared_without_case_diacritics_or_normal_form() -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "MỘT CỬA  Điện Tử")
    assert titles.claim_id("c", "u", decomposed) == titles.claim_id("c", "u", "một cửa điện tử")
    assert titles.claim_id("c", "u", "Một cửa") != titles.claim_id("c", "other-unit", "Một cửa")


def test_the_same_title_from_the_same_unit_is_refused_naming_the_existing_initiative() -> None:
    with pytest.raises(RuleViolation) as caught:
        titles.claim(claimed_by("i-1"), SUBMITTED, campaign_id="cchc-2026", unit_id="vh-xh",
                     title="MOT CUA DIEN TU", claimant_id="i-2")
    assert caught.value.rule == "unique_title_per_unit"
    assert "i-1" in caught.value.message_vi and "Một cửa điện tử" in caught.value.message_vi


def test_a_title_is_free_again_when_its_holder_withdrew_or_renamed() -> None:
    for holder in (replace(SUBMITTED, status="withdrawn"), replace(SUBMITTED, content=content(title="Tên khác"))):
        (claim,) = titles.claim(claimed_by("i-1"), holder, campaign_id="cchc-2026", unit_id="vh-xh",
                                title="Một cửa điện tử", claimant_id="i-2")
        assert isinstance(claim, TitleClaimed) and claim.initiative_id == "i-2"


def test_a_title_already_held_by_the_claimant_needs_no_new_claim() -> None:
    assert titles.claim(claimed_by("i-1"), None, campaign_id="cchc-2026", unit_id="vh-xh",
                        title="Một cửa điện tử", claimant_id="i-1") == []


# -- commands, decided once --------------------------------------------------------------------
def test_each_command_is_decided_by_its_aggregates_decide() -> None:
    from reform_submission.domain.commands import LaunchCampaign, SubmitInitiative, WithdrawInitiative

    launch = LaunchCampaign(campaign_id="cchc-2026", year=2026, terms=campaigns.terms_of(launched()))
    assert campaigns.decide(None, launch, DURING) == [launched()]
    submit = SubmitInitiative(campaign_id="cchc-2026", content=content())
    assert initiatives.decide(None, submit, actor=LAN, now=DURING, campaign=CAMPAIGN, initiative_id="i-1") == [
        submitted()]
    (withdrawn,) = initiatives.decide(SUBMITTED, WithdrawInitiative(initiative_id="i-1", reason="Trùng"),
                                      actor=LAN, now=DURING)
    assert withdrawn.event_type == "InitiativeWithdrawn"


def test_what_refuses_a_submission_before_its_title_is_claimed_is_the_rule_its_decide_applies() -> None:
    with pytest.raises(RuleViolation) as caught:
        initiatives.may_submit(CAMPAIGN, "cchc-2026", content(), CLOSES, LAN)
    assert caught.value.rule == "submission_deadline"


def test_the_initiative_folds_its_payloads_from_the_origin_its_first_envelope_gives() -> None:
    origin = initiatives.Origin(submitted_by="lan", submitted_at=DURING)
    assert initiatives.fold([submitted()], origin) == SUBMITTED
    assert initiatives.fold([], None) is None
    assert initiatives.evolver.event_types == (
        "InitiativeSubmitted", "InitiativeRevised", "InitiativeReturned", "InitiativeWithdrawn")


def test_a_title_claim_judged_on_a_holder_that_changed_since_loses_the_race() -> None:
    from reform_shared.errors import ConcurrencyConflict

    wanted = titles.Claim("cchc-2026", "vh-xh", "Một cửa điện tử", claimant_id="i-2", seen=None)
    with pytest.raises(ConcurrencyConflict):
        titles.decide("i-1", wanted, None)
    (claim,) = titles.decide(None, wanted, None)
    assert isinstance(claim, TitleClaimed) and claim.initiative_id == "i-2"


def test_a_dossier_names_units_and_people_of_the_directory_once_the_commune_keeps_one() -> None:
    from reform_shared.directory_view import DirectoryView
    from reform_shared.events.directory import OfficialEntry, OfficialLeft, OfficialRegistered, UnitAdded, UnitEntry
    from reform_submission.domain import directory as directories

    jan, day = dt.date(2026, 1, 1), dt.date(2026, 9, 10)
    assert directories.absent_from(DirectoryView(), content(), day) is None  # no directory yet: as written
    directory = DirectoryView.fold([
        UnitAdded(effective=jan, unit=UnitEntry(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội")),
        OfficialRegistered(effective=jan, official=OfficialEntry(official_id="lan", full_name="Nguyễn Thị Lan",
                                                                 unit_id="vh-xh")),
        OfficialLeft(effective=dt.date(2026, 9, 1), official_id="lan")])
    assert [u.unit_id for u in directories.open_units(directory, day)] == ["vh-xh"]
    left = directories.absent_from(directory, content(), day)
    assert left is not None and (left.field, left.rule) == ("authors[0].user_id", "author_in_directory")
    assert directories.absent_from(directory, content(), dt.date(2026, 8, 31)) is None
    assert directories.absent_from(directory, content(), day, already=["lan"]) is None  # a revision keeps her
    unnamed = content(authors=(AuthorRef(name="Nguyễn Thị Lan"),))
    assert directories.absent_from(directory, unnamed, day) is None  # named by name only: not asked
    elsewhere = directories.absent_from(directory, content(unit=UnitRef(unit_id="x", name="X")), day, already=["lan"])
    assert elsewhere is not None and elsewhere.field == "unit.unit_id"
