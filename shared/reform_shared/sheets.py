"""A register as a file for a spreadsheet — CSV and XLSX with Vietnamese headers — for every service's register.

- CSV: UTF-8 with a BOM (Excel then reads the diacritics right), CRLF line endings, dates in ISO form; a cell
  Excel would take for a formula is prefixed with an apostrophe.
- XLSX: a bold title, a bold header row frozen under it with an autofilter, real dates shown dd/mm/yyyy, user
  text always stored as text (never a formula).

A register is a list of `Column`s (its Vietnamese header and how to read a row's value) over plain dict rows:
what goes in a row is decided by the service; nothing is decided here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from fastapi.responses import Response

from reform_shared.http.openapi import CSV, XLSX

Cell = str | int | float | dt.date | None
SheetFormat = Literal["csv", "xlsx"]
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
HEADER_COLOR = "DDEBF7"
if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class Column:
    """One column of a register: its Vietnamese header and its value in a row (a key, or a function)."""

    header: str
    value: str | Callable[[dict[str, Any]], Any]
    width: int = 18

    def of(self, row: dict[str, Any]) -> Cell:
        raw = self.value(row) if callable(self.value) else row.get(self.value)
        return cell_value(raw)


def cell_value(raw: Any) -> Cell:
    """A cell: texts NFC, lists joined by '; ', datetimes as their date, ISO dates as dates."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "Có" if raw else "Không"
    if isinstance(raw, int | float):
        return raw
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, list | tuple):
        return "; ".join(str(cell_value(v) or "") for v in raw)
    text = unicodedata.normalize("NFC", str(raw).strip())
    if len(text) >= 10 and text[4:5] == "-" and text[7:8] == "-" and text[:4].isdigit():
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return text
    return text


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return str(value)


def register_csv(columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> bytes:
    """The register as CSV: UTF-8 with a BOM, CRLF, the Vietnamese headers first."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([_csv_cell(c.of(row)) for c in columns])
    return out.getvalue().encode("utf-8-sig")


def register_xlsx(columns: Sequence[Column], rows: Iterable[dict[str, Any]], title: str, sheet_name: str) -> bytes:
    """The register as a workbook: the title (row 1), the headers (row 2, frozen, filtered), a row per record.

    openpyxl is imported here, not at start-up: with numpy (its compat module imports it) it holds ~23 MB in
    every process that imports it; the first workbook of a process pays ~0.3 s once."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_fill = PatternFill(fill_type="solid", start_color=HEADER_COLOR, end_color=HEADER_COLOR)
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = sheet_name[:31]
    last = get_column_letter(len(columns))
    heading = sheet.cell(row=1, column=1, value=ILLEGAL_CHARACTERS_RE.sub("", title))
    heading.data_type = "s"
    heading.font = Font(bold=True, size=14)
    sheet.merge_cells(f"A1:{last}1")
    for index, column in enumerate(columns, 1):
        cell = sheet.cell(row=2, column=index, value=column.header)
        cell.font, cell.fill = Font(bold=True), header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    count = 0
    for count, row in enumerate(rows, 1):
        for index, column in enumerate(columns, 1):
            _put(sheet, 2 + count, index, column.of(row))
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{last}{2 + count}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _put(sheet: Worksheet, row: int, column: int, value: Cell) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value) or None
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # user text is never a formula
    if isinstance(value, dt.date):
        cell.number_format = "dd/mm/yyyy"
    cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str) and len(value) > 30)


def register_download(columns: Sequence[Column], rows: Sequence[dict[str, Any]], fmt: SheetFormat,
                      filename: str, title: str) -> Response:
    """The HTTP answer of `?format=csv|xlsx`: the file, named `<filename>.<fmt>`, as an attachment."""
    if fmt == "csv":
        data, media = register_csv(columns, rows), CSV + "; charset=utf-8"
    else:
        data, media = register_xlsx(columns, rows, title, filename), XLSX
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'})
