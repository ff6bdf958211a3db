"""Checking an import's rows against the directory and its rules: the units of the sheet (`UnitPlanner`: read,
named by id or name, their parents and kinds checked) and the officials (`OfficialPlanner`: ids made or
checked, one head per unit, each cell's rule), every broken rule kept as a `RowError` of its row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reform_directory.domain import rules
from reform_directory.domain.columns import (
    CATEGORY_WORDS,
    KIND_WORDS,
    NO,
    ROLE_SEPARATORS,
    ROLE_WORDS,
    YES,
    guess_kind,
    key,
    slugify,
)
from reform_directory.domain.import_reading import Row, RowError
from reform_shared.directory_view import DirectoryView
from reform_shared.errors import DomainError
from reform_shared.events.directory import DirectoryImported, HeadEntry, OfficialEntry, UnitEntry


class UnitPlanner:
    def __init__(self, view: DirectoryView, commune_id: str, effective: dt.date) -> None:
        self.view, self.commune_id, self.effective = view, commune_id, effective
        self.errors: list[RowError] = []
        self.units: dict[str, UnitEntry] = {}
        self.unit_rows: dict[str, Row] = {}
        units = sorted(view.units(), key=lambda u: not u.closed)  # an open unit wins a name a closed one had
        self.by_name: dict[str, str] = {key(u.name): u.unit_id for u in units}
        self.units_sheet = False

    def error(self, row: Row, column: str, exc: DomainError | tuple[str, str, str]) -> None:
        rule, vi, en = (exc.rule or "invalid", exc.message_vi, exc.message_en) if isinstance(exc, DomainError) \
            else exc
        self.errors.append(RowError(row.sheet.name, row.number, row.header(column), rule, vi, en, row.get(column)))

    def check(self, row: Row, column: str, check: Any, *args: Any) -> bool:
        """Run one rule on a row's cell; False (and the row's error kept) when it is broken."""
        try:
            check(*args)
        except DomainError as exc:
            self.error(row, column, exc)
            return False
        return True

    # -- units ----------------------------------------------------------------------------------------
    def read_units(self, rows: list[Row]) -> None:
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

    def resolve(self, row: Row, column: str) -> str | None:
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


class OfficialPlanner(UnitPlanner):
    def read_officials(self, rows: list[Row]) -> tuple[list[tuple[Row, OfficialEntry]], list[HeadEntry]]:
        taken: dict[str, int] = {}
        entries: list[tuple[Row, OfficialEntry]] = []
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

    def is_head(self, row: Row) -> bool:
        flag = key(row.get("head"))
        if flag in YES:
            return True
        if flag not in NO:
            self.error(row, "head", ("head_flag", "Cột Trưởng đơn vị ghi 'x' hoặc 'có', hoặc để trống",
                                     "write 'x' or 'có' for a head, or leave it empty"))
        return False

    def official(self, row: Row, official_id: str, name: str) -> OfficialEntry | None:
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

    def roles(self, row: Row) -> tuple[str, ...]:
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
