"""The layout of a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP) as DOCX building blocks.

Seedwork, no business rules: A4 with administrative margins, Times New Roman 13 pt on every script slot, the
header (issuing body | national motto), the date line, titles, tables, signatures. All text is NFC-normalised.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Collection, Iterable, Sequence
from typing import cast

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from reform_shared.document_text import BLANK as BLANK  # the text helpers, re-exported
from reform_shared.document_text import XML_ILLEGAL as XML_ILLEGAL
from reform_shared.document_text import nfc as nfc
from reform_shared.document_text import vn_blank_date as vn_blank_date
from reform_shared.document_text import vn_date as vn_date
from reform_shared.document_text import vn_number as vn_number

FONT = "Times New Roman"
TEXT_WIDTH_CM = 16.0  # A4 210 mm minus the left (3 cm) and right (2 cm) margins
SIGNATURE_ROOM = Pt(50)  # the blank space a handwritten signature (and the seal) needs above the name
Container = DocxDocument | _Cell
Align = WD_ALIGN_PARAGRAPH
CENTER, RIGHT, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY


def new_document() -> DocxDocument:
    """An empty A4 portrait document: margins 2 cm top and bottom, 3 cm left, 2 cm right; Times New Roman 13 pt."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    normal = cast(ParagraphStyle, doc.styles["Normal"])
    normal.font.name = FONT
    normal.font.size = Pt(13)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    rpr.append(OxmlElement("w:lang", {qn("w:val"): "vi-VN"}))
    spacing = normal.paragraph_format
    spacing.space_before, spacing.space_after, spacing.line_spacing = Pt(0), Pt(4), 1.15
    return doc


def paragraph(container: Container, text: str = "", bold: bool = False, italic: bool = False,
              align: Align | None = None, size: float | None = None, *, underline: bool = False,
              lead: str = "", indent: bool = False) -> Paragraph:
    """One paragraph of one run; `lead` is a bold run before the text ('Điều 1. '), `indent` a first-line indent."""
    para = container.add_paragraph()
    if lead:
        para.add_run(nfc(lead)).bold = True
    run = para.add_run(nfc(text))
    run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
    run.font.size = Pt(size) if size else None
    if align is not None:
        para.alignment = align
    para.paragraph_format.first_line_indent = Cm(1) if indent else None
    return para


def _grid(container: Container, rows: int, widths: Sequence[float], *, borders: bool) -> Table:
    """Fixed column widths (cm); no row breaks across pages; a bordered table repeats its first row on each page."""
    grid: Table = container.add_table(rows, len(widths))
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    grid.style = "Table Grid" if borders else None
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    for index, row in enumerate(grid.rows):
        props = row._tr.get_or_add_trPr()
        props.append(OxmlElement("w:cantSplit"))
        if borders and index == 0:
            props.append(OxmlElement("w:tblHeader"))
    return grid


def _write(cell: _Cell, text: str, *, bold: bool = False, italic: bool = False, align: Align | None = None,
           size: float | None = None, underline: bool = False) -> Paragraph:
    """Text in a cell: the cell's first (empty) paragraph is used before new ones are added."""
    first = cell.paragraphs[0]
    if len(cell.paragraphs) == 1 and not first.runs:
        first._p.getparent().remove(first._p)
    return paragraph(cell, text, bold, italic, align, size, underline=underline)


def table(container: Container, header: Sequence[str], rows: Iterable[Sequence[str]],
          widths: Sequence[float] | None = None, *, centered: Collection[int] = (), size: float | None = None
          ) -> Table:
    """A bordered table, its header row bold and centred; columns share the text width unless `widths` (cm).
    `centered`: indexes of the columns centred in the body too (numbers); `size`: for dense tables (12 pt)."""
    body = [list(row) for row in rows]
    widths = widths or [TEXT_WIDTH_CM / len(header)] * len(header)
    grid = _grid(container, 1 + len(body), widths, borders=True)
    for index, values in enumerate([header, *body]):
        for column, (cell, value) in enumerate(zip(grid.rows[index].cells, values, strict=True)):
            align = CENTER if index == 0 or column in centered else None
            _write(cell, value, bold=index == 0, align=align, size=size)
    return grid


def national_header(doc: DocxDocument, left_lines: Sequence[str], number_line: str | None = None) -> Table:
    """Issuing body on the left (the last line bold: the issuer itself), the national motto on the right."""
    grid = _grid(doc, 1, (6.0, 10.0), borders=False)
    left, right = grid.rows[0].cells
    for index, line in enumerate(left_lines):
        _write(left, line, bold=index == len(left_lines) - 1, align=CENTER, size=12 if index else 13)
    if number_line:
        _write(left, number_line, align=CENTER).paragraph_format.space_before = Pt(6)
    _write(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=CENTER, size=12)
    _write(right, "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True, align=CENTER, size=13)
    return grid


def date_line(doc: DocxDocument, place: str, date: dt.date | None, year: int | None = None) -> Paragraph:
    """'Ninh Giang, ngày 05 tháng 09 năm 2026', italic, on the right; without a date, blanks to fill by hand."""
    when = vn_date(date) if date is not None else vn_blank_date(year)
    line = paragraph(doc, f"{place}, {when}", italic=True, align=RIGHT)
    line.paragraph_format.space_before, line.paragraph_format.keep_with_next = Pt(6), True
    return line


def title(doc: DocxDocument, *lines: str) -> list[Paragraph]:
    """Bold centred title lines (14 pt), the first in capitals as given, spaced from what precedes."""
    paragraphs = [paragraph(doc, line, bold=True, align=CENTER, size=14) for line in lines]
    if paragraphs:
        paragraphs[0].paragraph_format.space_before = Pt(12)
        paragraphs[-1].paragraph_format.space_after = Pt(12)
    return paragraphs


def _signer(cell: _Cell, lines: Sequence[str]) -> None:
    """Headings bold, '(...)' instructions italic, then room to sign, then the name (the last line) bold."""
    *headings, name = lines or [""]
    for line in headings:
        instruction = line.startswith("(")
        _write(cell, line, bold=not instruction, italic=instruction, align=CENTER)
    _write(cell, name, bold=True, align=CENTER).paragraph_format.space_before = SIGNATURE_ROOM


def _recipients(cell: _Cell, recipients: Sequence[str]) -> None:
    _write(cell, "Nơi nhận:", bold=True, italic=True, size=12)
    for index, line in enumerate(recipients, 1):
        _write(cell, f"- {line.rstrip(';.')}{'.' if index == len(recipients) else ';'}", size=11)


def signature_block(doc: DocxDocument, left: Sequence[str] | None, right: Sequence[str],
                    recipients: Sequence[str] = ()) -> Table:
    """Two borderless columns: a signer (or the 'Nơi nhận' list) on the left, a signer on the right."""
    grid = _grid(doc, 1, (7.0, 9.0), borders=False)
    left_cell, right_cell = grid.rows[0].cells
    if recipients:
        _recipients(left_cell, recipients)
    elif left:
        _signer(left_cell, left)
    _signer(right_cell, right)
    for cell in (left_cell, right_cell):
        cell.paragraphs[0].paragraph_format.space_before = Pt(12)
    return grid


def to_bytes(doc: DocxDocument) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
