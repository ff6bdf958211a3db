"""What the submission rules take from the commune's directory (`reform_shared.directory_view`), on a day:
the open units a campaign expects an initiative from, and whether an initiative's unit and named authors are
in the directory.

A commune that keeps no directory yet (none of its events recorded) is not held to it: its campaigns list their
expected units by hand and its dossiers name their people as written. Once it has one, the directory decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from reform_shared.directory_view import DirectoryView
from reform_shared.errors import RuleViolation
from reform_shared.events import InitiativeContent, UnitRef


def keeps_directory(directory: DirectoryView) -> bool:
    return len(directory) > 0


def open_units(directory: DirectoryView, on: dt.date) -> tuple[UnitRef, ...]:
    """The units open on that day, in the directory's order (by id)."""
    return tuple(UnitRef(unit_id=u.unit_id, name=u.name) for u in directory.units(on) if not u.closed)


def absent_from(directory: DirectoryView, content: InitiativeContent, on: dt.date,
                already: Iterable[str] = (), unit_already: str | None = None) -> RuleViolation | None:
    """Why the dossier's unit or one of its named authors is not in the directory on that day (None: they are).
    `already`, `unit_already`: the authors and unit a revision keeps, not asked again (one who has left since
    stays an author of the work)."""
    if not keeps_directory(directory):
        return None
    day = f"{on:%d/%m/%Y}"
    unit_id = content.unit.unit_id
    if unit_id != unit_already:
        unit = directory.unit(unit_id, on)
        if unit is None or unit.closed:
            state = ("không có trong danh bạ", "is not in the directory") if unit is None else (
                "đã giải thể", "is closed")
            return RuleViolation(
                f"Đơn vị '{unit_id}' {state[0]} của xã vào ngày {day}: sáng kiến phải của một đơn vị đang hoạt động",
                f"unit '{unit_id}' {state[1]} on {on.isoformat()}: an initiative comes from an open unit of the "
                "directory", field="unit.unit_id", rule="unit_in_directory",
                details={"on": on.isoformat(), "unit_id": unit_id})
    kept = set(already)
    for index, author in enumerate(content.authors):
        if not author.user_id or author.user_id in kept:
            continue
        official = directory.official(author.user_id, on)
        if official is None or not official.active:
            state = ("không có trong danh bạ", "is not in the directory") if official is None else (
                "đã thôi công tác", "has left")
            return RuleViolation(
                f"Tác giả '{author.user_id}' ({author.name}) {state[0]} của xã vào ngày {day}: tác giả ghi mã cán bộ "
                "phải là cán bộ đang công tác trong danh bạ",
                f"author '{author.user_id}' {state[1]} on {on.isoformat()}: an author named by id must be an "
                "active official of the directory", field=f"authors[{index}].user_id", rule="author_in_directory",
                details={"on": on.isoformat(), "user_id": author.user_id})
    return None
