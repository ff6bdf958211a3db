"""The award register (sổ theo dõi khen thưởng) as files for a spreadsheet: CSV and XLSX, with Vietnamese headers.

- CSV: UTF-8 with a BOM (Excel then reads the diacritics right), CRLF line endings, dates in ISO form (read as
  dates by Excel whatever its locale); a cell that Excel would take for a formula is prefixed with an apostrophe.
- XLSX: a bold title merged across the columns, a bold filled header row frozen with the title above the data,
  an autofilter, real Excel dates shown dd/mm/yyyy, wrapped long texts, printed landscape one page wide.

The rows are plain frozen data: the application fills them from the register; nothing is decided here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reform_shared.ids import VIETNAM

HEADERS_VI: tuple[str, ...] = (
    "Xã/phường", "Mã khen thưởng", "Hình thức", "Cấp", "Năm", "Giai đoạn", "Đối tượng", "Tên cá nhân/tập thể",
    "Đơn vị", "Trạng thái", "Ngày đề nghị", "Số quyết định", "Ngày quyết định", "Người ký",
    "Sáng kiến làm căn cứ", "Thành tích", "Lý do",
)
STATUS_LABELS: dict[str, str] = {
    "proposed": "Đã đề nghị", "granted": "Đã khen thưởng", "rejected": "Từ chối", "revoked": "Thu hồi",
}
LEVEL_LABELS: dict[str, str] = {"commune": "Cấp xã", "city": "Cấp thành phố"}
RECIPIENT_LABELS: dict[str, str] = {"individual": "Cá nhân", "collective": "Tập thể"}
SHEET_NAME = "So khen thuong"
DATE_FORMAT = "dd/mm/yyyy"
SEPARATOR = "; "
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
WIDTHS: tuple[int, ...] = (14, 16, 30, 14, 7, 11, 11, 28, 18, 16, 13, 16, 14, 22, 24, 45, 35)
"""Column widths (characters), in the order of HEADERS_VI."""
WRAPPED = frozenset({2, 7, 14, 15, 16})  # long texts: form, name, basis initiatives, achievement, reason
DATES = frozenset({10, 12})
CENTRED = frozenset({3, 4, 5, 6, 9, 10, 11, 12})
HEADER_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
THIN = Side(style="thin", color="808080")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True)
class RegisterRow:
    """One award of the register, proposed, granted, rejected or revoked."""

    commune_id: str
    award_id: str
    form: str  # the form's code: "giay-khen-xa"
    form_name: str  # "Giấy khen của Chủ tịch UBND xã"; empty: the code is printed
    level: str  # "commune" | "city"
    year: int | None
    period: str | None  # "2026-2030"
    recipient_kind: str  # "individual" | "collective"
    recipient_name: str
    unit_id: str | None
    status: str  # "proposed" | "granted" | "rejected" | "revoked"
    proposed_at: dt.datetime | None = None  # aware datetimes are dated in Vietnam time
    decision_number: str | None = None
    decision_date: dt.date | None = None
    signer: str | None = None
    basis_initiatives: tuple[str, ...] = ()
    basis_text: str = ""  # the described achievements
    reason: str = ""  # why it was rejected or revoked

    @property
    def proposed_on(self) -> dt.date | None:
        if self.proposed_at is None:
            return None
        moment = self.proposed_at
        return (moment.astimezone(VIETNAM) if moment.utcoffset() is not None else moment).date()

    def cells(self) -> tuple[str | int | dt.date | None, ...]:
        """The row's values in the order of HEADERS_VI: texts NFC, labels in Vietnamese, dates as dates."""
        return (
            _text(self.commune_id), _text(self.award_id), _text(self.form_name or self.form),
            LEVEL_LABELS.get(self.level, _text(self.level)), self.year, _text(self.period),
            RECIPIENT_LABELS.get(self.recipient_kind, _text(self.recipient_kind)), _text(self.recipient_name),
            _text(self.unit_id), STATUS_LABELS.get(self.status, _text(self.status)), self.proposed_on,
            _text(self.decision_number), self.decision_date, _text(self.signer),
            _text(SEPARATOR.join(self.basis_initiatives)), _text(self.basis_text), _text(self.reason),
        )


def _text(value: str | None) -> str:
    return unicodedata.normalize("NFC", value.strip()) if value else ""


def _csv_cell(value: str | int | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value  # never a formula when Excel opens the file
    return str(value)


def register_csv(rows: Iterable[RegisterRow]) -> bytes:
    """The register as CSV: UTF-8 with a BOM, CRLF, the Vietnamese headers first."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS_VI)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row.cells()])
    return out.getvalue().encode("utf-8-sig")


def register_xlsx(rows: Iterable[RegisterRow], title: str) -> bytes:
    """The register as an Excel workbook: title (row 1), headers (row 2, frozen, filtered), one row per award."""
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = SHEET_NAME
    columns = len(HEADERS_VI)
    last_column = get_column_letter(columns)
    _title(sheet, unicodedata.normalize("NFC", title.strip()), last_column)
    _header(sheet)
    count = 0
    for count, row in enumerate(rows, 1):
        _data_row(sheet, 2 + count, row.cells())
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{last_column}{2 + count}"
    for index, width in enumerate(WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _title(sheet: Any, title: str, last_column: str) -> None:
    cell = sheet.cell(row=1, column=1, value=ILLEGAL_CHARACTERS_RE.sub("", title))
    cell.data_type = "s"  # a title starting with '=' stays a text
    cell.font = Font(bold=True, size=14)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.merge_cells(f"A1:{last_column}1")
    sheet.row_dimensions[1].height = 30


def _header(sheet: Any) -> None:
    for column, text in enumerate(HEADERS_VI, 1):
        cell = sheet.cell(row=2, column=column, value=text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = GRID
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[2].height = 32


def _data_row(sheet: Any, number: int, values: Sequence[str | int | dt.date | None]) -> None:
    for index, value in enumerate(values):
        text = isinstance(value, str)
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value) or None  # control characters cannot be stored
        cell = sheet.cell(row=number, column=index + 1, value=value)
        if text and value is not None:
            cell.data_type = "s"  # user text is never a formula
        if index in DATES:
            cell.number_format = DATE_FORMAT
        cell.border = GRID
        cell.alignment = Alignment(horizontal="center" if index in CENTRED else None, vertical="top",
                                   wrap_text=index in WRAPPED)
