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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from reform_directory.adapters.spreadsheet import Sheet
from reform_directory.domain import rules
from reform_directory.domain.columns import (
    CATEGORY_WORDS,
    KIND_WORDS,
    NO,
    OFFICIAL_HEADERS,
    ROLE_SEPARATORS,
    ROLE_WORDS,
    UNIT_HEADERS,
    YES,
    guess_kind,
    key,
    slugify,
)
from reform_directory.domain.commands import ImportDirectory
from reform_shared.directory_view import DirectoryView
from reform_shared.errors import DomainError, RuleViolation
from reform_shared.events.directory import DirectoryImported, HeadEntry, OfficialEntry, UnitEntry

MAX_OFFICIAL_ROWS = 2000
MAX_UNIT_ROWS = 500


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    rule: str
    message_vi: str
    message_en: str
    value: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "rule": self.rule,
                "message_vi": self.message_vi, "message_en": self.message_en, "value": self.value}


class ImportRejected(RuleViolation):
    """At least one row cannot be imported: nothing is."""

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        super().__init__(
            f"Không nhập được {len(errors)} dòng; chưa nhập gì. Dòng {first.row} ({first.sheet}), "
            f"cột '{first.column}': {first.message_vi}",
            f"{len(errors)} rows cannot be imported; nothing was. Row {first.row} ({first.sheet}), "
            f"column '{first.column}': {first.message_en}",
            field="file", rule="import_rows_valid", details={"rows": [e.to_dict() for e in errors]})
        self.errors = errors


@dataclass
class _Row:
    sheet: Sheet
    number: int
    cells: dict[str, tuple[str, str]]
    """canonical column -> (header as written, value)."""

    def get(self, column: str) -> str:
        return self.cells.get(column, ("", ""))[1]

    def has(self, column: str) -> bool:
        return column in self.cells

    def header(self, column: str) -> str:
        return self.cells.get(column, (column, ""))[0]


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


def _rows(sheet: Sheet, headers: dict[str, str]) -> tuple[list[_Row], list[str]]:
    columns = [(index, headers.get(key(h)), h) for index, h in enumerate(sheet.headers)]
    ignored = [h for _, code, h in columns if code is None and h]
    rows = []
    for number, cells in sheet.rows:
        values = {code: (h, cells[i] if i < len(cells) else "") for i, code, h in columns if code is not None}
        rows.append(_Row(sheet, number, values))
    return rows, ignored


class _Planner:
    def __init__(self, view: DirectoryView, commune_id: str, effective: dt.date) -> None:
        self.view, self.commune_id, self.effective = view, commune_id, effective
        self.errors: list[RowError] = []
        self.units: dict[str, UnitEntry] = {}
        self.unit_rows: dict[str, _Row] = {}
        units = sorted(view.units(), key=lambda u: not u.closed)  # an open unit wins a name a closed one had
        self.by_name: dict[str, str] = {key(u.name): u.unit_id for u in units}
        self.units_sheet = False

    def error(self, row: _Row, column: str, exc: DomainError | tuple[str, str, str]) -> None:
        rule, vi, en = (exc.rule or "invalid", exc.message_vi, exc.message_en) if isinstance(exc, DomainError) \
            else exc
        self.errors.append(RowError(row.sheet.name, row.number, row.header(column), rule, vi, en, row.get(column)))

    def check(self, row: _Row, column: str, check: Any, *args: Any) -> bool:
        """Run one rule on a row's cell; False (and the row's error kept) when it is broken."""
        try:
            check(*args)
        except DomainError as exc:
            self.error(row, column, exc)
            return False
        return True

    # -- units ----------------------------------------------------------------------------------------
    def read_units(self, rows: list[_Row]) -> None:
        self.units_sheet = True
        for row in rows:
            name = row.get("name")
            if not name:
                self.error(row, "name", ("required", "Thiếu tên đơn vị", "the unit's name is missing"))
                continue
            unit_id = row.get("unit_id") or slugify(name)
            if not self.check(row, "unit_id", rules.slug_id, unit_id, "unit_id"):
                continue
            if unit_id in self.unit_rows:
                self.error(row, "unit_id", ("unique_in_sheet", f"Mã đơn vị '{unit_id}' đã có ở dòng "
                                            f"{self.unit_rows[unit_id].number}",
                                            f"unit id '{unit_id}' already on row {self.unit_rows[unit_id].number}"))
                continue
            kind = KIND_WORDS.get(key(row.get("kind"))) if row.get("kind") else guess_kind(name)
            if kind is None:
                self.error(row, "kind", ("unit_kind", "Loại đơn vị không hợp lệ (Phòng, Ban, Trung tâm, Văn phòng, "
                                         "Thôn, Tổ dân phố, Đoàn thể, Sở, Khác)", "unknown unit kind"))
                continue
            self.units[unit_id] = UnitEntry(unit_id=unit_id, name=name, kind=kind)  # type: ignore[arg-type]
            self.unit_rows[unit_id] = row
            self.by_name[key(name)] = unit_id
        for unit_id, row in self.unit_rows.items():
            parent = self.resolve(row, "parent") if row.get("parent") else None
            self.units[unit_id] = self.units[unit_id].model_copy(update={"parent_id": parent})

    def resolve(self, row: _Row, column: str) -> str | None:
        """A unit named by its id or its name, in the sheet or in the directory."""
        written = row.get(column)
        found = written if (written in self.units or self.view.unit(written)) else self.by_name.get(key(written))
        if found is None and not self.units_sheet:
            found = slugify(written)  # a CSV names its units: a new one is created from its name
            if not found:
                self.error(row, column, ("known_unit", "Tên đơn vị không hợp lệ", "invalid unit name"))
                return None
            self.units[found] = UnitEntry(unit_id=found, name=written, kind=guess_kind(written))  # type: ignore[arg-type]
            self.by_name[key(written)] = found
        if found is None:
            self.error(row, column, ("known_unit", f"Không có đơn vị '{written}' trong danh bạ hay trong sheet đơn vị",
                                     f"no unit '{written}' in the directory or the units sheet"))
        return found

    def check_units(self) -> list[UnitEntry]:
        merged = self.view.applied([_units_event(self.effective, tuple(self.units.values()))])
        changed = []
        for unit_id, unit in self.units.items():
            row = self.unit_rows.get(unit_id)
            current = self.view.unit(unit_id)
            if row is not None:
                if current is not None:
                    self.check(row, "name", rules.open_unit, self.view, unit_id, self.effective, "unit_id")
                self.check(row, "kind", rules.unit_kind_here, unit.kind, self.commune_id, "kind")
                self.check(row, "parent", rules.parent_fits, merged, unit_id, unit.parent_id, self.effective, "parent")
            if current is None or (current.name, current.kind, current.parent_id) != (
                    unit.name, unit.kind, unit.parent_id):
                changed.append(unit)
        return changed


def _units_event(effective: dt.date, units: tuple[UnitEntry, ...]) -> DirectoryImported:
    return DirectoryImported(effective=effective, import_id="plan", units=units)


class _OfficialPlanner(_Planner):
    def read_officials(self, rows: list[_Row]) -> tuple[list[tuple[_Row, OfficialEntry]], list[HeadEntry]]:
        taken: dict[str, int] = {}
        entries: list[tuple[_Row, OfficialEntry]] = []
        heads: dict[str, tuple[int, str]] = {}
        for row in rows:
            name = row.get("full_name")
            if not name:
                self.error(row, "full_name", ("required", "Thiếu họ và tên", "the full name is missing"))
                continue
            official_id = row.get("official_id")
            if official_id:
                if not self.check(row, "official_id", rules.slug_id, official_id, "official_id"):
                    continue
                if official_id in taken:
                    self.error(row, "official_id", ("unique_in_sheet", f"Mã cán bộ '{official_id}' đã có ở dòng "
                                                    f"{taken[official_id]}",
                                                    f"official id '{official_id}' already on row {taken[official_id]}"))
                    continue
            else:
                official_id = base = slugify(name) or "can-bo"
                suffix = 2
                while official_id in taken:
                    official_id, suffix = f"{base}-{suffix}", suffix + 1
            taken[official_id] = row.number
            head = self.is_head(row)
            entry = self.official(row, official_id, name)
            if entry is None:
                continue
            entries.append((row, entry))
            if head:
                if entry.unit_id is None:
                    self.error(row, "head", ("head_needs_unit", "Trưởng đơn vị phải có đơn vị",
                                             "a head needs a unit"))
                elif entry.unit_id in heads:
                    first = heads[entry.unit_id][0]
                    self.error(row, "head", ("one_head_per_unit", f"Đơn vị đã có trưởng ở dòng {first}",
                                             f"the unit already has a head on row {first}"))
                else:
                    heads[entry.unit_id] = (row.number, official_id)
        return entries, [HeadEntry(unit_id=u, official_id=o) for u, (_, o) in heads.items()]

    def is_head(self, row: _Row) -> bool:
        flag = key(row.get("head"))
        if flag in YES:
            return True
        if flag not in NO:
            self.error(row, "head", ("head_flag", "Cột Trưởng đơn vị ghi 'x' hoặc 'có', hoặc để trống",
                                     "write 'x' or 'có' for a head, or leave it empty"))
        return False

    def official(self, row: _Row, official_id: str, name: str) -> OfficialEntry | None:
        current = self.view.official(official_id)
        if current is not None and not current.active:
            self.check(row, "official_id", rules.not_left_yet, current)
            return None
        before = len(self.errors)
        values: dict[str, Any] = {"official_id": official_id, "full_name": name}
        if current is not None:
            values |= {"position": current.position, "category": current.category, "unit_id": current.unit_id,
                       "email": current.email, "phone": current.phone, "roles": current.roles}
        if row.has("position"):
            values["position"] = row.get("position")
        if row.has("category"):
            category = CATEGORY_WORDS.get(key(row.get("category"))) if row.get("category") else "cong_chuc"
            if category is None:
                self.error(row, "category", ("official_category", "Loại phải là Cán bộ, Công chức, Viên chức "
                                             "hoặc Người lao động", "the category must be cán bộ, công chức, "
                                             "viên chức or người lao động"))
            values["category"] = category
        if row.has("unit"):
            values["unit_id"] = self.resolve(row, "unit") if row.get("unit") else None
            if values["unit_id"] and self.view.unit(values["unit_id"]) is not None:
                self.check(row, "unit", rules.open_unit, self.view, values["unit_id"], self.effective, "unit")
        if row.has("email"):
            values["email"] = row.get("email").lower() or None
            self.check(row, "email", rules.email_format, values["email"], "email")
        if row.has("phone"):
            values["phone"] = rules.normal_phone(row.get("phone")) or None
            self.check(row, "phone", rules.phone_format, values["phone"], "phone")
        if row.has("roles"):
            values["roles"] = self.roles(row)
        return OfficialEntry(**values) if len(self.errors) == before else None

    def roles(self, row: _Row) -> tuple[str, ...]:
        roles = []
        for word in filter(None, (key(w) for w in ROLE_SEPARATORS.split(row.get("roles")))):
            role = ROLE_WORDS.get(word) or ROLE_WORDS.get(word.replace(" ", "_"))
            if role is None:
                self.error(row, "roles", ("known_roles", f"Vai trò '{word}' không có trong hệ thống",
                                          f"unknown role '{word}'"))
            else:
                roles.append(role)
        found = tuple(dict.fromkeys(roles))
        self.check(row, "roles", rules.known_roles, found, self.commune_id, "roles")
        return found


def plan_import(view: DirectoryView, sheets: list[Sheet], *, commune_id: str, effective: dt.date, import_id: str,
                source_name: str = "") -> Plan:
    """The import a spreadsheet makes on the directory, or `ImportRejected` with every bad row."""
    planner = _OfficialPlanner(view, commune_id, effective)
    officials_rows: list[_Row] = []
    warnings: list[dict[str, Any]] = []
    kinds = []
    for sheet in sheets:
        folded = {key(h) for h in sheet.headers}
        if any(OFFICIAL_HEADERS.get(h) == "full_name" for h in folded):
            rows, ignored = _rows(sheet, OFFICIAL_HEADERS)
            limit, kind = MAX_OFFICIAL_ROWS, "officials"
            officials_rows += rows
        elif any(UNIT_HEADERS.get(h) == "name" for h in folded):
            rows, ignored = _rows(sheet, UNIT_HEADERS)
            limit, kind = MAX_UNIT_ROWS, "units"
            planner.read_units(rows)
        else:
            warnings.append({"sheet": sheet.name, "message_vi": "Bỏ qua sheet không có cột 'Họ và tên' hay "
                             "'Tên đơn vị'", "message_en": "sheet ignored: no full-name or unit-name column"})
            continue
        kinds.append(kind)
        if len(rows) > limit:
            raise RuleViolation(f"Sheet '{sheet.name}' có {len(rows)} dòng, tối đa {limit} dòng mỗi lần nhập",
                                f"sheet '{sheet.name}' has {len(rows)} rows, at most {limit} per import",
                                field="file", rule="max_rows", details={"rows": len(rows), "max_rows": limit})
        warnings += [{"sheet": sheet.name, "column": h, "message_vi": f"Bỏ qua cột '{h}' không nhận ra",
                      "message_en": f"column '{h}' not recognised, ignored"} for h in ignored]
    if not kinds:
        raise RuleViolation("Tệp không có sheet cán bộ (cột 'Họ và tên') hay sheet đơn vị (cột 'Tên đơn vị')",
                            "the file has no officials sheet ('Họ và tên') nor units sheet ('Tên đơn vị')",
                            field="file", rule="directory_sheets")
    entries, heads = planner.read_officials(officials_rows)
    units = planner.check_units()
    if planner.errors:
        raise ImportRejected(sorted(planner.errors, key=lambda e: (e.sheet, e.row)))
    return _plan(view, planner, entries, heads, units, ImportDirectory(
        commune_id=commune_id, effective=effective, import_id=import_id, source_name=source_name), warnings)


def _plan(view: DirectoryView, planner: _Planner, entries: list[tuple[_Row, OfficialEntry]],
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
