"""The shared fold of the directory: units, officials and head terms on any date."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from reform_shared.commands import make_envelope
from reform_shared.directory_view import DirectoryView, HeadTerm, facts_of, meta_of
from reform_shared.envelope import Actor
from reform_shared.events import build_registry
from reform_shared.events.directory import (
    DirectoryImported,
    HeadEntry,
    OfficialEntry,
    OfficialLeft,
    OfficialMoved,
    OfficialRegistered,
    OfficialRolesChanged,
    OfficialUpdated,
    UnitAdded,
    UnitClosed,
    UnitEntry,
    UnitHeadAppointed,
    UnitHeadVacated,
    UnitUpdated,
)

pytestmark = pytest.mark.domain

JAN, MAR, JUN = dt.date(2026, 1, 1), dt.date(2026, 3, 1), dt.date(2026, 6, 1)


def day(month: int, d: int = 1) -> dt.date:
    return dt.date(2026, month, d)


def base() -> list:
    return [
        UnitAdded(effective=JAN, unit=UnitEntry(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội", kind="phong")),
        UnitAdded(effective=JAN, unit=UnitEntry(unit_id="kinh-te", name="Phòng Kinh tế", kind="phong")),
        OfficialRegistered(effective=JAN, official=OfficialEntry(
            official_id="do-minh", full_name="Đỗ Minh", position="Trưởng phòng", unit_id="vh-xh",
            email="minh@ninhgiang.gov.vn", roles=("council_member",))),
        OfficialRegistered(effective=JAN, official=OfficialEntry(
            official_id="ha", full_name="Phạm Thu Hà", unit_id="vh-xh", roles=("secretary",))),
        OfficialRegistered(effective=JAN, official=OfficialEntry(
            official_id="thu", full_name="Hoàng Thị Thu", unit_id="kinh-te")),
    ]


def test_units_and_officials_are_read_on_a_date() -> None:
    view = DirectoryView.fold([*base(), UnitUpdated(effective=MAR, unit=UnitEntry(
        unit_id="kinh-te", name="Phòng Kinh tế – Hạ tầng", kind="phong"))])
    assert view.unit("kinh-te", day(2)).name == "Phòng Kinh tế"  # type: ignore[union-attr]
    assert view.unit("kinh-te").name == "Phòng Kinh tế – Hạ tầng"  # type: ignore[union-attr]
    assert view.unit("kinh-te", dt.date(2025, 12, 31)) is None
    minh = view.official("do-minh")
    assert minh is not None and minh.unit_id == "vh-xh" and minh.position == "Trưởng phòng" and minh.active
    assert minh.email == "minh@ninhgiang.gov.vn" and minh.roles == ("council_member",)
    assert [o.official_id for o in view.members("vh-xh")] == ["do-minh", "ha"]


def test_a_head_term_runs_from_the_appointment_until_the_next_one() -> None:
    view = DirectoryView.fold([
        *base(), UnitHeadAppointed(effective=MAR, unit_id="vh-xh", official_id="do-minh"),
        UnitHeadAppointed(effective=JUN, unit_id="vh-xh", official_id="ha")])
    assert view.head_of("vh-xh", day(2, 28)) is None
    assert view.head_of("vh-xh", MAR) == "do-minh"
    assert view.head_of("vh-xh", day(5, 31)) == "do-minh"
    assert view.head_of("vh-xh", JUN) == "ha"
    assert view.head_terms("vh-xh") == [HeadTerm("vh-xh", "do-minh", MAR, day(5, 31)),
                                        HeadTerm("vh-xh", "ha", JUN, None)]
    assert view.effective_roles("do-minh", day(4)) == ("council_member", "unit_head")
    assert view.effective_roles("do-minh", JUN) == ("council_member",)
    assert view.effective_roles("ha", JUN) == ("secretary", "unit_head")


def test_a_vacancy_ends_the_term() -> None:
    view = DirectoryView.fold([*base(), UnitHeadAppointed(effective=MAR, unit_id="vh-xh", official_id="do-minh"),
                               UnitHeadVacated(effective=JUN, unit_id="vh-xh")])
    assert view.head_of("vh-xh", day(5, 31)) == "do-minh" and view.head_of("vh-xh", JUN) is None


def test_a_head_who_moves_stops_heading_and_does_not_head_again_on_return() -> None:
    view = DirectoryView.fold([
        *base(), UnitHeadAppointed(effective=MAR, unit_id="vh-xh", official_id="do-minh"),
        OfficialMoved(effective=JUN, official_id="do-minh", unit_id="kinh-te", position="Chuyên viên"),
        OfficialMoved(effective=day(9), official_id="do-minh", unit_id="vh-xh")])
    assert view.head_of("vh-xh", day(5, 31)) == "do-minh"
    assert view.head_of("vh-xh", JUN) is None and view.head_of("vh-xh", day(10)) is None
    assert view.official("do-minh", day(7)).unit_id == "kinh-te"  # type: ignore[union-attr]
    assert view.official("do-minh", day(7)).position == "Chuyên viên"  # type: ignore[union-attr]
    assert view.official("do-minh").unit_id == "vh-xh"  # type: ignore[union-attr]
    assert view.terms_of("do-minh") == [HeadTerm("vh-xh", "do-minh", MAR, day(5, 31))]


def test_a_head_who_leaves_stops_heading_and_loses_every_role() -> None:
    view = DirectoryView.fold([*base(), UnitHeadAppointed(effective=MAR, unit_id="vh-xh", official_id="do-minh"),
                               OfficialLeft(effective=JUN, official_id="do-minh", reason="Nghỉ hưu")])
    assert view.head_of("vh-xh", JUN) is None
    assert view.official("do-minh", day(5)).active  # type: ignore[union-attr]
    left = view.official("do-minh", JUN)
    assert left is not None and not left.active and left.left_on == JUN
    assert view.effective_roles("do-minh", day(5)) == ("council_member", "unit_head")
    assert view.effective_roles("do-minh", JUN) == ()
    assert view.effective_roles("nobody", JUN) == ()


def test_a_back_dated_appointment_takes_its_place_in_the_past() -> None:
    view = DirectoryView.fold([*base(), UnitHeadAppointed(effective=JUN, unit_id="vh-xh", official_id="ha"),
                               UnitHeadAppointed(effective=MAR, unit_id="vh-xh", official_id="do-minh")])
    assert view.head_terms("vh-xh") == [HeadTerm("vh-xh", "do-minh", MAR, day(5, 31)),
                                        HeadTerm("vh-xh", "ha", JUN, None)]


def test_a_back_dated_move_ends_a_term_from_its_date() -> None:
    view = DirectoryView.fold([*base(), UnitHeadAppointed(effective=MAR, unit_id="vh-xh", official_id="do-minh"),
                               OfficialMoved(effective=day(4, 15), official_id="do-minh", unit_id="kinh-te")])
    assert view.head_of("vh-xh", day(4, 14)) == "do-minh" and view.head_of("vh-xh", day(4, 15)) is None


def test_an_appointment_of_someone_outside_the_unit_starts_no_term() -> None:
    view = DirectoryView.fold([*base(), UnitHeadAppointed(effective=MAR, unit_id="vh-xh", official_id="thu")])
    assert view.head_of("vh-xh", JUN) is None and view.effective_roles("thu", JUN) == ()


def test_a_move_and_an_appointment_on_one_day_make_a_head() -> None:
    view = DirectoryView.fold([*base(), OfficialMoved(effective=MAR, official_id="thu", unit_id="vh-xh"),
                               UnitHeadAppointed(effective=MAR, unit_id="vh-xh", official_id="thu")])
    assert view.head_of("vh-xh", MAR) == "thu"


def test_a_closed_unit_has_no_head_from_its_closure() -> None:
    view = DirectoryView.fold([
        *base(), UnitHeadAppointed(effective=MAR, unit_id="kinh-te", official_id="thu"),
        OfficialMoved(effective=JUN, official_id="thu", unit_id="vh-xh"),
        UnitClosed(effective=JUN, unit_id="kinh-te", reason="Sáp nhập")])
    closed = view.unit("kinh-te")
    assert closed is not None and closed.closed and closed.closed_on == JUN
    assert view.unit("kinh-te", day(5)).closed is False  # type: ignore[union-attr]
    assert view.head_of("kinh-te", JUN) is None and view.head_of("kinh-te", day(5)) == "thu"


def test_re_appointment_without_a_break_is_one_term() -> None:
    view = DirectoryView.fold([*base(), UnitHeadAppointed(effective=MAR, unit_id="vh-xh", official_id="ha"),
                               UnitHeadAppointed(effective=JUN, unit_id="vh-xh", official_id="ha")])
    assert view.head_terms("vh-xh") == [HeadTerm("vh-xh", "ha", MAR, None)]


def test_updates_and_roles_keep_their_history() -> None:
    view = DirectoryView.fold([
        *base(), OfficialUpdated(effective=MAR, official_id="ha", full_name="Phạm Thu Hà", position="Phó phòng",
                                 email="ha@ninhgiang.gov.vn", phone="0912345678"),
        OfficialRolesChanged(effective=JUN, official_id="ha", roles=("secretary", "operator"))])
    assert view.official("ha", day(2)).email is None  # type: ignore[union-attr]
    assert view.official("ha").phone == "0912345678"  # type: ignore[union-attr]
    assert view.official("ha", day(5)).roles == ("secretary",)  # type: ignore[union-attr]
    assert view.effective_roles("ha", JUN) == ("secretary", "operator")
    assert [f["k"] for f in view.history("ha")] == ["official", "unit_of", "roles", "official", "roles"]


def test_an_import_upserts_units_and_officials_and_appoints_heads_at_its_date() -> None:
    imported = DirectoryImported(
        effective=MAR, import_id="imp-1", source_name="danh-ba.xlsx",
        units=(UnitEntry(unit_id="thon-dong", name="Thôn Đông", kind="thon"),
               UnitEntry(unit_id="kinh-te", name="Phòng Kinh tế", kind="phong")),
        officials=(OfficialEntry(official_id="truong-thon", full_name="Nguyễn Văn Tâm", unit_id="thon-dong"),
                   OfficialEntry(official_id="do-minh", full_name="Đỗ Minh", unit_id="kinh-te",
                                 position="Chuyên viên")),
        heads=(HeadEntry(unit_id="thon-dong", official_id="truong-thon"),))
    view = DirectoryView.fold([*base(), UnitHeadAppointed(effective=JAN, unit_id="vh-xh", official_id="do-minh"),
                               imported])
    assert view.head_of("thon-dong", MAR) == "truong-thon" and view.head_of("thon-dong", day(2)) is None
    assert view.head_of("vh-xh", day(2)) == "do-minh" and view.head_of("vh-xh", MAR) is None  # moved by the import
    assert view.official("do-minh").unit_id == "kinh-te"  # type: ignore[union-attr]
    assert view.official("do-minh").roles == ()  # type: ignore[union-attr]  # the sheet's roles replace
    assert view.unit("thon-dong").since == MAR  # type: ignore[union-attr]


def test_the_view_round_trips_through_plain_dicts_and_facts_appended_one_by_one() -> None:
    events = [*base(), UnitHeadAppointed(effective=MAR, unit_id="vh-xh", official_id="do-minh"),
              OfficialLeft(effective=JUN, official_id="ha")]
    view = DirectoryView.fold(events)
    stored = json.loads(json.dumps(view.to_dict()))
    again = DirectoryView.from_dict(stored)
    assert again.to_dict() == view.to_dict() and again.head_of("vh-xh", MAR) == "do-minh"
    pushed = DirectoryView.from_dict({"facts": [f for e in events for f in facts_of(e)]})
    assert pushed.officials() == view.officials()
    assert DirectoryView.from_dict(None).units() == []


def test_facts_carry_who_recorded_them() -> None:
    actor = Actor(user_id="ha", commune_id="ninh-giang", roles=("secretary",))
    envelope = make_envelope(base()[0], commune_id="ninh-giang", version=1, actor=actor,
                             occurred_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC), correlation_id="c")
    view = DirectoryView().applied_envelopes([envelope])
    fact = view.unit_history("vh-xh")[0]
    assert fact["by"] == "ha" and fact["event_id"] == envelope.event_id and fact == facts_of(
        envelope.payload, meta_of(envelope))[0]
    assert build_registry() is not None


def test_other_events_state_no_facts() -> None:
    from reform_shared.events import InitiativeWithdrawn

    assert facts_of(InitiativeWithdrawn(initiative_id="i", campaign_id="c", reason="Trùng lặp")) == []
