"""The report as DOCX: the commune's (or the city's) BÁO CÁO laid out on reform_shared.docx_layout."""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document as DocxDocument
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from reform_reporting.documents.report.model import (
    COLUMN_LABELS,
    NO_DATA,
    NONE,
    STAGES,
    TOTAL_LABEL,
    Breakdown,
    ReportData,
    _count,
    local,
    nfc,
    sum_rows,
)
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
)

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
    national_header(doc, [f"UBND {nfc(data.commune_name).upper()}"], f"Số:{BLANK}/BC-UBND")
    date_line(doc, data.place, None, local(data.as_of).year)
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
    signature_block(doc, None, (*SIGNER[:2], data.signer), recipients=_recipients(data))
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
