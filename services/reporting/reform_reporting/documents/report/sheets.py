"""The report as XLSX: the same figures as sheets, bold headers, frozen header rows, totals as numbers."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reform_reporting.documents.report.model import STAGE_LABELS, TOTAL_LABEL, Breakdown, ReportData, nfc, sum_rows

# -- XLSX ------------------------------------------------------------------------------------------------------

HEADER_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
THIN = Side(style="thin", color="808080")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
Value = str | int | float | None


def render_report_xlsx(data: ReportData) -> bytes:
    """The report's figures as a workbook of four sheets; every total is a number equal to the sum of its rows."""
    workbook = Workbook()
    _summary_sheet(workbook.active, data)
    _breakdown_sheet(workbook.create_sheet(), "Theo linh vuc", "Lĩnh vực", "Kết quả theo lĩnh vực", data,
                     data.by_field)
    _breakdown_sheet(workbook.create_sheet(), "Theo don vi", "Đơn vị", "Kết quả theo đơn vị", data, data.by_unit)
    _missing_sheet(workbook.create_sheet(), data)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _put(sheet: Any, row: int, column: int, value: Value, *, bold: bool = False, grid: bool = True) -> Any:
    """One cell: texts NFC, never formulas, without the control characters a workbook cannot hold."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", nfc(value))
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    cell.font = BOLD if bold else Font()
    if grid:
        cell.border = GRID
    return cell


def _title_rows(sheet: Any, lines: Sequence[str], columns: int) -> int:
    """Title lines merged across the columns (the first bold, 14 pt); returns the row of the header below."""
    for row, line in enumerate(lines, 1):
        cell = _put(sheet, row, 1, line, grid=False)
        cell.font = Font(bold=True, size=14) if row == 1 else Font(italic=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    return len(lines) + 2


def _header_row(sheet: Any, row: int, headers: Sequence[str]) -> None:
    for column, text in enumerate(headers, 1):
        cell = _put(sheet, row, column, text, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _rows(sheet: Any, first: int, rows: Sequence[Sequence[Value]], *, bold_last: bool = False) -> int:
    """Data rows from `first`; returns the row after the last one."""
    for offset, values in enumerate(rows):
        bold = bold_last and offset == len(rows) - 1
        for column, value in enumerate(values, 1):
            _put(sheet, first + offset, column, value, bold=bold)
    return first + len(rows)


def _widths(sheet: Any, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _heading_lines(data: ReportData, heading: str) -> list[str]:
    return [heading, f"UBND {data.commune_name} – {data.period_label} ({data.period_text})",
            f"Số liệu tính đến {data.as_of_text}"]


def _summary_sheet(sheet: Any, data: ReportData) -> None:
    sheet.title = "Tong hop"
    header = _title_rows(sheet, _heading_lines(
        data, f"KẾT QUẢ THỰC HIỆN SÁNG KIẾN CẢI CÁCH HÀNH CHÍNH {nfc(data.period_label).upper()}"), 3)
    _header_row(sheet, header, ("Chỉ tiêu", "Số sáng kiến", "Tỷ lệ so với số nộp"))
    submitted = data.total.submitted
    funnel: list[list[Value]] = [[label, value, value / submitted if submitted else None]
                                 for label, value in zip(STAGE_LABELS, data.total.counts, strict=True)]
    after = _rows(sheet, header + 1, funnel)
    for row in range(header + 1, after):
        sheet.cell(row=row, column=3).number_format = "0.0%"
    sheet.freeze_panes = sheet.cell(row=header + 1, column=1).coordinate
    after = _progress_block(sheet, after + 1, data)
    _awards_block(sheet, after + 1, data)
    _widths(sheet, (44, 16, 20))


def _progress_block(sheet: Any, row: int, data: ReportData) -> int:
    _header_row(sheet, row, ("Tiến độ hồ sơ", "Số hồ sơ"))
    return _rows(sheet, row + 1, [["Đúng hạn", data.on_time], ["Trễ hạn", data.late],
                                  ["Trả lại", data.returned], ["Đã rút", data.withdrawn]])


def _awards_block(sheet: Any, row: int, data: ReportData) -> int:
    _header_row(sheet, row, ("Hình thức khen thưởng", "Số lượng"))
    rows: list[list[Value]] = [[form, count] for form, count in data.awards_granted]
    rows.append([TOTAL_LABEL, sum(count for _, count in data.awards_granted)])
    return _rows(sheet, row + 1, rows, bold_last=True)


def _breakdown_sheet(sheet: Any, name: str, column: str, heading: str, data: ReportData,
                     rows: Sequence[Breakdown]) -> None:
    sheet.title = name
    headers = ("STT", "Mã", column, *STAGE_LABELS)
    header = _title_rows(sheet, _heading_lines(data, heading.upper()), len(headers))
    _header_row(sheet, header, headers)
    body: list[list[Value]] = [[number, row.key, row.label, *row.counts] for number, row in enumerate(rows, 1)]
    body.append([None, None, TOTAL_LABEL, *sum_rows(rows).counts])
    _rows(sheet, header + 1, body, bold_last=True)
    sheet.freeze_panes = sheet.cell(row=header + 1, column=1).coordinate
    _widths(sheet, (6, 12, 48, 10, 10, 12, 14, 22, 13))


def _missing_sheet(sheet: Any, data: ReportData) -> None:
    sheet.title = "Don vi chua de xuat"
    header = _title_rows(sheet, _heading_lines(data, "ĐƠN VỊ CHƯA ĐỀ XUẤT SÁNG KIẾN"), 3)
    _header_row(sheet, header, ("STT", "Mã đơn vị", "Tên đơn vị"))
    body: list[list[Value]] = [[number, unit_id, name]
                               for number, (unit_id, name) in enumerate(data.units_without_initiatives, 1)]
    body.append([None, "Tổng số đơn vị", len(data.units_without_initiatives)])
    _rows(sheet, header + 1, body, bold_last=True)
    sheet.freeze_panes = sheet.cell(row=header + 1, column=1).coordinate
    _widths(sheet, (6, 18, 48))
