"""Reading a directory spreadsheet: XLSX (openpyxl, every sheet) or CSV (UTF-8 with or without BOM, `,` or
`;` as Vietnamese Excel writes it). Cells become trimmed text; nothing here knows what the columns mean."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from reform_shared.errors import RuleViolation

XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Sheet:
    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    """(row number as the spreadsheet shows it, cells), empty rows left out."""


def unreadable(detail: str) -> RuleViolation:
    return RuleViolation("Không đọc được tệp: cần tệp Excel (.xlsx) hoặc CSV mã UTF-8",
                         f"the file cannot be read: an Excel (.xlsx) or UTF-8 CSV file is expected ({detail})",
                         field="file", rule="spreadsheet_readable")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return " ".join(str(value).split())


def _sheet(name: str, lines: list[list[object]]) -> Sheet | None:
    numbered = [(number, tuple(_text(v) for v in line)) for number, line in enumerate(lines, start=1)]
    numbered = [(n, cells) for n, cells in numbered if any(cells)]
    if not numbered:
        return None
    (_, headers), rows = numbered[0], numbered[1:]
    return Sheet(name, headers, tuple(rows))


def read_xlsx(data: bytes) -> list[Sheet]:
    import openpyxl  # here, not at start-up: ~23 MB (numpy with it) in a process that never reads a workbook

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise unreadable(type(exc).__name__) from exc
    try:
        sheets = [_sheet(ws.title, [list(row) for row in ws.iter_rows(values_only=True)])
                  for ws in workbook.worksheets]
    finally:
        workbook.close()
    return [s for s in sheets if s is not None]


def read_csv(data: bytes, name: str = "CSV") -> list[Sheet]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise unreadable("not UTF-8") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    sheet = _sheet(name, [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)])
    return [sheet] if sheet is not None else []


def read_spreadsheet(data: bytes, filename: str = "") -> list[Sheet]:
    """The sheets of an XLSX (judged from its content, not its name) or of a CSV."""
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    if b"\x00" in data[:4096]:
        raise unreadable("binary content that is not XLSX")
    return read_csv(data, filename or "CSV")
