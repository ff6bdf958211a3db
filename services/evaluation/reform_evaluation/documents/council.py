"""The council's printable documents, laid out on reform_shared.docx_layout.

- the score sheet (phiếu chấm điểm) of one member for one initiative; unscored, it prints as a blank form;
- the minutes (biên bản) of the council's meeting: who attended, the rubric, the results, conflicts;
- the recognition decision (quyết định công nhận) of the commune chairman with its annex; marked
  "DỰ THẢO" with blanks for the number and the date until it is signed.

The views are plain frozen data: the application fills them from the events; nothing is decided here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from docx.document import Document as DocxDocument
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from reform_evaluation.domain.rubric import weighted_total
from reform_shared.catalog import field_label
from reform_shared.docx_layout import (
    BLANK,
    CENTER,
    JUSTIFY,
    RIGHT,
    date_line,
    national_header,
    new_document,
    nfc,
    paragraph,
    signature_block,
    table,
    title,
    to_bytes,
    vn_date,
    vn_number,
)
from reform_shared.events import CouncilMember, InitiativeContent, Rubric, ScoreResult
from reform_shared.ids import VIETNAM

Outcome = Literal["recognised", "not_recognised", "pending"]
OUTCOME_LABELS: dict[str, str] = {
    "recognised": "Công nhận", "not_recognised": "Không công nhận", "pending": "Chưa kết luận",
}
ROLE_LABELS: dict[str, str] = {"chair": "Chủ tịch hội đồng", "secretary": "Thư ký", "member": "Ủy viên"}
SIGN_HERE = "(Ký, ghi rõ họ tên)"
COUNCIL_NAME = "HỘI ĐỒNG ĐÁNH GIÁ SÁNG KIẾN"
DASH = "–"


@dataclass(frozen=True)
class CouncilRef:
    """The commune and the chairman's decision that constituted the council."""

    commune_name: str  # "xã Ninh Giang", "phường Gia Viên"
    place_name: str  # "Ninh Giang": the place of the date line
    decision_number: str  # "210/QĐ-UBND"
    decision_date: dt.date

    @property
    def commune_upper(self) -> str:
        return self.commune_name.upper()

    @property
    def kind(self) -> str:
        """'xã', 'phường' or 'đặc khu': how the commune's own bodies are named ('UBND phường')."""
        name = self.commune_name.strip().lower()
        return next((kind for kind in ("đặc khu", "phường") if name.startswith(kind)), "xã")

    def constituted_by(self) -> str:
        return (f"Quyết định số {self.decision_number} ngày {self.decision_date:%d/%m/%Y} "
                f"của Chủ tịch UBND {self.commune_name}")


@dataclass(frozen=True)
class InitiativeLine:
    """An initiative as the documents name it."""

    initiative_id: str
    title: str
    unit_name: str
    authors: tuple[str, ...] = ()  # empty: a collective author, the unit
    field: str = ""  # a field code of reform_shared.catalog: "c", "dd", "g"...

    @classmethod
    def of(cls, initiative_id: str, content: InitiativeContent) -> InitiativeLine:
        return cls(initiative_id, content.title, content.unit.name, tuple(a.name for a in content.authors),
                   content.field)

    @property
    def author_text(self) -> str:
        return ", ".join(self.authors) or f"Tập thể {self.unit_name}"

    @property
    def field_text(self) -> str:
        return field_label(self.field) if self.field else DASH


@dataclass(frozen=True)
class ScoreSheetView:
    """One member's sheet for one initiative; without points it prints as a blank form to fill by hand."""

    council: CouncilRef
    campaign_title: str
    initiative: InitiativeLine
    member: CouncilMember
    rubric: Rubric
    points: Mapping[str, float] | None = None  # None: not scored yet, the sheet prints as a blank form
    comment: str = ""
    scored_on: dt.date | None = None


@dataclass(frozen=True)
class ResultLine:
    """One initiative of the minutes, in the order of the council's ranking."""

    initiative: InitiativeLine
    outcome: Outcome
    result: ScoreResult | None = None
    reasons: tuple[str, ...] = ()  # why it was not recognised


@dataclass(frozen=True)
class ConflictLine:
    member_name: str
    initiative_title: str
    reason: str


@dataclass(frozen=True)
class MinutesView:
    """The council's meeting; `results` in the order of the council's ranking (domain.results.ranking)."""

    council: CouncilRef
    year: int
    held_at: dt.datetime  # aware datetimes print in Vietnam time
    venue: str
    present: tuple[CouncilMember, ...]
    absent: tuple[CouncilMember, ...]
    rubric: Rubric
    results: tuple[ResultLine, ...]
    conflicts: tuple[ConflictLine, ...] = ()
    ended_at: dt.datetime | None = None

    def with_role(self, role: str) -> str:
        return next((m.name for m in (*self.present, *self.absent) if m.role == role), "")


@dataclass(frozen=True)
class RecognisedLine:
    initiative: InitiativeLine
    mean_total: float


@dataclass(frozen=True)
class DecisionView:
    """The chairman's recognition decision; a draft ("DỰ THẢO", blank number and date) until it has a number.

    Empty `executors` and `recipients` mean the usual ones of the commune's administration.
    """

    council: CouncilRef
    year: int
    signer: str  # the commune chairman, or the vice-chairman signing for him (see signer_heading)
    initiatives: tuple[RecognisedLine, ...]
    legal_bases: tuple[str, ...] = ()  # "Căn cứ Luật Tổ chức chính quyền địa phương ...", one per line
    number: str | None = None  # "215" or "215/QĐ-UBND"; None until signed: a draft
    decision_date: dt.date | None = None
    minutes_date: dt.date | None = None
    proposer: str = "Trưởng phòng Văn hóa - Xã hội"
    executors: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    signer_heading: tuple[str, ...] = ("CHỦ TỊCH",)  # ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") when a deputy signs

    @property
    def is_draft(self) -> bool:
        return not (self.number or "").strip()

    @property
    def number_ref(self) -> str:
        number = (self.number or "").strip() or BLANK
        return number if "/" in number else f"{number}/QĐ-UBND"

    @property
    def date_ref(self) -> str:
        return f"{self.decision_date:%d/%m/%Y}" if self.decision_date else f"{BLANK}/{BLANK}/{self.year}"

    @property
    def executor_list(self) -> tuple[str, ...]:
        kind = self.council.kind
        return self.executors or (f"Chánh Văn phòng HĐND và UBND {kind}", "Trưởng phòng Văn hóa - Xã hội",
                                  "Thủ trưởng các cơ quan, đơn vị có liên quan")

    @property
    def recipient_list(self) -> tuple[str, ...]:
        return self.recipients or ("Như Điều 3", f"Chủ tịch, các Phó Chủ tịch UBND {self.council.kind}",
                                   "Lưu: VT, VHXH")


# -- shared pieces ---------------------------------------------------------------------------------------------

def _council_header(doc: DocxDocument, council: CouncilRef) -> None:
    national_header(doc, [f"UBND {council.commune_upper}", COUNCIL_NAME])


def _heading(doc: DocxDocument, text: str) -> None:
    _lead_in(doc, text, bold=True).paragraph_format.space_before = Pt(6)


def _lead_in(doc: DocxDocument, text: str, *, bold: bool = False) -> Paragraph:
    """A heading or the line introducing a list or a table: never left alone at the bottom of a page."""
    line = paragraph(doc, text, bold=bold)
    line.paragraph_format.keep_with_next = True
    return line


def _field(doc: DocxDocument, label: str, value: str) -> None:
    paragraph(doc, value, lead=f"{label}: ")


def _bold_last_row(grid: Table) -> None:
    for cell in grid.rows[-1].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True


def _footer(doc: DocxDocument, text: str) -> None:
    """A small centred footer: the reference that matches a printed page to its record."""
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = CENTER
    footer.add_run(nfc(text)).font.size = Pt(10)


def _criteria_rows(rubric: Rubric) -> list[list[str]]:
    return [[str(n), c.label, vn_number(c.max_points), vn_number(c.weight)]
            for n, c in enumerate(rubric.criteria, 1)]


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(VIETNAM) if moment.utcoffset() is not None else moment


def _clock(moment: dt.datetime) -> str:
    return f"{_local(moment):%H} giờ {_local(moment):%M} phút"


# -- the score sheet -------------------------------------------------------------------------------------------

def render_score_sheet(view: ScoreSheetView) -> bytes:
    """PHIẾU CHẤM ĐIỂM SÁNG KIẾN of one member for one initiative; blank score cells until scored."""
    doc = new_document()
    _council_header(doc, view.council)
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
            for row, c in zip(_criteria_rows(view.rubric), view.rubric.criteria, strict=True)]
    rows.append(["", "Tổng điểm (thang 100)", "", "100", _sheet_total(view.rubric, view.points)])
    header = ("STT", "Tiêu chí", "Điểm tối đa", "Trọng số (%)", "Điểm chấm")
    _bold_last_row(table(doc, header, rows, (1.4, 7.4, 2.4, 2.4, 2.4), centered={0, 2, 3, 4}))
    paragraph(doc, "Tổng điểm quy đổi = tổng của (Điểm chấm / Điểm tối đa × Trọng số) các tiêu chí.", italic=True,
              size=11)


# -- the minutes -----------------------------------------------------------------------------------------------

def render_minutes(view: MinutesView) -> bytes:
    """BIÊN BẢN HỌP HỘI ĐỒNG ĐÁNH GIÁ SÁNG KIẾN: attendance, rubric, results, conflicts, conclusion."""
    doc = new_document()
    _council_header(doc, view.council)
    date_line(doc, view.council.place_name, _local(view.held_at).date())
    title(doc, "BIÊN BẢN HỌP HỘI ĐỒNG ĐÁNH GIÁ SÁNG KIẾN", f"CẢI CÁCH HÀNH CHÍNH NĂM {view.year}")
    _minutes_opening(doc, view)
    _minutes_attendance(doc, view)
    _minutes_rubric(doc, view.rubric)
    _minutes_results(doc, view.results)
    _minutes_not_recognised(doc, view.results)
    _minutes_conflicts(doc, view.conflicts)
    _minutes_conclusion(doc, view)
    signature_block(doc, ["THƯ KÝ", SIGN_HERE, view.with_role("secretary")],
                      ["CHỦ TỊCH HỘI ĐỒNG", SIGN_HERE, view.with_role("chair")])
    return to_bytes(doc)


def _minutes_opening(doc: DocxDocument, view: MinutesView) -> None:
    held = _local(view.held_at)
    paragraph(doc, f"Vào hồi {_clock(held)}, {vn_date(held.date())}, tại {view.venue}, Hội đồng đánh giá "
                     f"sáng kiến cải cách hành chính năm {view.year} của UBND {view.council.commune_name} "
                     f"(thành lập theo {view.council.constituted_by()}) họp đánh giá các sáng kiến.",
                align=JUSTIFY, indent=True)


def _member_line(member: CouncilMember) -> str:
    return f"- {member.name} – {ROLE_LABELS.get(member.role, member.role)}"


def _minutes_attendance(doc: DocxDocument, view: MinutesView) -> None:
    total = len(view.present) + len(view.absent)
    _heading(doc, "I. THÀNH PHẦN")
    _lead_in(doc, f"1. Thành viên có mặt: {len(view.present)}/{total}")
    for member in view.present:
        paragraph(doc, _member_line(member))
    _lead_in(doc, f"2. Thành viên vắng mặt: {len(view.absent)}/{total}")
    for member in view.absent:
        paragraph(doc, _member_line(member))


def _share(value: float) -> str:
    fraction = Fraction(value).limit_denominator(10)
    return f"{fraction.numerator}/{fraction.denominator}"


def _minutes_rubric(doc: DocxDocument, rubric: Rubric) -> None:
    _heading(doc, "II. NỘI DUNG")
    _lead_in(doc, f"1. Bộ tiêu chí đánh giá (phiên bản {rubric.version}):")
    table(doc, ("STT", "Tiêu chí", "Điểm tối đa", "Trọng số (%)"), _criteria_rows(rubric), (1.4, 9.6, 2.5, 2.5),
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
    _lead_in(doc, "2. Kết quả đánh giá (theo thứ tự xếp hạng):")
    header = ("Xếp hạng", "Tên sáng kiến", "Tác giả/Đơn vị", "Điểm TB", "Trung vị", "Số phiếu/Số TV", "Kết quả")
    rows = [_result_row(rank, line) for rank, line in enumerate(results, 1)]
    table(doc, header, rows, (1.6, 4.3, 3.5, 1.6, 1.6, 1.7, 1.7), centered={0, 3, 4, 5, 6}, size=12)


def _minutes_not_recognised(doc: DocxDocument, results: Sequence[ResultLine]) -> None:
    _lead_in(doc, "3. Các sáng kiến không được công nhận:")
    rejected = [line for line in results if line.outcome == "not_recognised"]
    for line in rejected:
        because = "; ".join(r.rstrip(";. ") for r in line.reasons) or "không đạt các điều kiện công nhận"
        paragraph(doc, f"- Sáng kiến “{line.initiative.title}” ({line.initiative.author_text}) không được "
                         f"công nhận vì: {because}.", align=JUSTIFY)
    if not rejected:
        paragraph(doc, "Không có.")


def _minutes_conflicts(doc: DocxDocument, conflicts: Sequence[ConflictLine]) -> None:
    _lead_in(doc, "4. Xung đột lợi ích (thành viên không chấm điểm sáng kiến tương ứng):")
    if not conflicts:
        paragraph(doc, "Không có thành viên nào có xung đột lợi ích.")
        return
    rows = [[str(n), c.member_name, c.initiative_title, c.reason] for n, c in enumerate(conflicts, 1)]
    table(doc, ("STT", "Thành viên", "Sáng kiến", "Lý do"), rows, (1.4, 3.8, 5.8, 5.0), centered={0})


def _minutes_conclusion(doc: DocxDocument, view: MinutesView) -> None:
    counts = {key: sum(line.outcome == key for line in view.results) for key in OUTCOME_LABELS}
    _heading(doc, "III. KẾT LUẬN")
    paragraph(doc, f"Hội đồng đã đánh giá {len(view.results):02d} sáng kiến: {counts['recognised']:02d} sáng kiến "
                     f"đạt yêu cầu, đề nghị Chủ tịch UBND {view.council.commune_name} công nhận; "
                     f"{counts['not_recognised']:02d} sáng kiến không được công nhận; "
                     f"{counts['pending']:02d} sáng kiến chưa kết luận.", align=JUSTIFY, indent=True)
    ended = f"Cuộc họp kết thúc vào hồi {_clock(view.ended_at)} cùng ngày. " if view.ended_at else ""
    paragraph(doc, f"{ended}Biên bản đã được thông qua tại cuộc họp, các thành viên dự họp thống nhất với nội dung "
                     "biên bản./.", align=JUSTIFY, indent=True)


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


def _decision_bases(doc: DocxDocument, view: DecisionView) -> None:
    minutes = f" tại Biên bản họp ngày {view.minutes_date:%d/%m/%Y}" if view.minutes_date else ""
    proposal = (f"Xét đề nghị của Hội đồng đánh giá sáng kiến (thành lập theo {view.council.constituted_by()})"
                f"{minutes} và của {view.proposer}.")
    for basis in view.legal_bases:
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
