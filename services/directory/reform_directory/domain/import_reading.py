"""Reading an import's spreadsheet: each sheet told apart by its headers (officials or units), its headers
normalised to canonical columns (`columns`), its rows read into cells, its size bounded; and the errors a row
can carry (`RowError`, `ImportRejected`). No rule of the directory is checked here (`import_checks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reform_directory.adapters.spreadsheet import Sheet
from reform_directory.domain.columns import OFFICIAL_HEADERS, UNIT_HEADERS, key
from reform_shared.errors import RuleViolation

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
class Row:
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


def read_rows(sheet: Sheet, headers: dict[str, str]) -> tuple[list[Row], list[str]]:
    columns = [(index, headers.get(key(h)), h) for index, h in enumerate(sheet.headers)]
    ignored = [h for _, code, h in columns if code is None and h]
    rows = []
    for number, cells in sheet.rows:
        values = {code: (h, cells[i] if i < len(cells) else "") for i, code, h in columns if code is not None}
        rows.append(Row(sheet, number, values))
    return rows, ignored


@dataclass(frozen=True)
class SheetRows:
    """One sheet read: what it lists ("officials" or "units"), its rows, the headers it has that no column is."""

    kind: str
    rows: list[Row]
    ignored: list[str]


def read_sheet(sheet: Sheet) -> SheetRows | None:
    """A sheet of officials (a "Họ và tên" column) or of units (a "Tên đơn vị" column), or None for another."""
    folded = {key(h) for h in sheet.headers}
    if any(OFFICIAL_HEADERS.get(h) == "full_name" for h in folded):
        return SheetRows("officials", *read_rows(sheet, OFFICIAL_HEADERS))
    if any(UNIT_HEADERS.get(h) == "name" for h in folded):
        return SheetRows("units", *read_rows(sheet, UNIT_HEADERS))
    return None


def sheet_ignored(sheet: Sheet) -> dict[str, Any]:
    return {"sheet": sheet.name, "message_vi": "Bỏ qua sheet không có cột 'Họ và tên' hay "
            "'Tên đơn vị'", "message_en": "sheet ignored: no full-name or unit-name column"}


def checked_size(sheet: Sheet, read: SheetRows) -> list[dict[str, Any]]:
    """The warnings of the columns a sheet has that are ignored; `RuleViolation` when it has too many rows."""
    limit = MAX_OFFICIAL_ROWS if read.kind == "officials" else MAX_UNIT_ROWS
    rows = read.rows
    if len(rows) > limit:
        raise RuleViolation(f"Sheet '{sheet.name}' có {len(rows)} dòng, tối đa {limit} dòng mỗi lần nhập",
                            f"sheet '{sheet.name}' has {len(rows)} rows, at most {limit} per import",
                            field="file", rule="max_rows", details={"rows": len(rows), "max_rows": limit})
    return [{"sheet": sheet.name, "column": h, "message_vi": f"Bỏ qua cột '{h}' không nhận ra",
             "message_en": f"column '{h}' not recognised, ignored"} for h in read.ignored]


def no_directory_sheets() -> RuleViolation:
    return RuleViolation("Tệp không có sheet cán bộ (cột 'Họ và tên') hay sheet đơn vị (cột 'Tên đơn vị')",
                         "the file has no officials sheet ('Họ và tên') nor units sheet ('Tên đơn vị')",
                         field="file", rule="directory_sheets")
