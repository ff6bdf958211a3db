"""The directory's rules, one named function each: it returns quietly or raises the error a secretary reads.

422 for a broken rule, 409 for a conflict with what is recorded (an id already used, a departure recorded
twice), 404 for a unit or an official the directory does not know. The import checks every row with the
same functions and collects what they raise instead of stopping at the first.
"""

from __future__ import annotations

import datetime as dt
import re

from reform_shared.auth.tokens import CITY, CITY_ROLES, ROLES
from reform_shared.directory_view import UNIT_HEAD, DirectoryView, OfficialRecord, UnitRecord
from reform_shared.errors import Conflict, NotFound, RuleViolation

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 64
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^(?:\+84|0)\d{9,10}$")
PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
CITY_UNIT_KINDS = frozenset({"so"})


def slug_id(value: str, field: str) -> None:
    if not SLUG.match(value) or len(value) > SLUG_MAX:
        raise RuleViolation(
            f"Mã '{value}' phải gồm chữ thường không dấu, chữ số và dấu gạch ngang (vd. vh-xh), tối đa {SLUG_MAX}",
            f"id '{value}' must be lower-case ASCII letters, digits and hyphens (e.g. vh-xh), at most {SLUG_MAX}",
            field=field, rule="slug_id")


def email_format(value: str | None, field: str = "email") -> None:
    if value is not None and (not EMAIL.match(value) or len(value) > 254):
        raise RuleViolation(f"Địa chỉ email '{value}' không đúng định dạng (vd. ten@xa.gov.vn)",
                            f"'{value}' is not an e-mail address (e.g. name@commune.gov.vn)",
                            field=field, rule="email_format")


def normal_phone(value: str | None) -> str | None:
    """A phone number as stored: separators dropped ("0912 345 678" -> "0912345678")."""
    return None if value is None else PHONE_SEPARATORS.sub("", value)


def phone_format(value: str | None, field: str = "phone") -> None:
    if value is not None and not PHONE.match(value):
        raise RuleViolation(
            f"Số điện thoại '{value}' không đúng định dạng: 10–11 chữ số bắt đầu bằng 0, hoặc +84",
            f"phone '{value}' must be 10-11 digits starting with 0, or +84",
            field=field, rule="phone_format")


def known_roles(roles: tuple[str, ...], commune_id: str, field: str = "roles") -> None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise RuleViolation(f"Vai trò không có trong hệ thống: {', '.join(unknown)} (có: {', '.join(ROLES)})",
                            f"unknown roles {', '.join(unknown)} (known: {', '.join(ROLES)})",
                            field=field, rule="known_roles", details={"known_roles": list(ROLES)})
    if UNIT_HEAD in roles:
        raise RuleViolation("Vai trò trưởng đơn vị (unit_head) có được khi được bổ nhiệm trưởng đơn vị, không giao tay",
                            "unit_head comes with a head appointment, it is not assigned by hand",
                            field=field, rule="unit_head_by_appointment")
    city = sorted(CITY_ROLES.intersection(roles))
    if city and commune_id != CITY:
        raise RuleViolation(f"Vai trò {', '.join(city)} chỉ có trong danh bạ của thành phố, không của '{commune_id}'",
                            f"the roles {', '.join(city)} belong to the city's directory only, not '{commune_id}'",
                            field=field, rule="city_roles_in_city_directory")


def unit_kind_here(kind: str, commune_id: str, field: str = "unit.kind") -> None:
    if kind in CITY_UNIT_KINDS and commune_id != CITY:
        raise RuleViolation("Đơn vị loại sở chỉ có trong danh bạ của thành phố",
                            "departments (sở) belong to the city's directory only", field=field,
                            rule="so_in_city_directory")


def unit_id_unused(view: DirectoryView, unit_id: str, field: str = "unit.unit_id") -> None:
    if view.unit(unit_id) is not None:
        raise Conflict(f"Mã đơn vị '{unit_id}' đã được dùng", f"the unit id '{unit_id}' is already used",
                       field=field, rule="unit_id_unique")


def official_id_unused(view: DirectoryView, official_id: str, field: str = "official.official_id") -> None:
    if view.official(official_id) is not None:
        raise Conflict(f"Mã cán bộ '{official_id}' đã được dùng", f"the official id '{official_id}' is already used",
                       field=field, rule="official_id_unique")


def known_unit(view: DirectoryView, unit_id: str, on: dt.date, field: str = "unit_id") -> UnitRecord:
    unit = view.unit(unit_id, on)
    if unit is None:
        raise NotFound(f"Không có đơn vị '{unit_id}' trong danh bạ vào ngày {on:%d/%m/%Y}",
                       f"no unit '{unit_id}' in the directory on {on}", field=field, rule="known_unit")
    return unit


def open_unit(view: DirectoryView, unit_id: str, on: dt.date, field: str = "unit_id") -> UnitRecord:
    unit = known_unit(view, unit_id, on, field)
    if unit.closed:
        raise RuleViolation(f"Đơn vị '{unit.name}' đã giải thể từ ngày {unit.closed_on:%d/%m/%Y}",
                            f"the unit '{unit_id}' is closed since {unit.closed_on}", field=field, rule="unit_open")
    return unit


def known_official(view: DirectoryView, official_id: str, on: dt.date, field: str = "official_id") -> OfficialRecord:
    official = view.official(official_id, on)
    if official is None:
        raise NotFound(f"Không có cán bộ '{official_id}' trong danh bạ vào ngày {on:%d/%m/%Y}",
                       f"no official '{official_id}' in the directory on {on}", field=field, rule="known_official")
    return official


def active_official(view: DirectoryView, official_id: str, on: dt.date, field: str = "official_id"
                    ) -> OfficialRecord:
    official = known_official(view, official_id, on, field)
    if not official.active:
        raise RuleViolation(f"{official.full_name} đã nghỉ từ ngày {official.left_on:%d/%m/%Y}",
                            f"{official_id} left on {official.left_on}", field=field, rule="official_active")
    return official


def parent_fits(view: DirectoryView, unit_id: str, parent_id: str | None, on: dt.date,
                field: str = "unit.parent_id") -> None:
    """The parent exists and is open, and the unit is not its own ancestor."""
    if parent_id is None:
        return
    open_unit(view, parent_id, on, field)
    seen: set[str] = {unit_id}
    current: str | None = parent_id
    while current is not None:
        if current in seen:
            raise RuleViolation(f"Đơn vị '{unit_id}' không thể trực thuộc '{parent_id}': tạo thành vòng lặp",
                                f"'{unit_id}' under '{parent_id}' makes a cycle", field=field, rule="no_cycle")
        seen.add(current)
        parent = view.unit(current)
        current = parent.parent_id if parent else None


def head_in_unit(official: OfficialRecord, unit: UnitRecord) -> None:
    if official.unit_id != unit.unit_id:
        raise RuleViolation(
            f"{official.full_name} không công tác tại {unit.name}: chuyển cán bộ về đơn vị trước (hoặc move_into)",
            f"{official.official_id} does not work in {unit.unit_id}: move them first (or move_into)",
            field="official_id", rule="head_in_unit")


def unit_empty(view: DirectoryView, unit: UnitRecord, on: dt.date) -> None:
    members = view.members(unit.unit_id, on)
    if members:
        raise RuleViolation(f"{unit.name} còn {len(members)} cán bộ đang công tác: chuyển họ đi trước khi giải thể",
                            f"{unit.unit_id} still has {len(members)} active officials: move them first",
                            field="unit_id", rule="unit_empty_to_close",
                            details={"officials": [m.official_id for m in members]})
    open_children = [u.unit_id for u in view.children(unit.unit_id, on) if not u.closed]
    if open_children:
        raise RuleViolation(f"{unit.name} còn đơn vị trực thuộc: {', '.join(open_children)}",
                            f"{unit.unit_id} still has open sub-units: {', '.join(open_children)}",
                            field="unit_id", rule="no_open_subunits")


def not_closed_yet(unit: UnitRecord) -> None:
    if unit.closed:
        raise Conflict(f"Đơn vị '{unit.name}' đã giải thể từ ngày {unit.closed_on:%d/%m/%Y}",
                       f"the unit '{unit.unit_id}' was already closed on {unit.closed_on}", field="unit_id",
                       rule="unit_closed_once")


def not_left_yet(official: OfficialRecord) -> None:
    if not official.active:
        raise Conflict(f"Đã ghi nhận {official.full_name} nghỉ từ ngày {official.left_on:%d/%m/%Y}",
                       f"{official.official_id} already left on {official.left_on}", field="official_id",
                       rule="departed_once")
