"""The score sheet (phiếu chấm điểm) of one member for one initiative; unscored, a blank form."""

from __future__ import annotations

from collections.abc import Mapping

from docx.document import Document as DocxDocument

from reform_evaluation.documents.council.layout import (
    _field,
    _footer,
    _heading,
    bold_last_row,
    council_header,
    criteria_rows,
)
from reform_evaluation.documents.council.views import ROLE_LABELS, SIGN_HERE, InitiativeLine, ScoreSheetView
from reform_evaluation.domain.rubric import weighted_total
from reform_shared.docx_layout import (
    CENTER,
    JUSTIFY,
    date_line,
    new_document,
    paragraph,
    signature_block,
    table,
    title,
    to_bytes,
    vn_number,
)
from reform_shared.events import Rubric

# -- the score sheet -------------------------------------------------------------------------------------------

def render_score_sheet(view: ScoreSheetView) -> bytes:
    """PHIẾU CHẤM ĐIỂM SÁNG KIẾN of one member for one initiative; blank score cells until scored."""
    doc = new_document()
    council_header(doc, view.council)
    title(doc, "PHIẾU CHẤM ĐIỂM SÁNG KIẾN")
    paragraph(doc, f"(Theo {view.council.constituted_by()} về việc thành lập Hội đồng đánh giá sáng kiến)",
                italic=True, align=CENTER)
    _field(doc, "Đợt phát động", view.campaign_title)
    _field(doc, "Thành viên chấm", f"{view.member.name} – {ROLE_LABELS.get(view.member.role, view.member.role)}")
    _sheet_initiative(doc, view.initiative)
    _heading(doc, "II. ĐIỂM CHẤM")
    _sheet_scores(doc, view)
    _heading(doc, "III. NHẬN XÉT, ĐỀ XUẤT")
    for line in view.comment.splitlines() or ["." * 135] * 2:
        paragraph(doc, line, align=JUSTIFY)
    date_line(doc, view.council.place_name, view.scored_on, view.council.decision_date.year)
    signature_block(doc, None, ["NGƯỜI CHẤM", SIGN_HERE, view.member.name])
    _footer(doc, f"Mã hồ sơ {view.initiative.initiative_id} – Phiếu chấm của {view.member.name}")
    return to_bytes(doc)


def _sheet_initiative(doc: DocxDocument, initiative: InitiativeLine) -> None:
    _heading(doc, "I. THÔNG TIN SÁNG KIẾN")
    _field(doc, "Tên sáng kiến", initiative.title)
    _field(doc, "Đơn vị", initiative.unit_name)
    _field(doc, "Tác giả", initiative.author_text)
    _field(doc, "Lĩnh vực", initiative.field_text)


def _sheet_total(rubric: Rubric, points: Mapping[str, float] | None) -> str:
    if points is None or any(c.code not in points for c in rubric.criteria):
        return ""
    return vn_number(weighted_total(rubric, dict(points)))


def _sheet_scores(doc: DocxDocument, view: ScoreSheetView) -> None:
    points = view.points or {}
    rows = [[*row, vn_number(points[c.code]) if c.code in points else ""]
            for row, c in zip(criteria_rows(view.rubric), view.rubric.criteria, strict=True)]
    rows.append(["", "Tổng điểm (thang 100)", "", "100", _sheet_total(view.rubric, view.points)])
    header = ("STT", "Tiêu chí", "Điểm tối đa", "Trọng số (%)", "Điểm chấm")
    bold_last_row(table(doc, header, rows, (1.4, 7.4, 2.4, 2.4, 2.4), centered={0, 2, 3, 4}))
    paragraph(doc, "Tổng điểm quy đổi = tổng của (Điểm chấm / Điểm tối đa × Trọng số) các tiêu chí.", italic=True,
              size=11)
