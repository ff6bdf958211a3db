"""From the rows of a spreadsheet to one import: every row checked, every bad row said, or nothing.

The format (the template writes it):
- a sheet of **officials** (found by its "Họ và tên" column): Mã cán bộ, Họ và tên, Chức vụ, Loại (Cán bộ,
  Công chức, Viên chức, Người lao động), Đơn vị (its id or its name), Email, Điện thoại, Vai trò (codes or
  Vietnamese names, separated by commas), Trưởng đơn vị ("x" or "có" for the head of their unit);
- optionally a sheet of **units** (found by its "Tên đơn vị" column): Mã đơn vị, Tên đơn vị, Loại đơn vị,
  Đơn vị cấp trên (id or name). Without one (a CSV), a unit named in "Đơn vị" that the directory does not
  know is created from its name.
An empty id is made from the name ("Đỗ Minh" -> do-minh; a second one in the sheet do-minh-2). A column left
out of the sheet keeps what the directory holds (no "Vai trò" column: roles unchanged); a column present
replaces it, empty included. Officials the sheet leaves out stay as they are (departures are recorded one by
one). Only what changes goes into the event.

Reading the sheets is `import_reading`'s, checking their rows `import_checks`'; this module plans the import
(`plan_import`, `Plan`). Every name the import had stays importable from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from reform_directory.adapters.spreadsheet import Sheet
from reform_directory.domain.commands import ImportDirectory
from reform_directory.domain.import_checks import OfficialPlanner, UnitPlanner
from reform_directory.domain.import_reading import (
    MAX_OFFICIAL_ROWS,
    MAX_UNIT_ROWS,
    ImportRejected,
    Row,
    RowError,
    checked_size,
    no_directory_sheets,
    read_sheet,
    sheet_ignored,
)
from reform_shared.directory_view import DirectoryView
from reform_shared.events.directory import HeadEntry, OfficialEntry, UnitEntry

__all__ = ["MAX_OFFICIAL_ROWS", "MAX_UNIT_ROWS", "ImportRejected", "Plan", "RowError", "plan_import"]


@dataclass
class Plan:
    """What an import changes, before (dry run) or as it is recorded."""

    command: ImportDirectory
    units_added: list[str] = field(default_factory=list)
    units_updated: list[str] = field(default_factory=list)
    officials_added: list[str] = field(default_factory=list)
    officials_updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        c = self.command
        return {"effective": c.effective.isoformat(), "source_name": c.source_name,
                "units_added": self.units_added, "units_updated": self.units_updated,
                "officials_added": self.officials_added, "officials_updated": self.officials_updated,
                "heads": [h.model_dump() for h in c.heads], "unchanged": self.unchanged,
                "warnings": self.warnings,
                "units": [u.model_dump() for u in c.units], "officials": [o.model_dump() for o in c.officials]}


def plan_import(view: DirectoryView, sheets: list[Sheet], *, commune_id: str, effective: dt.date, import_id: str,
                source_name: str = "") -> Plan:
    """The import a spreadsheet makes on the directory, or `ImportRejected` with every bad row."""
    planner = OfficialPlanner(view, commune_id, effective)
    officials_rows: list[Row] = []
    warnings: list[dict[str, Any]] = []
    kinds = []
    for sheet in sheets:
        read = read_sheet(sheet)
        if read is None:
            warnings.append(sheet_ignored(sheet))
            continue
        if read.kind == "officials":
            officials_rows += read.rows
        else:
            planner.read_units(read.rows)
        kinds.append(read.kind)
        warnings += checked_size(sheet, read)
    if not kinds:
        raise no_directory_sheets()
    entries, heads = planner.read_officials(officials_rows)
    units = planner.check_units()
    if planner.errors:
        raise ImportRejected(sorted(planner.errors, key=lambda e: (e.sheet, e.row)))
    return _plan(view, planner, entries, heads, units, ImportDirectory(
        commune_id=commune_id, effective=effective, import_id=import_id, source_name=source_name), warnings)


def _plan(view: DirectoryView, planner: UnitPlanner, entries: list[tuple[Row, OfficialEntry]],
          heads: list[HeadEntry], units: list[UnitEntry], command: ImportDirectory,
          warnings: list[dict[str, Any]]) -> Plan:
    changed = []
    plan = Plan(command, warnings=warnings)
    for _, entry in entries:
        current = view.official(entry.official_id)
        if current is None:
            plan.officials_added.append(entry.official_id)
        elif (current.full_name, current.position, current.category, current.unit_id, current.email,
              current.phone, set(current.roles)) == (entry.full_name, entry.position, entry.category,
                                                     entry.unit_id, entry.email, entry.phone, set(entry.roles)):
            plan.unchanged += 1
            continue
        else:
            plan.officials_updated.append(entry.official_id)
        changed.append(entry)
    new_heads = tuple(h for h in heads if view.head_of(h.unit_id, command.effective) != h.official_id)
    for unit in units:
        (plan.units_updated if view.unit(unit.unit_id) else plan.units_added).append(unit.unit_id)
    plan.unchanged += len(planner.units) - len(units)
    plan.command = command.model_copy(update={"units": tuple(units), "officials": tuple(changed),
                                              "heads": new_heads})
    return plan
