"""The directory aggregate (`directory`/`main`, one per commune): each command decided on the shared view.

Rules are checked on the directory as it stands on the command's effective date (a back-dated appointment
needs the official in the unit on that date), ids against everything ever recorded (an id is never reused).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reform_directory.domain import rules
from reform_directory.domain.commands import (
    AddUnit,
    AppointHead,
    ChangeRoles,
    CloseUnit,
    DirectoryCommand,
    ImportDirectory,
    MoveOfficial,
    RecordDeparture,
    RegisterOfficial,
    UpdateOfficial,
    UpdateUnit,
    VacateHead,
)
from reform_shared.directory_view import DirectoryView
from reform_shared.envelope import EventPayload
from reform_shared.errors import RuleViolation
from reform_shared.events.directory import (
    DirectoryImported,
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


def check_unit(view: DirectoryView, c: DirectoryCommand, unit: UnitEntry, field: str = "unit") -> None:
    rules.slug_id(unit.unit_id, f"{field}.unit_id")
    rules.unit_kind_here(unit.kind, c.commune_id, f"{field}.kind")
    rules.parent_fits(view, unit.unit_id, unit.parent_id, c.effective, f"{field}.parent_id")


def check_official(view: DirectoryView, c: DirectoryCommand, o: OfficialEntry, field: str = "official") -> None:
    rules.slug_id(o.official_id, f"{field}.official_id")
    rules.email_format(o.email, f"{field}.email")
    rules.phone_format(o.phone, f"{field}.phone")
    rules.known_roles(o.roles, c.commune_id, f"{field}.roles")
    if o.unit_id is not None:
        rules.open_unit(view, o.unit_id, c.effective, f"{field}.unit_id")


def add_unit(view: DirectoryView, c: AddUnit) -> list[EventPayload]:
    rules.unit_id_unused(view, c.unit.unit_id)
    check_unit(view, c, c.unit)
    return [UnitAdded(effective=c.effective, unit=c.unit)]


def update_unit(view: DirectoryView, c: UpdateUnit) -> list[EventPayload]:
    current = rules.open_unit(view, c.unit.unit_id, c.effective, "unit.unit_id")
    check_unit(view, c, c.unit)
    same = (current.name, current.kind, current.parent_id) == (c.unit.name, c.unit.kind, c.unit.parent_id)
    return [] if same else [UnitUpdated(effective=c.effective, unit=c.unit)]


def close_unit(view: DirectoryView, c: CloseUnit) -> list[EventPayload]:
    unit = rules.known_unit(view, c.unit_id, c.effective)
    rules.not_closed_yet(view.unit(c.unit_id) or unit)
    rules.unit_empty(view, unit, c.effective)
    return [UnitClosed(effective=c.effective, unit_id=c.unit_id, reason=c.reason)]


def appoint_head(view: DirectoryView, c: AppointHead) -> list[EventPayload]:
    unit = rules.open_unit(view, c.unit_id, c.effective)
    official = rules.active_official(view, c.official_id, c.effective)
    moved: list[EventPayload] = []
    if c.move_into and official.unit_id != c.unit_id:
        moved = [OfficialMoved(effective=c.effective, official_id=c.official_id, unit_id=c.unit_id)]
    else:
        rules.head_in_unit(official, unit)
    if not moved and view.head_of(c.unit_id, c.effective) == c.official_id:
        return []
    return [*moved, UnitHeadAppointed(effective=c.effective, unit_id=c.unit_id, official_id=c.official_id)]


def vacate_head(view: DirectoryView, c: VacateHead) -> list[EventPayload]:
    rules.known_unit(view, c.unit_id, c.effective)
    if view.head_of(c.unit_id, c.effective) is None:
        raise RuleViolation(f"Đơn vị '{c.unit_id}' không có trưởng đơn vị vào ngày {c.effective:%d/%m/%Y}",
                            f"the unit '{c.unit_id}' has no head on {c.effective}", field="unit_id",
                            rule="head_to_vacate")
    return [UnitHeadVacated(effective=c.effective, unit_id=c.unit_id)]


def register_official(view: DirectoryView, c: RegisterOfficial) -> list[EventPayload]:
    rules.official_id_unused(view, c.official.official_id)
    check_official(view, c, c.official)
    return [OfficialRegistered(effective=c.effective, official=c.official)]


def update_official(view: DirectoryView, c: UpdateOfficial) -> list[EventPayload]:
    current = rules.active_official(view, c.official_id, c.effective)
    rules.email_format(c.email)
    rules.phone_format(c.phone)
    if (current.full_name, current.position, current.category, current.email, current.phone) == (
            c.full_name, c.position, c.category, c.email, c.phone):
        return []
    return [OfficialUpdated(effective=c.effective, official_id=c.official_id, full_name=c.full_name,
                            position=c.position, category=c.category, email=c.email, phone=c.phone)]


def move_official(view: DirectoryView, c: MoveOfficial) -> list[EventPayload]:
    current = rules.active_official(view, c.official_id, c.effective)
    rules.open_unit(view, c.unit_id, c.effective)
    if current.unit_id == c.unit_id and (not c.position or c.position == current.position):
        return []
    return [OfficialMoved(effective=c.effective, official_id=c.official_id, unit_id=c.unit_id, position=c.position)]


def change_roles(view: DirectoryView, c: ChangeRoles) -> list[EventPayload]:
    current = rules.active_official(view, c.official_id, c.effective)
    rules.known_roles(c.roles, c.commune_id)
    roles = tuple(dict.fromkeys(c.roles))
    return [] if set(roles) == set(current.roles) else [
        OfficialRolesChanged(effective=c.effective, official_id=c.official_id, roles=roles)]


def record_departure(view: DirectoryView, c: RecordDeparture) -> list[EventPayload]:
    rules.known_official(view, c.official_id, c.effective)
    rules.not_left_yet(view.official(c.official_id) or rules.known_official(view, c.official_id, c.effective))
    return [OfficialLeft(effective=c.effective, official_id=c.official_id, reason=c.reason)]


def import_directory(view: DirectoryView, c: ImportDirectory) -> list[EventPayload]:
    """The plan of a spreadsheet, checked whole against the directory it lands on (it may have changed since
    the rows were read: then a row's rule refuses it here)."""
    merged = view.applied([DirectoryImported(effective=c.effective, import_id=c.import_id, units=c.units)])
    for unit in c.units:
        if view.unit(unit.unit_id) is not None:
            rules.open_unit(view, unit.unit_id, c.effective, f"units.{unit.unit_id}")
        check_unit(merged, c, unit, f"units.{unit.unit_id}")
    for official in c.officials:
        existing = view.official(official.official_id)
        if existing is not None:
            rules.not_left_yet(existing)
        check_official(merged, c, official, f"officials.{official.official_id}")
    after = merged.applied([DirectoryImported(effective=c.effective, import_id=c.import_id,
                                              officials=c.officials)])
    for head in c.heads:
        headed = rules.open_unit(after, head.unit_id, c.effective, f"heads.{head.unit_id}")
        rules.head_in_unit(rules.active_official(after, head.official_id, c.effective), headed)
    if not (c.units or c.officials or c.heads):
        return []
    return [DirectoryImported(effective=c.effective, import_id=c.import_id, source_name=c.source_name,
                              units=c.units, officials=c.officials, heads=c.heads)]


DECIDERS: dict[type[DirectoryCommand], Callable[[DirectoryView, Any], list[EventPayload]]] = {
    AddUnit: add_unit, UpdateUnit: update_unit, CloseUnit: close_unit, AppointHead: appoint_head,
    VacateHead: vacate_head, RegisterOfficial: register_official, UpdateOfficial: update_official,
    MoveOfficial: move_official, ChangeRoles: change_roles, RecordDeparture: record_departure,
    ImportDirectory: import_directory,
}
"""The decision of each command, on the directory as its events fold."""


def decide(view: DirectoryView, command: DirectoryCommand) -> list[EventPayload]:
    return DECIDERS[type(command)](view, command)
