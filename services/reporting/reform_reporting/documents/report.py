"""The periodic report on administrative-reform initiatives (báo cáo quý, năm), as DOCX, XLSX and SVG figures.

- DOCX: the commune's (or the city's) BÁO CÁO laid out on reform_shared.docx_layout: header, number and date
  left blank for the clerk, the as-of line, sections I–VI, the recipients and the chairman's signature block.
- XLSX: the same figures as sheets ("Tong hop", "Theo linh vuc", "Theo don vi", "Don vi chua de xuat"): bold
  headers, frozen header rows, totals written as numbers (a reader that does not calculate still sees them).
- SVG: the funnel, horizontal bars and the yearly trend; self-contained (no fonts, scripts or links to fetch),
  every count written beside its bar so that the figure reads on paper.

The data is plain frozen values: the application computes it from the event log up to `as_of`; nothing is
decided here. The totals rows of the tables are the sums of their rows, and a breakdown whose sums differ
from the report's total is refused when the data is built.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from docx.document import Document as DocxDocument
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reform_shared.docx_layout import (
    BLANK,
    CENTER,
    JUSTIFY,
    date_line,
    national_header,
    new_document,
    paragraph,
    signature_block,
    table,
    title,
    to_bytes,
    vn_number,
)
from reform_shared.ids import VIETNAM

STAGES: tuple[str, ...] = ("submitted", "scored", "recognised", "nominated", "city_recognised", "awarded")
"""As reform_reporting.domain.summary.STAGES: `city_recognised` is the city's recognition at city level of an
initiative the commune nominated (taken on the city node, flowed back)."""
STAGE_LABELS: tuple[str, ...] = ("Nộp", "Đã chấm", "Công nhận", "Đề nghị thành phố", "Công nhận cấp thành phố",
                                 "Khen thưởng")
COLUMN_LABELS: tuple[str, ...] = ("Nộp", "Đã chấm", "Công nhận", "Đề nghị TP", "Công nhận cấp TP", "Khen thưởng")
"""The stages' labels in the narrow columns of the DOCX tables."""
TOTAL_LABEL = "Tổng cộng"
NO_DATA = "Chưa có số liệu"
NONE = "Không có."


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _count(value: int) -> str:
    """A count as Vietnamese write it: '1.234'."""
    return vn_number(value, 0)


def _percent(part: int, whole: int) -> str:
    return f"{vn_number(100 * part / whole, 1)}%" if whole > 0 else ""


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(VIETNAM)


# -- the data --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Breakdown:
    """One row of the funnel: how many initiatives of a field, a unit (or all of them) reached each stage."""

    key: str  # "total", a field code ("c") or a unit id
    label: str  # "Tổng", "Cải cách thủ tục hành chính", "Phòng Văn hóa – Xã hội"
    submitted: int
    scored: int
    recognised: int
    nominated: int
    city_recognised: int  # recognised at city level ("Công nhận cấp thành phố"), the city's decision flowed back
    awarded: int

    def __post_init__(self) -> None:
        if any(value < 0 for value in self.counts):
            raise ValueError(f"negative count in the breakdown {self.key!r}")

    @property
    def counts(self) -> tuple[int, ...]:
        """The stages in the order of STAGES: submitted, scored, recognised, nominated, city_recognised, awarded."""
        return self.submitted, self.scored, self.recognised, self.nominated, self.city_recognised, self.awarded


def sum_rows(rows: Sequence[Breakdown], key: str = "total", label: str = TOTAL_LABEL) -> Breakdown:
    """The totals row of a table: the stage-by-stage sums of its rows."""
    sums = [sum(row.counts[index] for row in rows) for index in range(len(STAGES))]
    return Breakdown(key, label, *sums)


@dataclass(frozen=True)
class ReportData:
    """Everything a report prints, for one commune (or the city) and one period, as of one moment."""

    commune_id: str
    commune_name: str  # "xã Ninh Giang"; for the city view "thành phố Hải Phòng"
    period_label: str  # "Quý III năm 2026" or "Năm 2026"
    period_start: dt.date
    period_end: dt.date
    as_of: dt.datetime  # aware; the report reflects the event log up to this moment
    total: Breakdown
    by_field: tuple[Breakdown, ...]
    by_unit: tuple[Breakdown, ...]
    units_without_initiatives: tuple[tuple[str, str], ...]  # (unit_id, unit name)
    on_time: int
    late: int
    returned: int
    withdrawn: int
    awards_granted: tuple[tuple[str, int], ...]  # (form name, count)
    by_year: tuple[tuple[int, int, int], ...] = ()  # (year, submitted, recognised), for the trend chart

    def __post_init__(self) -> None:
        if self.as_of.utcoffset() is None:
            raise ValueError("as_of must be an aware datetime")
        if self.period_start > self.period_end:
            raise ValueError("the period ends before it starts")
        if min(self.on_time, self.late, self.returned, self.withdrawn, *(n for _, n in self.awards_granted), 0) < 0:
            raise ValueError("negative count in the report")
        for name in ("by_field", "by_unit"):
            rows: tuple[Breakdown, ...] = getattr(self, name)
            if rows and sum_rows(rows).counts != self.total.counts:
                raise ValueError(f"the rows of {name} do not add up to the total {self.total.counts}")

    @property
    def as_of_text(self) -> str:
        """The moment of the figures in Vietnam time: '15/09/2026 17:30'."""
        return f"{_local(self.as_of):%d/%m/%Y %H:%M}"

    @property
    def period_text(self) -> str:
        return f"từ ngày {self.period_start:%d/%m/%Y} đến ngày {self.period_end:%d/%m/%Y}"

    @property
    def is_city(self) -> bool:
        return _nfc(self.commune_name).strip().lower().startswith("thành phố")

    @property
    def kind(self) -> str:
        """'xã', 'phường', 'đặc khu' or 'thành phố': how the issuer's own bodies are named."""
        name = _nfc(self.commune_name).strip().lower()
        return next((kind for kind in ("thành phố", "đặc khu", "phường", "xã") if name.startswith(kind)), "xã")

    @property
    def place(self) -> str:
        """The place of the date line: 'Ninh Giang' for 'xã Ninh Giang'."""
        name = _nfc(self.commune_name).strip()
        prefix = self.kind
        return name[len(prefix):].strip() if name.lower().startswith(prefix) else name


# -- DOCX ------------------------------------------------------------------------------------------------------

# STT, the field or unit, then one column per stage: 16 cm, the text width of A4 portrait. A stage column of 1.6 cm
# holds a count of "12.345" in bold 12 pt on one line; "Công nhận cấp TP" and "Khen thưởng" need 1.8 cm so that
# "thưởng" is not cut (checked on a LibreOffice rendering).
TABLE_WIDTHS: tuple[float, ...] = (1.2, 4.8, 1.6, 1.6, 1.6, 1.6, 1.8, 1.8)
AWARD_WIDTHS: tuple[float, ...] = (1.2, 11.8, 3.0)
SIGNER: tuple[str, ...] = ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "")


def render_report_docx(data: ReportData) -> bytes:
    """BÁO CÁO Kết quả thực hiện sáng kiến cải cách hành chính {period}, ready to be numbered, dated and signed."""
    doc = new_document()
    national_header(doc, [f"UBND {_nfc(data.commune_name).upper()}"], f"Số:{BLANK}/BC-UBND")
    date_line(doc, data.place, None, _local(data.as_of).year)
    _title(doc, data)
    _general(doc, data)
    _breakdown_section(doc, "II. Kết quả theo lĩnh vực", "Lĩnh vực", data.by_field)
    _breakdown_section(doc, "III. Kết quả theo đơn vị", "Đơn vị", data.by_unit)
    _missing_units(doc, data)
    _progress(doc, data)
    _awards(doc, data)
    closing = paragraph(doc, f"Trên đây là báo cáo kết quả thực hiện sáng kiến cải cách hành chính "
                             f"{data.period_label} của UBND {data.commune_name}./.", align=JUSTIFY, indent=True)
    closing.paragraph_format.space_before = Pt(6)
    signature_block(doc, None, SIGNER, recipients=_recipients(data))
    return to_bytes(doc)


def _title(doc: DocxDocument, data: ReportData) -> None:
    lines = title(doc, "BÁO CÁO", f"Kết quả thực hiện sáng kiến cải cách hành chính {data.period_label}")
    lines[-1].paragraph_format.space_after = Pt(0)
    as_of = paragraph(doc, f"Số liệu tính đến {data.as_of_text}", italic=True, align=CENTER)
    as_of.paragraph_format.space_after = Pt(12)


def _heading(doc: DocxDocument, text: str) -> Paragraph:
    """A section heading, never left alone at the bottom of a page."""
    line = paragraph(doc, text, bold=True)
    line.paragraph_format.space_before, line.paragraph_format.keep_with_next = Pt(6), True
    return line


def _general(doc: DocxDocument, data: ReportData) -> None:
    _heading(doc, "I. Tình hình chung")
    t = data.total
    city = f", {_count(t.city_recognised)} sáng kiến được công nhận cấp thành phố" if t.city_recognised > 0 else ""
    paragraph(doc, f"Trong kỳ báo cáo ({data.period_text}), {data.commune_name} có {_count(t.submitted)} sáng kiến "
                   f"cải cách hành chính được nộp; trong đó {_count(t.scored)} sáng kiến đã được Hội đồng chấm điểm, "
                   f"{_count(t.recognised)} sáng kiến được công nhận, {_count(t.nominated)} sáng kiến được đề nghị "
                   f"cấp thành phố{city} và {_count(t.awarded)} sáng kiến được khen thưởng. "
                   f"Có {_count(len(data.units_without_initiatives))} đơn vị chưa đề xuất sáng kiến.",
              align=JUSTIFY, indent=True)


def _breakdown_section(doc: DocxDocument, heading: str, column: str, rows: Sequence[Breakdown]) -> None:
    _heading(doc, heading)
    if not rows:
        paragraph(doc, f"{NO_DATA}.", indent=True)
        return
    body = [[str(number), row.label, *map(_count, row.counts)] for number, row in enumerate(rows, 1)]
    body.append(["", TOTAL_LABEL, *map(_count, sum_rows(rows).counts)])
    grid = table(doc, ("STT", column, *COLUMN_LABELS), body, TABLE_WIDTHS,
                 centered={0, *range(2, 2 + len(STAGES))}, size=12)
    _bold_last_row(grid)


def _bold_last_row(grid: Table) -> None:
    for cell in grid.rows[-1].cells:
        for para in cell.paragraphs:
            for run in para.runs:
                run.bold = True


def _missing_units(doc: DocxDocument, data: ReportData) -> None:
    _heading(doc, "IV. Đơn vị chưa đề xuất sáng kiến")
    units = data.units_without_initiatives
    if not units:
        paragraph(doc, NONE, indent=True)
        return
    for index, (_, name) in enumerate(units, 1):
        paragraph(doc, f"- {name.strip().rstrip(';.')}{'.' if index == len(units) else ';'}", indent=True)


def _progress(doc: DocxDocument, data: ReportData) -> None:
    _heading(doc, "V. Tiến độ hồ sơ")
    lines = (("Hồ sơ nộp đúng hạn", data.on_time), ("Hồ sơ nộp trễ hạn", data.late),
             ("Hồ sơ bị trả lại để bổ sung, hoàn thiện", data.returned), ("Hồ sơ đã rút", data.withdrawn))
    for index, (label, value) in enumerate(lines, 1):
        paragraph(doc, f"- {label}: {_count(value)}{'.' if index == len(lines) else ';'}", indent=True)


def _awards(doc: DocxDocument, data: ReportData) -> None:
    _heading(doc, "VI. Khen thưởng")
    if not data.awards_granted:
        paragraph(doc, NONE, indent=True)
        return
    body = [[str(number), form, _count(count)] for number, (form, count) in enumerate(data.awards_granted, 1)]
    body.append(["", TOTAL_LABEL, _count(sum(count for _, count in data.awards_granted))])
    grid = table(doc, ("STT", "Hình thức khen thưởng", "Số lượng"), body, AWARD_WIDTHS, centered={0, 2}, size=12)
    _bold_last_row(grid)


def _recipients(data: ReportData) -> list[str]:
    if data.is_city:
        return ["Bộ Nội vụ (để báo cáo)", "Thường trực Thành ủy, HĐND thành phố",
                "Chủ tịch, các Phó Chủ tịch UBND thành phố", "Sở Nội vụ, Sở Khoa học và Công nghệ", "Lưu: VT"]
    return ["UBND thành phố (để báo cáo)", "Sở Nội vụ, Sở Khoa học và Công nghệ",
            f"Chủ tịch, các Phó Chủ tịch UBND {data.kind}", "Các phòng, ban, đơn vị", "Lưu: VT, VHXH"]


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
        value = ILLEGAL_CHARACTERS_RE.sub("", _nfc(value))
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
        data, f"KẾT QUẢ THỰC HIỆN SÁNG KIẾN CẢI CÁCH HÀNH CHÍNH {_nfc(data.period_label).upper()}"), 3)
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


# -- SVG -------------------------------------------------------------------------------------------------------

WIDTH = 640
MARGIN = 16
FONT_FAMILY = "Arial, Helvetica, sans-serif"  # generic system faces: nothing to fetch
INK, MUTED, RULE, PAPER = "#1a1a1a", "#595959", "#bfbfbf", "#ffffff"
STAGE_COLOURS: tuple[str, ...] = ("#1f4e79", "#2e75b6", "#548235", "#bf8f00", "#7030a0", "#c55a11")
BAR_COLOUR = "#2e75b6"
SUBMITTED_COLOUR, RECOGNISED_COLOUR = "#2e75b6", "#548235"
FUNNEL_TITLE = "Kết quả sáng kiến: từ nộp hồ sơ đến khen thưởng"
TREND_TITLE = "Sáng kiến nộp và được công nhận theo năm"
LINE = 20  # the height of a line of 13 px text
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(text: str) -> str:
    """Text content of an element: NFC, without characters XML cannot hold, &, < and > escaped."""
    return escape(_NOT_XML.sub("", _nfc(text)))


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 13, bold: bool = False,
          fill: str = INK) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{weight}>'
            f"{_esc(content)}</text>")


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"/>'


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(_nfc(text).strip(), width) or [""]


def _document(heading: str, height: float, body: Sequence[str]) -> str:
    """The SVG root: an accessible title, a white page, the visible heading, then the body."""
    lines = [_text(MARGIN, 26 + LINE * index, line, size=15, bold=True)
             for index, line in enumerate(_wrap(heading, 70))]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" font-family="{FONT_FAMILY}">'
            f"<title>{_esc(heading)}</title>{_rect(0, 0, WIDTH, height, PAPER)}{''.join(lines)}{''.join(body)}</svg>")


def _top(heading: str) -> float:
    """Where the body starts, below the heading's lines."""
    return 26 + LINE * len(_wrap(heading, 70)) + 8


def _empty(heading: str) -> str:
    top = _top(heading)
    return _document(heading, top + 60, [_text(WIDTH / 2, top + 30, NO_DATA, anchor="middle", size=14, fill=MUTED)])


def _length(value: int, scale: int, room: float) -> float:
    """A bar's length: proportional, at least 2 px when the value is not zero."""
    return 0.0 if value <= 0 else max(2.0, room * value / scale)


def funnel_svg(total: Breakdown) -> str:
    """One horizontal bar per stage, Nộp → Công nhận cấp thành phố → Khen thưởng, each with its count and its
    share of the submitted initiatives."""
    if not any(total.counts):
        return _empty(FUNNEL_TITLE)
    top, label_room, bar_x, room = _top(FUNNEL_TITLE), 180, MARGIN + 188, 300.0
    scale = max(total.counts)
    body: list[str] = []
    for index, (label, value) in enumerate(zip(STAGE_LABELS, total.counts, strict=True)):
        y = top + 38 * index
        length = _length(value, scale, room)
        share = _percent(value, total.submitted)
        body += [_text(MARGIN + label_room, y + 19, label, anchor="end"),
                 _rect(bar_x, y, length, 26, STAGE_COLOURS[index]),
                 _text(bar_x + length + 8, y + 19, f"{_count(value)} ({share})" if share else _count(value),
                       bold=True)]
    note_y = top + 38 * len(STAGES) + 14
    body.append(_text(MARGIN, note_y, "Tỷ lệ tính trên số sáng kiến đã nộp.", size=11, fill=MUTED))
    return _document(FUNNEL_TITLE, note_y + 14, body)


def bars_svg(title: str, items: Sequence[tuple[str, int]]) -> str:
    """Horizontal bars in the order given, each label above its bar and the count beside it."""
    if not items:
        return _empty(title)
    y, room = _top(title), float(WIDTH - 2 * MARGIN - 80)
    scale = max(1, *(value for _, value in items))
    body: list[str] = []
    for label, value in items:
        for line in _wrap(label, 80):
            body.append(_text(MARGIN, y + 14, line))
            y += 18
        length = _length(value, scale, room)
        body += [_rect(MARGIN, y + 2, length, 18, BAR_COLOUR),
                 _text(MARGIN + length + 8, y + 16, _count(value), bold=True)]
        y += 32
    return _document(title, y + 4, body)


def _legend(y: float) -> list[str]:
    return [_rect(MARGIN, y - 11, 14, 14, SUBMITTED_COLOUR), _text(MARGIN + 20, y, "Nộp"),
            _rect(MARGIN + 80, y - 11, 14, 14, RECOGNISED_COLOUR), _text(MARGIN + 100, y, "Công nhận")]


def trend_svg(points: Sequence[tuple[int, int, int]]) -> str:
    """Grouped columns per year (submitted, recognised), the counts written above the columns, with a legend."""
    if not points:
        return _empty(TREND_TITLE)
    ordered = sorted(points)
    top = _top(TREND_TITLE)
    chart_top, chart_height, left = top + 40, 200.0, float(MARGIN + 24)
    baseline = chart_top + chart_height
    group = (WIDTH - MARGIN - left) / len(ordered)
    column = min(40.0, group * 0.36)
    scale = max(1, *(max(s, r) for _, s, r in ordered))
    body = [*_legend(top + 14), f'<line x1="{left}" y1="{baseline}" x2="{WIDTH - MARGIN}" y2="{baseline}" '
                                f'stroke="{RULE}" stroke-width="1"/>']
    for index, (year, submitted, recognised) in enumerate(ordered):
        middle = left + group * (index + 0.5)
        for offset, value, colour in ((-1, submitted, SUBMITTED_COLOUR), (0, recognised, RECOGNISED_COLOUR)):
            x = middle + offset * column + (2 if offset == 0 else -2)
            height = _length(value, scale, chart_height)
            body += [_rect(x, baseline - height, column, height, colour),
                     _text(x + column / 2, baseline - height - 5, _count(value), anchor="middle", size=11, bold=True)]
        body.append(_text(middle, baseline + 18, str(year), anchor="middle"))
    return _document(TREND_TITLE, baseline + 32, body)


__all__ = [
    "Breakdown", "ReportData", "bars_svg", "funnel_svg", "render_report_docx", "render_report_xlsx", "sum_rows",
    "trend_svg",
]
