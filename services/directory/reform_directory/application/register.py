"""The directory's registers as spreadsheets: units and officials on a day, Vietnamese headers.

The officials' contacts (email, phone) are columns only for those who see them (the queries drop them for
others), so an export never carries more than the JSON answer does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reform_shared.sheets import Column

UNIT_COLUMNS: tuple[Column, ...] = (
    Column("Mã đơn vị", "unit_id", 16), Column("Tên đơn vị", "name", 36), Column("Loại", "kind", 14),
    Column("Trực thuộc", "parent_id", 16), Column("Trưởng đơn vị", "head_name", 26),
    Column("Số cán bộ", "members", 10), Column("Từ ngày", "since", 12), Column("Ngày giải thể", "closed_on", 12),
)
OFFICIAL_COLUMNS: tuple[Column, ...] = (
    Column("Mã cán bộ", "official_id", 18), Column("Họ và tên", "full_name", 26), Column("Chức vụ", "position", 24),
    Column("Ngạch/loại", "category", 14), Column("Đơn vị", "unit_id", 16),
    Column("Vai trò", "effective_roles", 28), Column("Từ ngày", "since", 12), Column("Ngày nghỉ", "left_on", 12),
)
CONTACT_COLUMNS: tuple[Column, ...] = (Column("Thư điện tử", "email", 26), Column("Điện thoại", "phone", 14))


def flat_units(units: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The tree of units, parents before their children."""
    for unit in units:
        yield unit
        yield from flat_units(unit.get("children", []))


def official_columns(items: list[dict[str, Any]]) -> tuple[Column, ...]:
    contacts = any("email" in item or "phone" in item for item in items)
    return OFFICIAL_COLUMNS + (CONTACT_COLUMNS if contacts else ())
