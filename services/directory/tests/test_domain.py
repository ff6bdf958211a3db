"""The directory's rules: given the events, when a command, then events or the named refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_directory.domain import commands as c
from reform_directory.domain.directory import decide
from reform_shared.directory_view import DirectoryView
from reform_shared.errors import Conflict, DomainError, NotFound, RuleViolation
from reform_shared.events.directory import (
    OfficialEntry,
    OfficialMoved,
    OfficialRegistered,
    UnitAdded,
    UnitEntry,
    UnitHeadAppointed,
)

pytestmark = pytest.mark.domain

JAN, MAR = dt.date(2026, 1, 1), dt.date(2026, 3, 1)
C = "ninh-giang"


def view() -> DirectoryView:
    return DirectoryView.fold([
        UnitAdded(effective=JAN, unit=UnitEntry(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội", kind="phong")),
        UnitAdded(effective=JAN, unit=UnitEntry(unit_id="kinh-te", name="Phòng Kinh tế", kind="phong")),
        OfficialRegistered(effective=JAN, official=OfficialEntry(official_id="do-minh", full_name="Đỗ Minh",
                                                                 unit_id="vh-xh")),
        OfficialRegistered(effective=JAN, official=OfficialEntry(official_id="thu", full_name="Hoàng Thị Thu",
                                                                 unit_id="kinh-te")),
    ])


def refused(command: c.DirectoryCommand, kind: type[DomainError], rule: str, state: DirectoryView | None = None
            ) -> DomainError:
    with pytest.raises(kind) as caught:
        decide(state or view(), command)
    assert caught.value.rule == rule, caught.value.rule
    assert caught.value.message_vi and caught.value.message_en
    return caught.value


def unit(unit_id: str = "tt", parent: str | None = None, kind: str = "trung_tam") -> UnitEntry:
    return UnitEntry(unit_id=unit_id, name="Trung tâm Phục vụ hành chính công", kind=kind,  # type: ignore[arg-type]
                     parent_id=parent)


def test_a_unit_is_added_under_an_existing_parent_with_a_fresh_slug() -> None:
    [added] = decide(view(), c.AddUnit(commune_id=C, effective=MAR, unit=unit(parent="vh-xh")))
    assert isinstance(added, UnitAdded) and added.unit.parent_id == "vh-xh"
    refused(c.AddUnit(commune_id=C, effective=MAR, unit=unit("vh-xh")), Conflict, "unit_id_unique")
    refused(c.AddUnit(commune_id=C, effective=MAR, unit=unit("Trung Tam")), RuleViolation, "slug_id")
    refused(c.AddUnit(commune_id=C, effective=MAR, unit=unit(parent="nowhere")), NotFound, "known_unit")
    refused(c.AddUnit(commune_id=C, effective=MAR, unit=unit(kind="so")), RuleViolation, "so_in_city_directory")
    assert decide(view(), c.AddUnit(commune_id="city", effective=MAR, unit=unit("so-noi-vu", kind="so")))


def test_a_unit_cannot_become_its_own_ancestor() -> None:
    state = view().applied(decide(view(), c.AddUnit(commune_id=C, effective=MAR, unit=unit(parent="vh-xh"))))
    moved = c.UpdateUnit(commune_id=C, effective=MAR, unit=UnitEntry(unit_id="vh-xh", name="Phòng VH-XH",
                                                                      parent_id="tt"))
    refused(moved, RuleViolation, "no_cycle", state)


def test_a_head_is_an_active_official_of_the_unit_or_moved_into_it() -> None:
    [appointed] = decide(view(), c.AppointHead(commune_id=C, effective=MAR, unit_id="vh-xh", official_id="do-minh"))
    assert isinstance(appointed, UnitHeadAppointed)
    refused(c.AppointHead(commune_id=C, effective=MAR, unit_id="vh-xh", official_id="thu"), RuleViolation,
            "head_in_unit")
    moved, head = decide(view(), c.AppointHead(commune_id=C, effective=MAR, unit_id="vh-xh", official_id="thu",
                                               move_into=True))
    assert isinstance(moved, OfficialMoved) and isinstance(head, UnitHeadAppointed)
    refused(c.AppointHead(commune_id=C, effective=MAR, unit_id="vh-xh", official_id="ghost"), NotFound,
            "known_official")
    left = view().applied(decide(view(), c.RecordDeparture(commune_id=C, effective=JAN, official_id="do-minh")))
    refused(c.AppointHead(commune_id=C, effective=MAR, unit_id="vh-xh", official_id="do-minh"), RuleViolation,
            "official_active", left)
    refused(c.RecordDeparture(commune_id=C, effective=MAR, official_id="do-minh"), Conflict, "departed_once", left)


def test_a_back_dated_appointment_is_checked_on_its_date() -> None:
    before_joining = c.AppointHead(commune_id=C, effective=dt.date(2025, 12, 1), unit_id="vh-xh",
                                   official_id="do-minh")
    refused(before_joining, NotFound, "known_unit")


def test_roles_are_known_city_roles_stay_in_the_city_and_unit_head_comes_by_appointment() -> None:
    def roles(*r: str, commune: str = C) -> c.ChangeRoles:
        return c.ChangeRoles(commune_id=commune, effective=MAR, official_id="do-minh", roles=r)

    assert decide(view(), roles("council_member", "submitter"))
    refused(roles("boss"), RuleViolation, "known_roles")
    refused(roles("unit_head"), RuleViolation, "unit_head_by_appointment")
    refused(roles("city_council"), RuleViolation, "city_roles_in_city_directory")


def test_contacts_have_their_formats() -> None:
    def register(**contact: str) -> c.RegisterOfficial:
        return c.RegisterOfficial(commune_id=C, effective=MAR, official=OfficialEntry(
            official_id="lan", full_name="Nguyễn Thị Lan", unit_id="vh-xh", **contact))

    assert decide(view(), register(email="lan@ninhgiang.gov.vn", phone="0912345678"))
    refused(register(email="lan@"), RuleViolation, "email_format")
    refused(register(phone="12345"), RuleViolation, "phone_format")
    refused(c.RegisterOfficial(commune_id=C, effective=MAR, official=OfficialEntry(
        official_id="do-minh", full_name="Đỗ Minh")), Conflict, "official_id_unique")


def test_a_closed_unit_takes_no_one_and_closes_only_when_empty() -> None:
    refused(c.CloseUnit(commune_id=C, effective=MAR, unit_id="kinh-te"), RuleViolation, "unit_empty_to_close")
    state = view().applied(decide(view(), c.MoveOfficial(commune_id=C, effective=MAR, official_id="thu",
                                                         unit_id="vh-xh")))
    state = state.applied(decide(state, c.CloseUnit(commune_id=C, effective=MAR, unit_id="kinh-te", reason="Sáp nhập")))
    refused(c.MoveOfficial(commune_id=C, effective=MAR, official_id="thu", unit_id="kinh-te"), RuleViolation,
            "unit_open", state)
    refused(c.CloseUnit(commune_id=C, effective=MAR, unit_id="kinh-te"), Conflict, "unit_closed_once", state)


def test_nothing_to_change_decides_nothing() -> None:
    state = view()
    assert decide(state, c.MoveOfficial(commune_id=C, effective=MAR, official_id="thu", unit_id="kinh-te")) == []
    refused(c.VacateHead(commune_id=C, effective=MAR, unit_id="vh-xh"), RuleViolation, "head_to_vacate")
