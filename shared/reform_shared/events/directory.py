"""Contracts of the directory service: a commune's (or the city's) units and officials, with their history.

One aggregate per commune (`directory`/`main`): the directory of a commune is a few hundred entries kept
by one secretary, so one optimistic sequence is no bottleneck, and an import from a spreadsheet is one
event (`DirectoryImported`) — appended whole or not at all, never half imported.

Dates are the dates the change takes effect (a head appointed from 1 March is the head on 1 March, not
on the day the secretary typed it), so a question like "who headed this unit on the day of the scoring"
is answered from the events. Ids are slugs (`TOKEN_PATTERN`): an official's id is also the user name of
their account and the `sub` of their tokens.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from reform_shared.envelope import Contract, EventPayload

UnitKind = Literal["phong", "ban", "trung_tam", "van_phong", "thon", "to_dan_pho", "doan_the", "so", "khac"]
"""phòng chuyên môn, ban, trung tâm, văn phòng, thôn, tổ dân phố, đoàn thể, sở (city), khác."""

OfficialCategory = Literal["can_bo", "cong_chuc", "vien_chuc", "nguoi_lao_dong"]
"""cán bộ, công chức, viên chức, người lao động."""


class UnitEntry(Contract):
    """A unit as the directory holds it."""

    unit_id: str
    name: str
    kind: UnitKind = "khac"
    parent_id: str | None = None


class OfficialEntry(Contract):
    """An official as the directory holds it; `roles` are the roles they hold in this system."""

    official_id: str
    full_name: str
    position: str = ""
    category: OfficialCategory = "cong_chuc"
    unit_id: str | None = None
    email: str | None = None
    phone: str | None = None
    roles: tuple[str, ...] = ()


class HeadEntry(Contract):
    unit_id: str
    official_id: str


class _DirectoryEvent(EventPayload):
    aggregate_type: ClassVar[str] = "directory"

    effective: dt.date
    """The day the change takes effect."""

    def aggregate_id(self) -> str:
        return "main"


class UnitAdded(_DirectoryEvent):
    unit: UnitEntry


class UnitUpdated(_DirectoryEvent):
    """Name, kind or parent of a unit changed (the unit's id stays)."""

    unit: UnitEntry


class UnitClosed(_DirectoryEvent):
    unit_id: str
    reason: str = ""


class UnitHeadAppointed(_DirectoryEvent):
    """`official_id` heads `unit_id` from `effective`; the previous head's term ends the day before."""

    unit_id: str
    official_id: str


class UnitHeadVacated(_DirectoryEvent):
    """Nobody heads `unit_id` from `effective`."""

    unit_id: str


class OfficialRegistered(_DirectoryEvent):
    official: OfficialEntry


class OfficialUpdated(_DirectoryEvent):
    """Name, position, category or contact changed (not the unit: see `OfficialMoved`; not roles)."""

    official_id: str
    full_name: str
    position: str = ""
    category: OfficialCategory = "cong_chuc"
    email: str | None = None
    phone: str | None = None


class OfficialMoved(_DirectoryEvent):
    """The official works in `unit_id` from `effective` (a head who moves stops heading the old unit)."""

    official_id: str
    unit_id: str
    position: str = ""


class OfficialRolesChanged(_DirectoryEvent):
    """The roles the official holds in this system, from `effective` (the whole new set)."""

    official_id: str
    roles: tuple[str, ...]


class OfficialLeft(_DirectoryEvent):
    """The official left the commune's service (retired, transferred out...): the account signs in no more;
    their history stays."""

    official_id: str
    reason: str = ""


class DirectoryImported(_DirectoryEvent):
    """A spreadsheet imported whole: new units and officials, changes to existing ones, and heads."""

    import_id: str
    source_name: str = ""
    units: tuple[UnitEntry, ...] = ()
    officials: tuple[OfficialEntry, ...] = ()
    heads: tuple[HeadEntry, ...] = ()


DIRECTORY_PAYLOADS = (
    UnitAdded,
    UnitUpdated,
    UnitClosed,
    UnitHeadAppointed,
    UnitHeadVacated,
    OfficialRegistered,
    OfficialUpdated,
    OfficialMoved,
    OfficialRolesChanged,
    OfficialLeft,
    DirectoryImported,
)
