"""The directory service's commands: what a secretary or an administrator asks of a commune's directory.

Every command names its commune and the day it takes effect (`effective`): a change may be back-dated (a
head appointed from 1 March, typed on 10 March) or dated ahead. `request` is its fingerprint for retries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reform_shared.commands import Command
from reform_shared.events.directory import HeadEntry, OfficialCategory, OfficialEntry, UnitEntry


class DirectoryCommand(Command):
    commune_id: str
    effective: dt.date

    def request(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"commune_id"})


class AddUnit(DirectoryCommand):
    unit: UnitEntry


class UpdateUnit(DirectoryCommand):
    """A new name, kind or parent (the id stays)."""

    unit: UnitEntry


class CloseUnit(DirectoryCommand):
    unit_id: str
    reason: str = ""


class AppointHead(DirectoryCommand):
    """`move_into`: the official moves into the unit the same day (else they must already work there)."""

    unit_id: str
    official_id: str
    move_into: bool = False


class VacateHead(DirectoryCommand):
    unit_id: str


class RegisterOfficial(DirectoryCommand):
    official: OfficialEntry


class UpdateOfficial(DirectoryCommand):
    official_id: str
    full_name: str
    position: str = ""
    category: OfficialCategory = "cong_chuc"
    email: str | None = None
    phone: str | None = None


class MoveOfficial(DirectoryCommand):
    official_id: str
    unit_id: str
    position: str = ""


class ChangeRoles(DirectoryCommand):
    official_id: str
    roles: tuple[str, ...]


class RecordDeparture(DirectoryCommand):
    official_id: str
    reason: str = ""


class ImportDirectory(DirectoryCommand):
    """A spreadsheet, already read and checked row by row: its units, officials and heads, upserted whole."""

    import_id: str
    source_name: str = ""
    units: tuple[UnitEntry, ...] = ()
    officials: tuple[OfficialEntry, ...] = ()
    heads: tuple[HeadEntry, ...] = ()
