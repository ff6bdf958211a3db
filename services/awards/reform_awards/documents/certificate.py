"""The award certificate (seed 004), laid out on reform_shared.docx_layout: A4 landscape, centred.

- commune level: GIẤY KHEN of the Chairman of the commune's People's Committee;
- city level: BẰNG KHEN of the Chairman of the People's Committee of Hải Phòng (annual, period 2026–2030).

The layout of the certificates (phôi Giấy khen, Bằng khen): the national motto, the issuer, "TẶNG", the title, the
recipient, the achievement; then the decision's number and date on the left, the place and date, "CHỦ TỊCH", room
for the signature and the seal, and the signer's name on the right. The view is plain frozen data: the application
fills it from the AwardGranted event; nothing is decided here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from reform_shared.docx_layout import (
    CENTER,
    SIGNATURE_ROOM,
    new_document,
    nfc,
    paragraph,
    to_bytes,
    vn_date,
)

LEVELS = ("commune", "city")
RECIPIENT_KINDS = ("individual", "collective")
CITY_NAME = "thành phố Hải Phòng"
CITY_PLACE = "Hải Phòng"
TITLES: dict[str, str] = {"commune": "GIẤY KHEN", "city": "BẰNG KHEN"}
MARGIN_CM = 2.0
TEXT_WIDTH_CM = 29.7 - 2 * MARGIN_CM  # A4 landscape minus the margins
RED = RGBColor(0xC0, 0x00, 0x00)  # the title, as printed on certificates
COMMUNE_KINDS = ("đặc khu", "phường", "xã")


@dataclass(frozen=True)
class CertificateView:
    """One granted award as its certificate prints it."""

    form_code: str  # "giay-khen-xa", "bang-khen-tp", "khen-giai-doan-2026-2030", "khen-dot-xuat"
    form_name: str  # "Giấy khen của Chủ tịch UBND xã"
    level: str  # "commune" | "city": who issues it, and so GIẤY KHEN or BẰNG KHEN
    recipient_kind: str  # "individual" | "collective"
    recipient_name: str  # "Nguyễn Thị Lan"; a collective: "Bộ phận Một cửa" (printed "Tập thể Bộ phận Một cửa")
    unit_name: str  # the individual's unit; for a collective, its parent unit or "" (or the same name)
    commune_name: str  # "xã Ninh Giang"
    achievement: str  # "Đã có thành tích xuất sắc trong công tác cải cách hành chính năm 2026"; "" for the default
    year: int | None
    period: str | None  # "2026-2030" for the period awards
    decision_number: str  # "125/QĐ-UBND"
    decision_date: dt.date
    signer: str

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {self.level!r}")
        if self.recipient_kind not in RECIPIENT_KINDS:
            raise ValueError(f"recipient_kind must be one of {RECIPIENT_KINDS}, not {self.recipient_kind!r}")

    @property
    def title(self) -> str:
        return TITLES[self.level]

    @property
    def issuer(self) -> str:
        """'CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ NINH GIANG', or of THÀNH PHỐ HẢI PHÒNG for the city's awards."""
        body = self.commune_name if self.level == "commune" else CITY_NAME
        return nfc(f"CHỦ TỊCH ỦY BAN NHÂN DÂN {body.strip()}".upper())

    @property
    def place(self) -> str:
        """The place of the date line: the commune without its kind ('Ninh Giang'), or 'Hải Phòng'."""
        if self.level == "city":
            return CITY_PLACE
        name = nfc(self.commune_name.strip())
        for kind in COMMUNE_KINDS:
            if name.lower().startswith(kind + " "):
                return name[len(kind):].strip()
        return name

    @property
    def recipient_line(self) -> str:
        """'Ông/Bà Nguyễn Thị Lan', or 'Tập thể Bộ phận Một cửa'."""
        name = nfc(" ".join(self.recipient_name.split()))
        if self.recipient_kind == "individual":
            return f"Ông/Bà {name}"
        return name if name.lower().startswith("tập thể") else f"Tập thể {name}"

    @property
    def unit_line(self) -> str:
        """The unit under the recipient; nothing when a collective's unit is the collective itself."""
        unit = nfc(" ".join(self.unit_name.split()))
        name = nfc(" ".join(self.recipient_name.split()))
        if self.recipient_kind == "collective" and unit.lower() in (name.lower(), self.recipient_line.lower()):
            return ""
        return unit

    @property
    def achievement_text(self) -> str:
        """The achievement as given; without one, the campaign's usual wording for the year or the period."""
        text = nfc(" ".join(self.achievement.split()))
        if text:
            return text
        if self.period:
            years = " - ".join(part.strip() for part in re.split("[-–]", self.period))
            return f"Đã có thành tích xuất sắc trong phong trào thi đua đẩy mạnh cải cách hành chính giai đoạn {years}"
        year = f" năm {self.year}" if self.year is not None else ""
        return f"Đã có thành tích xuất sắc trong công tác cải cách hành chính{year}"

    @property
    def decision_line(self) -> str:
        return f"Quyết định số {self.decision_number.strip()} ngày {self.decision_date:%d/%m/%Y}"

    @property
    def date_text(self) -> str:
        return f"{self.place}, {vn_date(self.decision_date)}"


def render_certificate(view: CertificateView) -> bytes:
    """The certificate as a DOCX: A4 landscape, one page, everything centred, a double frame around the page."""
    doc = new_document()
    _landscape(doc)
    _spaced(paragraph(doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=CENTER, size=15), after=0)
    paragraph(doc, "Độc lập - Tự do - Hạnh phúc", bold=True, align=CENTER, size=15, underline=True)
    _spaced(paragraph(doc, view.issuer, bold=True, align=CENTER, size=16), before=18)
    _spaced(paragraph(doc, "TẶNG", bold=True, align=CENTER, size=18), before=14)
    heading = paragraph(doc, view.title, bold=True, align=CENTER, size=48)
    heading.runs[0].font.color.rgb = RED
    _spaced(heading, before=4, after=14)
    _recipient(doc, view)
    achievement = paragraph(doc, view.achievement_text, italic=True, align=CENTER, size=17)
    _spaced(achievement, before=12, after=18)
    achievement.paragraph_format.left_indent = achievement.paragraph_format.right_indent = Cm(2)
    _signature(doc, view)
    return to_bytes(doc)


def _spaced(para: Paragraph, before: float | None = None, after: float | None = None) -> Paragraph:
    if before is not None:
        para.paragraph_format.space_before = Pt(before)
    if after is not None:
        para.paragraph_format.space_after = Pt(after)
    para.paragraph_format.keep_with_next = True
    return para


def _recipient(doc: DocxDocument, view: CertificateView) -> None:
    """'Ông/Bà ' then the name in bold capitals-size; a collective's line is bold throughout; the unit under it."""
    line = view.recipient_line
    if view.recipient_kind == "individual":
        para = paragraph(doc, "Ông/Bà ", align=CENTER, size=20)
        name = para.add_run(nfc(line.removeprefix("Ông/Bà ")))
        name.bold = True
        name.font.size = Pt(26)
    else:
        para = paragraph(doc, line, bold=True, align=CENTER, size=26)
    _spaced(para, before=6)
    if view.unit_line:
        _spaced(paragraph(doc, view.unit_line, bold=True, align=CENTER, size=17), before=4)


def _signature(doc: DocxDocument, view: CertificateView) -> None:
    """Two borderless columns: the decision on the left, at the foot; date, 'CHỦ TỊCH', signer on the right."""
    grid = doc.add_table(1, 2)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    width = Cm(TEXT_WIDTH_CM / 2)
    for column in grid.columns:
        column.width = width
        for cell in column.cells:
            cell.width = width
    grid.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    left, right = grid.rows[0].cells
    left.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    _in_cell(left, view.decision_line, italic=True, size=14)
    _in_cell(right, view.date_text, italic=True, size=15)
    _in_cell(right, "CHỦ TỊCH", bold=True, size=15)
    _in_cell(right, view.signer, bold=True, size=16).paragraph_format.space_before = SIGNATURE_ROOM


def _in_cell(cell: _Cell, text: str, *, bold: bool = False, italic: bool = False, size: float) -> Paragraph:
    """A centred line in a cell: the cell's own empty paragraph is dropped before the first line."""
    first = cell.paragraphs[0]
    if len(cell.paragraphs) == 1 and not first.runs:
        first._p.getparent().remove(first._p)
    return paragraph(cell, text, bold, italic, CENTER, size)


def _landscape(doc: DocxDocument) -> None:
    """A4 landscape with even 2 cm margins, the content centred on the page, a double frame around it."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Cm(MARGIN_CM)
    section.left_margin = section.right_margin = Cm(MARGIN_CM)
    sect_pr = section._sectPr
    borders = OxmlElement("w:pgBorders", {qn("w:offsetFrom"): "page"})
    for side in ("top", "left", "bottom", "right"):
        borders.append(OxmlElement(f"w:{side}", {qn("w:val"): "double", qn("w:sz"): "18", qn("w:space"): "24",
                                                 qn("w:color"): "C00000"}))
    sect_pr.insert_element_before(borders, "w:lnNumType", "w:pgNumType", "w:cols", "w:formProt", "w:vAlign",
                                  "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi", "w:rtlGutter",
                                  "w:docGrid", "w:printerSettings", "w:sectPrChange")
    sect_pr.insert_element_before(OxmlElement("w:vAlign", {qn("w:val"): "center"}), "w:noEndnote", "w:titlePg",
                                  "w:textDirection", "w:bidi", "w:rtlGutter", "w:docGrid", "w:printerSettings",
                                  "w:sectPrChange")
