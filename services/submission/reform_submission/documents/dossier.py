"""The printable initiative dossier: replaces seed 003's "two bound colour copies on paper".

Laid out as a Vietnamese initiative submission form (đơn đề nghị công nhận sáng kiến): national
motto header, place and date line, bold capital title, numbered sections, commitment, signature.
All text is NFC-normalised; the font is set on the ASCII, East Asian and complex-script slots.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from reform_shared.catalog import field_label
from reform_shared.docx_layout import nfc
from reform_shared.events.submission import AuthorRef, InitiativeContent
from reform_shared.ids import VIETNAM

FONT = "Times New Roman"
NONE = "(không có)"
TEXT_WIDTH = Cm(16)  # A4 210 mm - left 3 cm - right 2 cm
Block = Callable[[DocxDocument, "DossierView"], None]


@dataclass(frozen=True)
class DossierView:
    """What the dossier shows: the content of one revision, with its campaign and commune."""

    commune_name: str
    campaign_title: str
    year: int
    initiative_id: str
    status: str
    revision: int
    submitted_at: dt.datetime
    content: InitiativeContent
    place_name: str

    def __post_init__(self) -> None:
        if self.submitted_at.utcoffset() is None:
            raise ValueError("submitted_at must be timezone-aware")


def render_dossier_docx(view: DossierView) -> bytes:
    """The dossier as a DOCX file (A4 portrait, Times New Roman 13 pt)."""
    doc = Document()
    _page(doc)
    _styles(doc)
    for block in (_header, _title, *SECTIONS, _closing):
        block(doc, view)
    _footer(doc, view)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)


def _styles(doc: DocxDocument) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    rpr.get_or_add_rFonts().set(qn("w:cs"), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    rpr.append(lang)
    spacing = normal.paragraph_format
    spacing.space_before, spacing.space_after, spacing.line_spacing = Pt(0), Pt(4), 1.15


def _para(container: DocxDocument | _Cell, text: str = "", *, bold: bool = False, italic: bool = False,
          underline: bool = False, size: int | None = None, align: int | None = None) -> Paragraph:
    paragraph = container.add_paragraph()
    run = paragraph.add_run(nfc(text))
    run.bold, run.italic, run.underline = bold, italic, underline
    if size:
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _body(doc: DocxDocument, text: str, label: str = "") -> None:
    """Justified text, one paragraph per line, the first after an optional label; empty text prints (không có)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()] or [NONE]
    for index, line in enumerate(lines):
        paragraph = _para(doc, f"{label}: {line}" if label and index == 0 else line, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        paragraph.paragraph_format.first_line_indent = Cm(1)


def _table(container: DocxDocument | _Cell, header: Sequence[str], rows: Iterable[Sequence[str]],
           widths: Sequence[float], *, grid: bool = True) -> Table:
    table = container.add_table(rows=0, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    if grid:
        table.style = "Table Grid"
    for index, values in enumerate([header, *rows] if header else list(rows)):
        row = table.add_row()
        for cell, value, width in zip(row.cells, values, widths, strict=True):
            cell.width = Cm(width)
            cell.paragraphs[0].add_run(nfc(value)).bold = bool(header) and index == 0
            cell.paragraphs[0].paragraph_format.keep_with_next = bool(header) and index == 0
        if header and index == 0:  # repeated on every page, never left alone at the foot of one
            row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    if grid:  # a little air between a bordered table and the text after it
        spacer = container.add_paragraph().paragraph_format
        spacer.space_after, spacer.line_spacing = Pt(0), Pt(6)
    return table


def _header(doc: DocxDocument, view: DossierView) -> None:
    table = _table(doc, (), [("", "")], (6.0, 10.0), grid=False)
    left, right = table.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    left.paragraphs[0].add_run(nfc(f"UBND {view.commune_name.upper()}"))
    left.paragraphs[0].alignment = center
    _para(left, view.content.unit.name.upper(), bold=True, size=12, align=center)
    right.paragraphs[0].add_run(nfc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")).bold = True
    right.paragraphs[0].alignment = center
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, underline=True, size=14, align=center)
    date = view.submitted_at.astimezone(VIETNAM)
    _para(right, f"{view.place_name}, ngày {date:%d} tháng {date:%m} năm {date:%Y}", italic=True, align=center)


def _title(doc: DocxDocument, view: DossierView) -> None:
    center = WD_ALIGN_PARAGRAPH.CENTER
    heading = _para(doc, "ĐƠN ĐỀ NGHỊ CÔNG NHẬN SÁNG KIẾN", bold=True, size=14, align=center)
    heading.paragraph_format.space_before = Pt(18)
    _para(doc, view.content.title, bold=True, size=14, align=center)
    addressee = _para(doc, f"Kính gửi: Hội đồng đánh giá sáng kiến {view.commune_name}", align=center)
    addressee.paragraph_format.space_after = Pt(12)
    _body(doc, f"Hưởng ứng đợt phát động “{view.campaign_title}” năm {view.year}, tôi (chúng tôi) đề nghị "
               "Hội đồng xem xét, công nhận sáng kiến sau:")


def _section(number: int, heading: str, fill: Block) -> Block:
    def block(doc: DocxDocument, view: DossierView) -> None:
        paragraph = _para(doc, f"{number}. {heading}", bold=True)
        paragraph.paragraph_format.space_before, paragraph.paragraph_format.keep_with_next = Pt(6), True
        fill(doc, view)
    return block


def _name(doc: DocxDocument, view: DossierView) -> None:
    _body(doc, view.content.title)
    _body(doc, view.content.summary, "Tóm tắt")


def _authors(doc: DocxDocument, view: DossierView) -> None:
    content = view.content
    if content.author_kind == "collective":
        _body(doc, content.unit.name, "Tập thể")
    if not content.authors:
        if content.author_kind != "collective":
            _body(doc, "")
        return
    rows = [(str(n), a.name, a.position or "", _unit_of(a, view)) for n, a in enumerate(content.authors, 1)]
    _table(doc, ("STT", "Họ và tên", "Chức vụ", "Đơn vị"), rows, (1.4, 5.0, 4.1, 5.5))


def _unit_of(author: AuthorRef, view: DossierView) -> str:
    unit = view.content.unit
    return unit.name if author.unit_id in (None, unit.unit_id) else author.unit_id or ""


def _field(doc: DocxDocument, view: DossierView) -> None:
    code = view.content.field
    _body(doc, f"{code.replace('dd', 'đ')}) {field_label(code)}", "Lĩnh vực")
    _body(doc, view.content.sub_area, "Nội dung cụ thể")


def _novelty(doc: DocxDocument, view: DossierView) -> None:
    novelty = view.content.novelty
    _body(doc, "Áp dụng lần đầu" if novelty.kind == "first_applied" else "Áp dụng thử", "Hình thức")
    _body(doc, novelty.where, "Nơi áp dụng")
    _body(doc, f"{novelty.since:%d/%m/%Y}" if novelty.since else "", "Áp dụng từ ngày")
    _body(doc, novelty.description, "Mô tả")


def _number(value: float | None) -> str:
    """Vietnamese number format: '.' between thousands, ',' before decimals (1.500,25)."""
    if value is None:
        return "–"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.translate(str.maketrans(",.", ".,"))


def _signed(value: float) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "") + _number(abs(value))


def _change(before: float | None, after: float | None) -> str:
    """after - before, and relative to before when it is not zero: '−1,75 (−87,5%)'."""
    if before is None or after is None:
        return "–"
    delta = after - before
    return f"{_signed(delta)} ({_signed(delta / abs(before) * 100)}%)" if before else _signed(delta)


def _effectiveness(doc: DocxDocument, view: DossierView) -> None:
    effect = view.content.effectiveness
    rows = [(i.name, i.unit, _number(i.before), _number(i.after), _change(i.before, i.after))
            for i in effect.indicators]
    if rows:
        _table(doc, ("Chỉ tiêu", "Đơn vị tính", "Trước", "Sau", "Thay đổi"), rows, (5.2, 2.8, 2.0, 2.0, 4.0))
    else:
        _body(doc, "", "Chỉ tiêu đo lường")
    _body(doc, effect.expected_benefit, "Lợi ích dự kiến")
    _body(doc, effect.description, "Đánh giá hiệu quả")


def _attachments(doc: DocxDocument, view: DossierView) -> None:
    rows = [(str(n), a.filename, a.media_type, _number(round(a.size / 1024, 1)), a.sha256[:16])
            for n, a in enumerate(view.content.attachments, 1)]
    if not rows:
        _body(doc, "")
        return
    header = ("STT", "Tên tệp", "Loại", "Dung lượng (KB)", "SHA-256 (16 ký tự đầu)")
    _table(doc, header, rows, (1.4, 4.8, 3.3, 2.5, 4.0))


SECTIONS: tuple[Block, ...] = (
    _section(1, "Tên sáng kiến", _name),
    _section(2, "Tác giả", _authors),
    _section(3, "Lĩnh vực áp dụng", _field),
    _section(4, "Thực trạng, vấn đề cần giải quyết", lambda doc, view: _body(doc, view.content.problem)),
    _section(5, "Nội dung giải pháp", lambda doc, view: _body(doc, view.content.solution)),
    _section(6, "Tính mới", _novelty),
    _section(7, "Hiệu quả", _effectiveness),
    _section(8, "Khả năng nhân rộng", lambda doc, view: _body(doc, view.content.replication_scope)),
    _section(9, "Tài liệu kèm theo", _attachments),
)


def _closing(doc: DocxDocument, view: DossierView) -> None:
    _para(doc).paragraph_format.line_spacing = Pt(6)
    _body(doc, "Tôi (chúng tôi) xin cam đoan mọi thông tin nêu trong đơn là trung thực, đúng sự thật và hoàn toàn "
               "chịu trách nhiệm trước pháp luật.")
    signature = _table(doc, (), [("", "")], (7.0, 9.0), grid=False).rows[0].cells[1]
    center = WD_ALIGN_PARAGRAPH.CENTER
    signature.paragraphs[0].add_run(nfc("TÁC GIẢ SÁNG KIẾN")).bold = True
    signature.paragraphs[0].alignment = center
    _para(signature, "(Ký, ghi rõ họ tên)", italic=True, align=center).paragraph_format.space_after = Pt(60)
    for name in [a.name for a in view.content.authors] or [view.content.unit.name]:
        _para(signature, name, bold=True, align=center)


def _footer(doc: DocxDocument, view: DossierView) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text = f"Mã hồ sơ {view.initiative_id} – Phiên bản {view.revision} – {view.status}"
    paragraph.add_run(nfc(text)).font.size = Pt(10)
