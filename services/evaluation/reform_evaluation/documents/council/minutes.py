"""The minutes (biên bản) of the council's meeting: who attended, the rubric, the results, conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from docx.document import Document as DocxDocument

from reform_evaluation.documents.council.layout import _heading, clock, council_header, criteria_rows, lead_in, local
from reform_evaluation.documents.council.views import (
    DASH,
    OUTCOME_LABELS,
    ROLE_LABELS,
    SIGN_HERE,
    ConflictLine,
    DiscussionLine,
    MinutesView,
    ResultLine,
)
from reform_shared.docx_layout import (
    JUSTIFY,
    date_line,
    new_document,
    paragraph,
    signature_block,
    table,
    title,
    to_bytes,
    vn_date,
    vn_number,
)
from reform_shared.events import CouncilMember, Rubric

# -- the minutes -----------------------------------------------------------------------------------------------

def render_minutes(view: MinutesView) -> bytes:
    """BIÊN BẢN HỌP HỘI ĐỒNG ĐÁNH GIÁ SÁNG KIẾN: attendance, rubric, results, conflicts, conclusion."""
    doc = new_document()
    council_header(doc, view.council)
    date_line(doc, view.council.place_name, local(view.held_at).date())
    title(doc, "BIÊN BẢN HỌP HỘI ĐỒNG ĐÁNH GIÁ SÁNG KIẾN", f"CẢI CÁCH HÀNH CHÍNH NĂM {view.year}")
    _minutes_opening(doc, view)
    _minutes_attendance(doc, view)
    _minutes_rubric(doc, view.rubric)
    _minutes_results(doc, view.results)
    _minutes_not_recognised(doc, view.results)
    _minutes_conflicts(doc, view.conflicts)
    _minutes_discussion(doc, view.discussion)
    _minutes_conclusion(doc, view)
    signature_block(doc, ["THƯ KÝ", SIGN_HERE, view.with_role("secretary")],
                      ["CHỦ TỊCH HỘI ĐỒNG", SIGN_HERE, view.with_role("chair")])
    return to_bytes(doc)


def _minutes_opening(doc: DocxDocument, view: MinutesView) -> None:
    held = local(view.held_at)
    paragraph(doc, f"Vào hồi {clock(held)}, {vn_date(held.date())}, tại {view.venue}, Hội đồng đánh giá "
                     f"sáng kiến cải cách hành chính năm {view.year} của UBND {view.council.commune_name} "
                     f"(thành lập theo {view.council.constituted_by()}) họp đánh giá các sáng kiến.",
                align=JUSTIFY, indent=True)


def _member_line(member: CouncilMember) -> str:
    return f"- {member.name} – {ROLE_LABELS.get(member.role, member.role)}"


def _minutes_attendance(doc: DocxDocument, view: MinutesView) -> None:
    total = len(view.present) + len(view.absent)
    _heading(doc, "I. THÀNH PHẦN")
    lead_in(doc, f"1. Thành viên có mặt: {len(view.present)}/{total}")
    for member in view.present:
        paragraph(doc, _member_line(member))
    lead_in(doc, f"2. Thành viên vắng mặt: {len(view.absent)}/{total}")
    for member in view.absent:
        paragraph(doc, _member_line(member))


def _share(value: float) -> str:
    fraction = Fraction(value).limit_denominator(10)
    return f"{fraction.numerator}/{fraction.denominator}"


def _minutes_rubric(doc: DocxDocument, rubric: Rubric) -> None:
    _heading(doc, "II. NỘI DUNG")
    lead_in(doc, f"1. Bộ tiêu chí đánh giá (phiên bản {rubric.version}):")
    table(doc, ("STT", "Tiêu chí", "Điểm tối đa", "Trọng số (%)"), criteria_rows(rubric), (1.4, 9.6, 2.5, 2.5),
          centered={0, 2, 3})
    labels = {c.code: c.label for c in rubric.criteria}
    required = ", ".join(labels.get(code, code) for code in rubric.required_conditions)
    paragraph(doc, f"Sáng kiến được đề nghị công nhận khi các tiêu chí bắt buộc ({required}) đạt điểm trung bình "
                     f"từ {vn_number(rubric.condition_threshold * 100)}% điểm tối đa trở lên và tổng điểm bình "
                     f"quân đạt từ {vn_number(rubric.pass_threshold)}/100 điểm; kết quả chỉ được kết luận khi "
                     f"ít nhất {_share(rubric.quorum)} số thành viên không có xung đột lợi ích đã chấm điểm.",
                align=JUSTIFY, indent=True)


def _result_row(rank: int, line: ResultLine) -> list[str]:
    result = line.result
    numbers = ([vn_number(result.mean_total), vn_number(result.median_total), f"{result.scored}/{result.eligible}"]
               if result else [DASH, DASH, DASH])
    who = f"{line.initiative.author_text} ({line.initiative.unit_name})" if line.initiative.authors \
        else line.initiative.author_text
    return [str(rank), line.initiative.title, who, *numbers, OUTCOME_LABELS[line.outcome]]


def _minutes_results(doc: DocxDocument, results: Sequence[ResultLine]) -> None:
    lead_in(doc, "2. Kết quả đánh giá (theo thứ tự xếp hạng):")
    header = ("Xếp hạng", "Tên sáng kiến", "Tác giả/Đơn vị", "Điểm TB", "Trung vị", "Số phiếu/Số TV", "Kết quả")
    rows = [_result_row(rank, line) for rank, line in enumerate(results, 1)]
    table(doc, header, rows, (1.6, 4.3, 3.5, 1.6, 1.6, 1.7, 1.7), centered={0, 3, 4, 5, 6}, size=12)


def _minutes_not_recognised(doc: DocxDocument, results: Sequence[ResultLine]) -> None:
    lead_in(doc, "3. Các sáng kiến không được công nhận:")
    rejected = [line for line in results if line.outcome == "not_recognised"]
    for line in rejected:
        because = "; ".join(r.rstrip(";. ") for r in line.reasons) or "không đạt các điều kiện công nhận"
        paragraph(doc, f"- Sáng kiến “{line.initiative.title}” ({line.initiative.author_text}) không được "
                         f"công nhận vì: {because}.", align=JUSTIFY)
    if not rejected:
        paragraph(doc, "Không có.")


def _minutes_conflicts(doc: DocxDocument, conflicts: Sequence[ConflictLine]) -> None:
    lead_in(doc, "4. Xung đột lợi ích (thành viên không chấm điểm sáng kiến tương ứng):")
    if not conflicts:
        paragraph(doc, "Không có thành viên nào có xung đột lợi ích.")
        return
    rows = [[str(n), c.member_name, c.initiative_title, c.reason] for n, c in enumerate(conflicts, 1)]
    table(doc, ("STT", "Thành viên", "Sáng kiến", "Lý do"), rows, (1.4, 3.8, 5.8, 5.0), centered={0})


def _minutes_discussion(doc: DocxDocument, discussion: Sequence[DiscussionLine]) -> None:
    lead_in(doc, "5. Tóm tắt thảo luận của hội đồng:")
    if not discussion:
        paragraph(doc, "Không có ý kiến thảo luận được ghi nhận.")
        return
    for line in discussion:
        paragraph(doc, f"- Sáng kiến “{line.initiative_title}”:", align=JUSTIFY)
        for point in line.points:
            paragraph(doc, f"+ {point}", align=JUSTIFY, indent=True)


def _minutes_conclusion(doc: DocxDocument, view: MinutesView) -> None:
    counts = {key: sum(line.outcome == key for line in view.results) for key in OUTCOME_LABELS}
    _heading(doc, "III. KẾT LUẬN")
    paragraph(doc, f"Hội đồng đã đánh giá {len(view.results):02d} sáng kiến: {counts['recognised']:02d} sáng kiến "
                     f"đạt yêu cầu, đề nghị Chủ tịch UBND {view.council.commune_name} công nhận; "
                     f"{counts['not_recognised']:02d} sáng kiến không được công nhận; "
                     f"{counts['pending']:02d} sáng kiến chưa kết luận.", align=JUSTIFY, indent=True)
    ended = f"Cuộc họp kết thúc vào hồi {clock(view.ended_at)} cùng ngày. " if view.ended_at else ""
    paragraph(doc, f"{ended}Biên bản đã được thông qua tại cuộc họp, các thành viên dự họp thống nhất với nội dung "
                     "biên bản./.", align=JUSTIFY, indent=True)
