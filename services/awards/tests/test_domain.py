"""Award rules of seed 004 as pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_awards.domain import award as awards
from reform_awards.domain.catalogue import FORMS
from reform_awards.domain.commands import RevokeAward
from reform_awards.domain.eligibility import Facts, InitiativeFact, assess
from reform_shared.directory_view import DirectoryView
from reform_shared.errors import Conflict, RuleViolation
from reform_shared.events import Achievement, AwardProposed, AwardRevoked, Basis, Recipient
from reform_shared.events.directory import (
    OfficialEntry,
    OfficialLeft,
    OfficialRegistered,
    UnitAdded,
    UnitClosed,
    UnitEntry,
)
from reform_shared.ids import VIETNAM

pytestmark = pytest.mark.domain

LAN = Recipient(kind="individual", recipient_id="lan", name="Nguyễn Thị Lan", unit_id="tt-phvhcc")
CENTRE = Recipient(kind="collective", recipient_id="tt-phvhcc", name="Trung tâm Phục vụ hành chính công")
COMMUNE = Recipient(kind="collective", recipient_id="ninh-giang", name="UBND xã Ninh Giang")
NOV = dt.datetime(2026, 11, 10, 9, 0, tzinfo=VIETNAM)
JAN = dt.date(2026, 1, 1)
IN = DirectoryView.fold([
    UnitAdded(effective=JAN, unit=UnitEntry(unit_id="tt-phvhcc", name="Trung tâm Phục vụ hành chính công")),
    OfficialRegistered(effective=JAN, official=OfficialEntry(official_id="lan", full_name="Nguyễn Thị Lan",
                                                             unit_id="tt-phvhcc"))])
"""The commune's directory: Lan works in the centre from 1 January."""


def fact(initiative_id: str = "i-1", *, year: int = 2026, recognised: bool = True, replicable: bool = True,
         effective: bool = True, authors: tuple[str, ...] = ("lan",), unit: str = "tt-phvhcc") -> InitiativeFact:
    return InitiativeFact(initiative_id, "Số hóa hồ sơ", unit, authors, year, recognised, replicable, effective,
                          (f"ev-{initiative_id}",))


def facts(*initiatives: InitiativeFact, rank: int | None = None) -> Facts:
    return Facts("ninh-giang", initiatives, rank, "commune", "ev-par" if rank else None)


def proposal(form: str = "giay-khen-xa", recipient: Recipient = LAN, year: int | None = 2026,
             basis: Basis = Basis(initiative_ids=("i-1",)), award_id: str = "a-1", period: str | None = None
             ) -> AwardProposed:
    level = FORMS[form].level if form in FORMS else "commune"
    return AwardProposed(award_id=award_id, level=level, year=year, form=form, recipient=recipient,  # type: ignore[arg-type]
                         basis=basis, period=period)


def eligible(form: str, recipient: Recipient, basis: Basis, f: Facts) -> bool:
    return assess(FORMS[form], recipient, basis, f).eligible


# -- eligibility -------------------------------------------------------------------------------
def test_commune_level_individual_needs_a_recognised_initiative_or_a_described_achievement() -> None:
    assert eligible("giay-khen-xa", LAN, Basis(initiative_ids=("i-1",)), facts(fact()))
    assert not eligible("giay-khen-xa", LAN, Basis(initiative_ids=("i-1",)), facts(fact(recognised=False)))
    advisory = Basis(achievements=(Achievement(kind="advisory", description="Tham mưu xuất sắc đề án số hóa"),))
    assert eligible("giay-khen-xa", LAN, advisory, facts())


def test_commune_level_collective_needs_an_effectively_applied_initiative() -> None:
    assert eligible("giay-khen-xa", CENTRE, Basis(initiative_ids=("i-1",)), facts(fact()))
    assert not eligible("giay-khen-xa", CENTRE, Basis(initiative_ids=("i-1",)), facts(fact(effective=False)))
    assert not eligible("giay-khen-xa", CENTRE, Basis(), facts(fact(unit="kinh-te")))


def test_city_level_collective_needs_a_replicable_initiative_and_a_top_5_par_rank() -> None:
    basis = Basis(initiative_ids=("i-1",), par_year=2026)
    assert eligible("bang-khen-tp", COMMUNE, basis, facts(fact(), rank=4))
    result = assess(FORMS["bang-khen-tp"], COMMUNE, basis, facts(fact(), rank=7))
    assert not result.eligible
    assert [c["met"] for c in result.explain()] == [True, False]
    assert str(result.explain()[1]["condition"]).endswith("(hạng 7)")
    assert not eligible("bang-khen-tp", COMMUNE, basis, facts(fact(replicable=False), rank=1))


def test_eligibility_names_the_events_that_show_each_condition() -> None:
    result = assess(FORMS["bang-khen-tp"], COMMUNE, Basis(initiative_ids=("i-1",)), facts(fact(), rank=2))
    assert [c["evidence"] for c in result.explain()] == [["ev-i-1"], ["ev-par"]]


def test_period_collective_needs_two_recognised_initiatives_or_three_outstanding_years() -> None:
    basis = Basis(initiative_ids=("i-1", "i-2"))
    assert eligible("khen-giai-doan-2026-2030", CENTRE, basis, facts(fact("i-1"), fact("i-2", year=2027)))
    assert not eligible("khen-giai-doan-2026-2030", CENTRE, basis, facts(fact("i-1"), fact("i-2", year=2025)))
    years = Basis(achievements=tuple(Achievement(kind="outstanding_year", description="Dẫn đầu khối xã", year=y)
                                     for y in (2026, 2027, 2028)))
    assert eligible("khen-giai-doan-2026-2030", CENTRE, years, facts())


def test_period_individual_needs_three_years_of_direct_reform_work() -> None:
    two = tuple(Achievement(kind="direct_reform_work", description="Cán bộ một cửa", year=y) for y in (2026, 2027))
    three = (*two, Achievement(kind="direct_reform_work", description="Cán bộ một cửa", year=2028))
    assert not eligible("khen-giai-doan-2026-2030", LAN, Basis(achievements=two), facts())
    assert eligible("khen-giai-doan-2026-2030", LAN, Basis(initiative_ids=("i-1",), achievements=three),
                    facts(fact()))


# -- proposing ---------------------------------------------------------------------------------
ELIGIBLE = assess(FORMS["giay-khen-xa"], LAN, Basis(initiative_ids=("i-1",)), facts(fact()))


def test_an_eligible_proposal_before_the_deadline_is_accepted() -> None:
    assert awards.propose({}, proposal(), ELIGIBLE, IN, NOV) == [proposal()]


def test_commune_annual_dossiers_close_on_20_november_and_ad_hoc_awards_are_exempt() -> None:
    late = dt.datetime(2026, 11, 20, 8, 0, tzinfo=VIETNAM)
    with pytest.raises(RuleViolation) as caught:
        awards.propose({}, proposal(), ELIGIBLE, IN, late)
    assert caught.value.rule == "dossier_deadline" and "20/11/2026" in caught.value.message_vi
    assert awards.propose({}, proposal(form="khen-dot-xuat"), ELIGIBLE, IN, late)


def test_city_dossiers_close_on_10_march_of_the_next_year() -> None:
    city = assess(FORMS["bang-khen-tp"], LAN, Basis(initiative_ids=("i-1",)), facts(fact()))
    assert awards.propose({}, proposal(form="bang-khen-tp"), city, IN, dt.datetime(2027, 3, 9, tzinfo=VIETNAM))
    with pytest.raises(RuleViolation):
        awards.propose({}, proposal(form="bang-khen-tp"), city, IN, dt.datetime(2027, 3, 10, 8, tzinfo=VIETNAM))


def test_at_most_one_individual_and_one_collective_city_award_per_commune_and_year() -> None:
    city = assess(FORMS["bang-khen-tp"], LAN, Basis(initiative_ids=("i-1",)), facts(fact()))
    existing = awards.fold([proposal(form="bang-khen-tp", award_id="bktp2026-a")])
    with pytest.raises(RuleViolation) as caught:
        awards.propose(existing, proposal(form="bang-khen-tp", award_id="bktp2026-b"), city, IN, NOV)
    assert caught.value.rule == "city_quota" and "bktp2026-a" in caught.value.message_vi
    collective = assess(FORMS["bang-khen-tp"], COMMUNE, Basis(initiative_ids=("i-1",)), facts(fact(), rank=1))
    assert awards.propose(existing, proposal(form="bang-khen-tp", recipient=COMMUNE, award_id="bktp2026-c"),
                          collective, IN, NOV, commune_id="ninh-giang")
    rejected = awards.fold([proposal(form="bang-khen-tp", award_id="bktp2026-a"),
                            *awards.reject(existing, "bktp2026-a", "Chưa đủ hồ sơ")])
    assert awards.propose(rejected, proposal(form="bang-khen-tp", award_id="bktp2026-b"), city, IN, NOV)


def test_a_form_that_does_not_fit_an_unknown_recipient_or_form_is_refused() -> None:
    with pytest.raises(RuleViolation) as unknown:
        awards.propose({}, proposal(), ELIGIBLE, DirectoryView(), NOV)
    assert unknown.value.rule == "recipient_in_directory"
    with pytest.raises(RuleViolation) as form:
        awards.propose({}, proposal(form="huan-chuong"), ELIGIBLE, IN, NOV)
    assert form.value.rule == "known_form"
    with pytest.raises(RuleViolation) as itself:
        awards.propose({}, proposal(recipient=COMMUNE), ELIGIBLE, IN, NOV, commune_id="ninh-giang")
    assert itself.value.rule == "form_fits_recipient"


def test_a_recipient_must_be_in_the_directory_on_the_proposal_date() -> None:
    """An active official or an open unit of the directory, or the commune itself; not one who left or a unit
    closed before the date, nor anyone the directory does not know."""
    left = IN.applied([OfficialLeft(effective=dt.date(2026, 10, 31), official_id="lan", reason="Nghỉ hưu"),
                       UnitClosed(effective=dt.date(2026, 10, 31), unit_id="tt-phvhcc")])
    stranger = Recipient(kind="individual", recipient_id="nobody", name="Không rõ")
    for directory, recipient, why in ((left, LAN, "left"), (left, CENTRE, "closed"), (IN, stranger, "unknown")):
        with pytest.raises(RuleViolation) as refused:
            awards.propose({}, proposal(recipient=recipient), ELIGIBLE, directory, NOV, commune_id="ninh-giang")
        error = refused.value
        assert (error.field, error.rule, error.details["reason"]) == ("recipient.recipient_id",
                                                                     "recipient_in_directory", why)
        assert "10/11/2026" in error.message_vi and "2026-11-10" in error.message_en
    before = dt.datetime(2026, 10, 30, 9, tzinfo=VIETNAM)  # the day before they left: still in it
    assert awards.propose({}, proposal(recipient=LAN), ELIGIBLE, left, before) == [proposal(recipient=LAN)]
    assert awards.propose({}, proposal(recipient=CENTRE), ELIGIBLE, left, before)
    assert awards.propose({}, proposal(form="bang-khen-tp", recipient=COMMUNE), ELIGIBLE, DirectoryView(), NOV,
                          commune_id="ninh-giang")
    with pytest.raises(RuleViolation):  # registered from 1 January: not yet in it on 31 December
        awards.propose({}, proposal(form="khen-dot-xuat"), ELIGIBLE, IN, dt.datetime(2025, 12, 31, tzinfo=VIETNAM))


def test_an_ineligible_proposal_is_refused_with_its_conditions() -> None:
    not_yet = assess(FORMS["giay-khen-xa"], LAN, Basis(initiative_ids=("i-1",)), facts(fact(recognised=False)))
    with pytest.raises(RuleViolation) as caught:
        awards.propose({}, proposal(), not_yet, IN, NOV)
    assert caught.value.rule == "eligible" and "chưa đạt" in caught.value.message_vi


def test_no_two_awards_for_one_achievement() -> None:
    holder = awards.fold([proposal(award_id="a-1")])["a-1"]
    with pytest.raises(RuleViolation) as caught:
        awards.one_award_per_achievement(holder, "i-1")
    assert caught.value.rule == "one_award_per_achievement" and "a-1" in caught.value.message_vi
    rejected = awards.fold([proposal(award_id="a-1"), *awards.reject({"a-1": holder}, "a-1", "Không đạt")])["a-1"]
    awards.one_award_per_achievement(rejected, "i-1")  # a rejected proposal frees its basis


# -- deciding ----------------------------------------------------------------------------------
def test_grant_then_revoke_and_no_decision_twice() -> None:
    state = awards.fold([proposal()])
    granted = awards.grant(state, "a-1", "125/QĐ-UBND", dt.date(2026, 11, 25), "Vũ Văn Nam")
    state = awards.fold([proposal(), *granted])
    assert state["a-1"].status == "granted" and state["a-1"].decision_number == "125/QĐ-UBND"
    with pytest.raises(Conflict):
        awards.grant(state, "a-1", "126/QĐ-UBND", dt.date(2026, 11, 26), "Vũ Văn Nam")
    revocation = revoke_by("140/QĐ-UBND", dt.date(2026, 12, 10))
    revoked = awards.fold([proposal(), *granted, *awards.revoke(state, revocation)])
    assert revoked["a-1"].status == "revoked"
    with pytest.raises(Conflict):
        awards.revoke(awards.fold([proposal()]), revocation)


def revoke_by(number: str, on: dt.date) -> RevokeAward:
    return RevokeAward(commune_id="ninh-giang", award_id="a-1", reason="Phát hiện sai phạm", decision_number=number,
                       decision_date=on, signer="Vũ Văn Nam")


def test_a_revocation_is_a_decision_of_its_own_after_the_grant() -> None:
    granted = awards.grant(awards.fold([proposal()]), "a-1", "125/QĐ-UBND", dt.date(2026, 11, 25), "Vũ Văn Nam")
    state = awards.fold([proposal(), *granted])
    [event] = awards.revoke(state, revoke_by("140/QĐ-UBND", dt.date(2026, 12, 10)))
    assert isinstance(event, AwardRevoked)
    assert (event.decision_number, event.decision_date, event.signer, event.reason) == (
        "140/QĐ-UBND", dt.date(2026, 12, 10), "Vũ Văn Nam", "Phát hiện sai phạm")
    with pytest.raises(RuleViolation) as early:
        awards.revoke(state, revoke_by("140/QĐ-UBND", dt.date(2026, 11, 24)))
    assert early.value.rule == "revoked_after_granted" and early.value.field == "decision_date"
    with pytest.raises(RuleViolation) as same:
        awards.revoke(state, revoke_by(" 125/qđ-ubnd ", dt.date(2026, 12, 10)))
    assert same.value.rule == "revocation_is_its_own_decision" and same.value.field == "decision_number"


def test_a_revocation_recorded_before_it_carried_its_decision_still_reads() -> None:
    old = AwardRevoked.model_validate({"award_id": "a-1", "reason": "Phát hiện sai phạm"})
    assert (old.decision_number, old.decision_date, old.signer) == (None, None, "")


# -- why, condition by condition ----------------------------------------------------------------
def whys(form: str, recipient: Recipient, basis: Basis, f: Facts) -> list[tuple[bool, str]]:
    return [(bool(c["met"]), str(c["why"])) for c in assess(FORMS[form], recipient, basis, f).explain()]


def test_each_condition_says_why_it_is_met_naming_the_initiative_and_its_year() -> None:
    met = whys("giay-khen-xa", LAN, Basis(initiative_ids=("i-1",)), facts(fact()))
    assert met == [(True, "Đạt nhờ sáng kiến «Số hóa hồ sơ» (năm 2026) đã được công nhận"),
                   (False, "Chưa mô tả thành tích tham mưu xuất sắc hoặc tinh thần trách nhiệm cao")]


def test_each_condition_says_why_it_is_not_met() -> None:
    not_hers = whys("giay-khen-xa", LAN, Basis(initiative_ids=("i-1",)),
                    facts(fact(recognised=False, authors=("hung",))))
    assert not_hers[0] == (False, "Chưa đạt: «Số hóa hồ sơ»: chưa được công nhận, người nhận không phải tác giả")
    assert whys("giay-khen-xa", CENTRE, Basis(), facts())[0] == (False, "Chưa chọn sáng kiến nào làm căn cứ")
    unranked = whys("bang-khen-tp", COMMUNE, Basis(initiative_ids=("i-1",)), facts(fact(replicable=False)))
    assert unranked == [(False, "Chưa đạt: «Số hóa hồ sơ»: không được đánh giá có khả năng nhân rộng"),
                        (False, "Chưa đạt: chưa có xếp hạng Chỉ số CCHC của năm này cho đơn vị")]
    assert whys("bang-khen-tp", COMMUNE, Basis(), facts(rank=7))[1] == (
        False, "Chưa đạt: hạng 7, ngoài nhóm 5 đứng đầu")


def test_period_conditions_count_initiatives_and_years() -> None:
    one = whys("khen-giai-doan-2026-2030", CENTRE, Basis(initiative_ids=("i-1", "i-2")),
               facts(fact("i-1"), fact("i-2", year=2025)))
    assert one[0] == (False, "Chưa đạt: mới có 1 sáng kiến được tính (sáng kiến «Số hóa hồ sơ» (năm 2026) đã được "
                             "công nhận), cần ít nhất 2; «Số hóa hồ sơ»: thuộc năm 2025, ngoài giai đoạn 2026–2030")
    two_years = Basis(achievements=tuple(Achievement(kind="direct_reform_work", description="Cán bộ một cửa", year=y)
                                         for y in (2026, 2027)))
    assert whys("khen-giai-doan-2026-2030", LAN, two_years, facts())[0] == (
        False, "Chưa đạt: 2 năm (2026, 2027); cần ít nhất 3 năm của giai đoạn 2026–2030")
