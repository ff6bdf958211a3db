"""The commune chairman's recognition decision (quyết định công nhận) with its annex; a draft until signed."""

from __future__ import annotations

from docx.document import Document as DocxDocument

from reform_evaluation.documents.council.bases import DocumentRef, campaign_basis, council_basis
from reform_evaluation.documents.council.views import DecisionView
from reform_shared.docx_layout import (
    CENTER,
    JUSTIFY,
    RIGHT,
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

# -- the recognition decision ----------------------------------------------------------------------------------

def render_decision(view: DecisionView) -> bytes:
    """The chairman's QUYẾT ĐỊNH công nhận sáng kiến, then its annex on a new page; "DỰ THẢO" until signed."""
    doc = new_document()
    if view.is_draft:
        paragraph(doc, "DỰ THẢO", bold=True, align=RIGHT)
    national_header(doc, [f"ỦY BAN NHÂN DÂN {view.council.commune_upper}"], f"Số: {view.number_ref}")
    date_line(doc, view.council.place_name, view.decision_date, view.year)
    title(doc, "QUYẾT ĐỊNH", f"Về việc công nhận sáng kiến cải cách hành chính năm {view.year}")
    paragraph(doc, f"CHỦ TỊCH ỦY BAN NHÂN DÂN {view.council.commune_upper}", bold=True, align=CENTER)
    _decision_bases(doc, view)
    _decision_articles(doc, view)
    signature_block(doc, None, [*view.signer_heading, view.signer], recipients=view.recipient_list)
    _decision_annex(doc, view)
    return to_bytes(doc)


def preamble(view: DecisionView) -> list[str]:
    """The 'Căn cứ …' lines: the laws given, the campaign's launch document, the council's constituting decision."""
    council = view.council
    lines = [*view.legal_bases]
    if view.campaign_basis is not None:
        lines.append(campaign_basis(view.campaign_basis, council.commune_name, view.year))
    lines.append(council_basis(DocumentRef(council.decision_number, council.decision_date), council.commune_name,
                               view.year))
    return lines


def _decision_bases(doc: DocxDocument, view: DecisionView) -> None:
    minutes = f" tại Biên bản họp ngày {view.minutes_date:%d/%m/%Y}" if view.minutes_date else ""
    proposal = (f"Xét đề nghị của Hội đồng đánh giá sáng kiến (thành lập theo {view.council.constituted_by()})"
                f"{minutes} và của {view.proposer}.")
    for basis in preamble(view):
        paragraph(doc, f"{basis.strip().rstrip(';.')};", italic=True, align=JUSTIFY, indent=True)
    paragraph(doc, proposal, italic=True, align=JUSTIFY, indent=True)
    title(doc, "QUYẾT ĐỊNH:")


def _decision_articles(doc: DocxDocument, view: DecisionView) -> None:
    articles = (
        f"Công nhận {len(view.initiatives):02d} sáng kiến cải cách hành chính năm {view.year} của các tập thể, "
        f"cá nhân thuộc UBND {view.council.commune_name} (có danh sách kèm theo).",
        "Quyết định này có hiệu lực kể từ ngày ký.",
        f"{', '.join(view.executor_list)} và các tác giả có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
    )
    for number, text in enumerate(articles, 1):
        paragraph(doc, text, lead=f"Điều {number}. ", align=JUSTIFY, indent=True)


def _decision_annex(doc: DocxDocument, view: DecisionView) -> None:
    heading = title(doc, "PHỤ LỤC", "DANH SÁCH SÁNG KIẾN ĐƯỢC CÔNG NHẬN")
    heading[0].paragraph_format.page_break_before = True
    paragraph(doc, f"(Kèm theo Quyết định số {view.number_ref} ngày {view.date_ref} của Chủ tịch UBND "
                     f"{view.council.commune_name})", italic=True, align=CENTER)
    header = ("STT", "Tên sáng kiến", "Tác giả", "Đơn vị", "Lĩnh vực", "Điểm TB")
    rows = [[str(n), line.initiative.title, line.initiative.author_text, line.initiative.unit_name,
             line.initiative.field_text, vn_number(line.mean_total)]
            for n, line in enumerate(view.initiatives, 1)]
    table(doc, header, rows, (1.3, 4.5, 3.2, 2.8, 2.7, 1.5), centered={0, 5}, size=12)
