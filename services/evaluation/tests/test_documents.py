"""The council's documents: score sheet, minutes, recognition decision; and the layout seedwork under them."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import replace

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from reform_evaluation.documents.council import (
    ConflictLine,
    CouncilRef,
    DecisionView,
    InitiativeLine,
    MinutesView,
    RecognisedLine,
    ResultLine,
    ScoreSheetView,
    render_decision,
    render_minutes,
    render_score_sheet,
)
from reform_evaluation.domain.rubric import DEFAULT_RUBRIC
from reform_shared import docx_layout
from reform_shared.events import AuthorRef, CouncilMember, InitiativeContent, ScoreResult, UnitRef

pytestmark = pytest.mark.domain

VN = dt.timezone(dt.timedelta(hours=7))


def nfd(text: str) -> str:
    """Decomposed Unicode, as some keyboards and PDFs produce it: the documents must print it composed."""
    return unicodedata.normalize("NFD", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


COUNCIL = CouncilRef(commune_name="xã Ninh Giang", place_name="Ninh Giang", decision_number="210/QĐ-UBND",
                     decision_date=dt.date(2026, 9, 20))
CHAIR = CouncilMember(user_id="chu-tich", name="Vũ Văn Nam", role="chair")
SECRETARY = CouncilMember(user_id="thu-ky", name="Phạm Thu Hà", role="secretary", unit_id="vh-xh")
LAN = CouncilMember(user_id="lan", name=nfd("Nguyễn Thị Lan"), unit_id="tt-phvhcc")
HUNG = CouncilMember(user_id="hung", name="Trần Văn Hùng", unit_id="kinh-te")
MINH = CouncilMember(user_id="truong-vhxh", name="Đỗ Minh", unit_id="vh-xh", heads_unit=True)

ONE_DOOR = InitiativeLine.of("i-2026-017", InitiativeContent(
    title=nfd("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Bộ phận Một cửa"),
    unit=UnitRef(unit_id="vh-xh", name="Phòng Văn hóa - Xã hội"), author_kind="individual",
    authors=(AuthorRef(user_id="thu", name="Lê Thị Thu"), AuthorRef(user_id="duc", name="Hoàng Văn Đức")),
    field="c", summary="Quét và lưu trữ điện tử hồ sơ ngay khi tiếp nhận."))
ZALO = InitiativeLine("i-2026-021", "Nhóm Zalo hỗ trợ người dân nộp hồ sơ trực tuyến",
                      "Trung tâm Phục vụ hành chính công", ("Bùi Thị Hằng",), "g")
SURVEY = InitiativeLine("i-2026-030", "Khảo sát sự hài lòng bằng mã QR tại thôn", "Thôn Đông Hòa", (), "dd")
REASON = "Chưa đạt điều kiện 'Tính hiệu quả': điểm trung bình 4.5/10, cần tối thiểu 5"


def result(mean: float, median: float, scored: int, eligible: int) -> ScoreResult:
    return ScoreResult(mean_total=mean, median_total=median, spread=6.5, scored=scored, eligible=eligible,
                       criterion_means={}, conditions={})


def sheet(points: dict[str, float] | None = None, **overrides: object) -> ScoreSheetView:
    values: dict[str, object] = {
        "council": COUNCIL, "campaign_title": "Phát động sáng kiến cải cách hành chính năm 2026",
        "initiative": ONE_DOOR, "member": LAN, "rubric": DEFAULT_RUBRIC, "points": points,
        "comment": "", "scored_on": None,
    }
    values.update(overrides)
    return ScoreSheetView(**values)  # type: ignore[arg-type]


MINUTES = MinutesView(
    council=COUNCIL, year=2026, held_at=dt.datetime(2026, 9, 28, 1, 30, tzinfo=dt.UTC), venue="Hội trường UBND xã",
    present=(CHAIR, SECRETARY, LAN, HUNG), absent=(MINH,), rubric=DEFAULT_RUBRIC,
    results=(
        ResultLine(ONE_DOOR, "recognised", result(78.25, 79, 4, 4)),
        ResultLine(ZALO, "not_recognised", result(46.5, 45, 3, 4), (REASON,)),
        ResultLine(SURVEY, "pending"),
    ),
    conflicts=(ConflictLine("Đỗ Minh", ONE_DOOR.title, "là thủ trưởng đơn vị của tác giả"),),
    ended_at=dt.datetime(2026, 9, 28, 11, 0, tzinfo=VN),
)

DRAFT = DecisionView(
    council=COUNCIL, year=2026, signer="Nguyễn Thị Huê",
    initiatives=(RecognisedLine(ONE_DOOR, 78.25), RecognisedLine(SURVEY, 66.0)),
    legal_bases=("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
                 "Căn cứ Kế hoạch số 709/KH-UBND ngày 31/7/2025 của UBND xã Ninh Giang"),
    minutes_date=dt.date(2026, 9, 28),
)
SIGNED = replace(DRAFT, number="215", decision_date=dt.date(2026, 9, 30))


def reopen(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))


def texts(document: DocxDocument) -> list[str]:
    """Every paragraph of the body and of its tables, in order."""

    def walk(element: object) -> Iterator[str]:
        for paragraph in element.paragraphs:  # type: ignore[attr-defined]
            yield paragraph.text
        for table in element.tables:  # type: ignore[attr-defined]
            for row in table.rows:
                for cell in row.cells:
                    yield from walk(cell)

    return list(walk(document))


def rows(document: DocxDocument) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]


def body(document: DocxDocument) -> list[str]:
    return [p.text for p in document.paragraphs]


@pytest.fixture(scope="module")
def blank_sheet() -> DocxDocument:
    return reopen(render_score_sheet(sheet()))


@pytest.fixture(scope="module")
def scored_sheet() -> DocxDocument:
    points = {"novelty": 8, "effectiveness": 7.5, "replicability": 7, "feasibility": 8, "creativity": 6}
    return reopen(render_score_sheet(sheet(points, comment=nfd("Giải pháp thiết thực, dễ nhân rộng."),
                                           scored_on=dt.date(2026, 9, 27))))


@pytest.fixture(scope="module")
def minutes() -> DocxDocument:
    return reopen(render_minutes(MINUTES))


@pytest.fixture(scope="module")
def draft() -> DocxDocument:
    return reopen(render_decision(DRAFT))


@pytest.fixture(scope="module")
def signed() -> DocxDocument:
    return reopen(render_decision(SIGNED))


# -- the layout seedwork ---------------------------------------------------------------------------------------

def test_vn_date_writes_day_and_month_on_two_digits() -> None:
    assert docx_layout.vn_date(dt.date(2026, 9, 5)) == "ngày 05 tháng 09 năm 2026"
    assert docx_layout.vn_blank_date(2026) == "ngày      tháng      năm 2026"
    assert docx_layout.vn_number(78.25) == "78,25"
    assert docx_layout.vn_number(1234.5) == "1.234,5"
    assert docx_layout.vn_number(80.0) == "80"


def test_the_national_header_puts_the_issuer_left_and_the_motto_right() -> None:
    doc = docx_layout.new_document()
    docx_layout.national_header(doc, ["UBND XÃ NINH GIANG", nfd("HỘI ĐỒNG ĐÁNH GIÁ SÁNG KIẾN")], "Số: 12/QĐ-UBND")
    docx_layout.date_line(doc, "Ninh Giang", dt.date(2026, 9, 5))
    document = reopen(docx_layout.to_bytes(doc))
    left, right = document.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs] == ["UBND XÃ NINH GIANG", nfc("HỘI ĐỒNG ĐÁNH GIÁ SÁNG KIẾN"),
                                                 "Số: 12/QĐ-UBND"]
    assert [bool(r.bold) for p in left.paragraphs[:2] for r in p.runs] == [False, True]
    assert [p.text for p in right.paragraphs] == [nfc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
                                                  nfc("Độc lập - Tự do - Hạnh phúc")]
    motto = right.paragraphs[1].runs[0]
    assert motto.bold and motto.underline
    assert document.tables[0].style is None or document.tables[0].style.name != "Table Grid"
    line = document.paragraphs[-1]
    assert line.text == nfc("Ninh Giang, ngày 05 tháng 09 năm 2026")
    assert line.alignment == WD_ALIGN_PARAGRAPH.RIGHT and line.runs[0].italic


def test_a_layout_table_has_a_bold_header_and_borders() -> None:
    doc = docx_layout.new_document()
    docx_layout.table(doc, ("STT", "Tên"), [("1", nfd("Đỗ Minh"))])
    table = reopen(docx_layout.to_bytes(doc)).tables[0]
    assert table.style is not None and table.style.name == "Table Grid"
    assert [[c.text for c in r.cells] for r in table.rows] == [["STT", "Tên"], ["1", nfc("Đỗ Minh")]]
    assert all(r.bold for c in table.rows[0].cells for r in c.paragraphs[0].runs)
    assert len(table.rows[1].cells[0].paragraphs) == 1


@pytest.mark.parametrize("name", ["blank_sheet", "minutes", "draft"])
def test_every_document_is_a4_in_times_new_roman(name: str, request: pytest.FixtureRequest) -> None:
    document: DocxDocument = request.getfixturevalue(name)
    section = document.sections[0]
    mm = [round(x.mm) if x is not None else None for x in (section.page_width, section.page_height,
                                                              section.top_margin, section.bottom_margin,
                                                              section.left_margin, section.right_margin)]
    assert mm == [210, 297, 20, 20, 30, 20]
    assert section.orientation == WD_ORIENT.PORTRAIT
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size is not None and normal.font.size.pt == 13
    fonts = normal.element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "Times New Roman" and fonts.get(qn("w:cs")) == "Times New Roman"
    all_text = texts(document)
    assert nfc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") in all_text
    assert nfc("Độc lập - Tự do - Hạnh phúc") in all_text
    assert all(text == nfc(text) for text in all_text)


# -- the score sheet -------------------------------------------------------------------------------------------

def test_the_score_sheet_names_the_council_the_initiative_and_the_member(blank_sheet: DocxDocument) -> None:
    all_text = texts(blank_sheet)
    assert "UBND XÃ NINH GIANG" in all_text and nfc("HỘI ĐỒNG ĐÁNH GIÁ SÁNG KIẾN") in all_text
    assert nfc("PHIẾU CHẤM ĐIỂM SÁNG KIẾN") in all_text
    assert nfc("(Theo Quyết định số 210/QĐ-UBND ngày 20/09/2026 của Chủ tịch UBND xã Ninh Giang về việc thành "
               "lập Hội đồng đánh giá sáng kiến)") in all_text
    expected = [
        "Đợt phát động: Phát động sáng kiến cải cách hành chính năm 2026",
        "Tên sáng kiến: Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Bộ phận Một cửa",
        "Đơn vị: Phòng Văn hóa - Xã hội", "Tác giả: Lê Thị Thu, Hoàng Văn Đức",
        "Lĩnh vực: Cải cách thủ tục hành chính", "Thành viên chấm: Nguyễn Thị Lan – Ủy viên",
    ]
    assert [nfc(x) for x in expected if nfc(x) not in all_text] == []
    footer = blank_sheet.sections[0].footer.paragraphs[0].text
    assert footer == nfc("Mã hồ sơ i-2026-017 – Phiếu chấm của Nguyễn Thị Lan")


def test_an_unscored_sheet_prints_blank_score_cells(blank_sheet: DocxDocument) -> None:
    table = rows(blank_sheet)
    assert ["STT", "Tiêu chí", "Điểm tối đa", "Trọng số (%)", "Điểm chấm"] in table
    assert ["1", nfc("Tính mới"), "10", "25", ""] in table
    assert ["2", nfc("Tính hiệu quả"), "10", "30", ""] in table
    assert ["", nfc("Tổng điểm (thang 100)"), "", "100", ""] in table
    assert "Ninh Giang, ngày      tháng      năm 2026" in texts(blank_sheet)


def test_a_scored_sheet_prints_the_points_the_total_and_the_comment(scored_sheet: DocxDocument) -> None:
    table = rows(scored_sheet)
    assert ["2", nfc("Tính hiệu quả"), "10", "30", "7,5"] in table
    assert ["", nfc("Tổng điểm (thang 100)"), "", "100", "74,5"] in table  # 20+22,5+14+12+6
    all_text = texts(scored_sheet)
    assert nfc("Giải pháp thiết thực, dễ nhân rộng.") in all_text
    assert nfc("Ninh Giang, ngày 27 tháng 09 năm 2026") in all_text
    signature = [p.text for p in scored_sheet.tables[-1].rows[0].cells[1].paragraphs]
    assert signature == [nfc("NGƯỜI CHẤM"), nfc("(Ký, ghi rõ họ tên)"), nfc("Nguyễn Thị Lan")]


# -- the minutes -----------------------------------------------------------------------------------------------

def test_the_minutes_state_when_where_and_under_which_decision(minutes: DocxDocument) -> None:
    paragraphs = body(minutes)
    assert nfc("BIÊN BẢN HỌP HỘI ĐỒNG ĐÁNH GIÁ SÁNG KIẾN") in paragraphs
    opening = next(p for p in paragraphs if p.startswith("Vào hồi"))
    assert opening.startswith(nfc("Vào hồi 08 giờ 30 phút, ngày 28 tháng 09 năm 2026, tại Hội trường UBND xã"))
    assert nfc("Quyết định số 210/QĐ-UBND ngày 20/09/2026") in opening
    assert nfc("Ninh Giang, ngày 28 tháng 09 năm 2026") in paragraphs


def test_the_minutes_list_members_present_and_absent(minutes: DocxDocument) -> None:
    paragraphs = body(minutes)
    present = paragraphs.index(nfc("1. Thành viên có mặt: 4/5"))
    absent = paragraphs.index(nfc("2. Thành viên vắng mặt: 1/5"))
    assert nfc("- Vũ Văn Nam – Chủ tịch hội đồng") in paragraphs[present:absent]
    assert nfc("- Nguyễn Thị Lan – Ủy viên") in paragraphs[present:absent]
    assert paragraphs[absent + 1] == nfc("- Đỗ Minh – Ủy viên")


def test_the_minutes_summarise_the_rubric(minutes: DocxDocument) -> None:
    assert ["5", nfc("Tính sáng tạo"), "10", "10"] in rows(minutes)
    rule = next(p for p in body(minutes) if p.startswith(nfc("Sáng kiến được đề nghị công nhận")))
    assert nfc("(Tính mới, Tính hiệu quả)") in rule and "50/100" in rule and "2/3" in rule


def test_the_minutes_results_table_ranks_and_concludes(minutes: DocxDocument) -> None:
    table = rows(minutes)
    header = ["Xếp hạng", "Tên sáng kiến", "Tác giả/Đơn vị", "Điểm TB", "Trung vị", "Số phiếu/Số TV", "Kết quả"]
    assert [nfc(x) for x in header] in table
    assert [nfc(x) for x in ("1", ONE_DOOR.title, "Lê Thị Thu, Hoàng Văn Đức (Phòng Văn hóa - Xã hội)", "78,25",
                             "79", "4/4", "Công nhận")] in table
    assert [nfc(x) for x in ("2", ZALO.title, "Bùi Thị Hằng (Trung tâm Phục vụ hành chính công)", "46,5", "45",
                             "3/4", "Không công nhận")] in table
    assert [nfc(x) for x in ("3", SURVEY.title, "Tập thể Thôn Đông Hòa", "–", "–", "–", "Chưa kết luận")] in table


def test_the_minutes_give_the_reasons_of_each_rejection(minutes: DocxDocument) -> None:
    expected = nfc(f"- Sáng kiến “{ZALO.title}” (Bùi Thị Hằng) không được công nhận vì: {REASON}.")
    assert expected in body(minutes)
    assert not any(nfc(ONE_DOOR.title) in p and "không được công nhận vì" in p for p in body(minutes))


def test_the_minutes_record_the_conflicts_and_the_counts(minutes: DocxDocument) -> None:
    assert ["1", nfc("Đỗ Minh"), nfc(ONE_DOOR.title), nfc("là thủ trưởng đơn vị của tác giả")] in rows(minutes)
    conclusion = next(p for p in body(minutes) if p.startswith(nfc("Hội đồng đã đánh giá")))
    assert conclusion == nfc("Hội đồng đã đánh giá 03 sáng kiến: 01 sáng kiến đạt yêu cầu, đề nghị Chủ tịch UBND xã "
                             "Ninh Giang công nhận; 01 sáng kiến không được công nhận; 01 sáng kiến chưa kết luận.")
    assert any(p.startswith(nfc("Cuộc họp kết thúc vào hồi 11 giờ 00 phút")) for p in body(minutes))


def test_the_secretary_signs_left_and_the_chair_right(minutes: DocxDocument) -> None:
    left, right = minutes.tables[-1].rows[0].cells
    assert [p.text for p in left.paragraphs] == [nfc("THƯ KÝ"), nfc("(Ký, ghi rõ họ tên)"), nfc("Phạm Thu Hà")]
    assert [p.text for p in right.paragraphs] == [nfc("CHỦ TỊCH HỘI ĐỒNG"), nfc("(Ký, ghi rõ họ tên)"),
                                                  nfc("Vũ Văn Nam")]


def test_minutes_without_rejections_or_conflicts_say_so() -> None:
    document = reopen(render_minutes(replace(MINUTES, results=MINUTES.results[:1], conflicts=())))
    paragraphs = body(document)
    assert paragraphs[paragraphs.index(nfc("3. Các sáng kiến không được công nhận:")) + 1] == nfc("Không có.")
    assert nfc("Không có thành viên nào có xung đột lợi ích.") in paragraphs


# -- the recognition decision ----------------------------------------------------------------------------------

def test_a_draft_decision_is_marked_and_left_blank_for_the_number_and_date(draft: DocxDocument) -> None:
    assert body(draft)[0] == nfc("DỰ THẢO")
    left = [p.text for p in draft.tables[0].rows[0].cells[0].paragraphs]
    assert left == [nfc("ỦY BAN NHÂN DÂN XÃ NINH GIANG"), nfc("Số:       /QĐ-UBND")]
    assert "Ninh Giang, ngày      tháng      năm 2026" in body(draft)
    assert nfc("(Kèm theo Quyết định số       /QĐ-UBND ngày       /      /2026 của Chủ tịch UBND xã Ninh Giang)"
               ) in body(draft)


def test_a_signed_decision_carries_its_number_and_date_and_no_draft_mark(signed: DocxDocument) -> None:
    assert nfc("DỰ THẢO") not in texts(signed)
    assert nfc("Số: 215/QĐ-UBND") in texts(signed)
    assert nfc("Ninh Giang, ngày 30 tháng 09 năm 2026") in body(signed)
    assert nfc("(Kèm theo Quyết định số 215/QĐ-UBND ngày 30/09/2026 của Chủ tịch UBND xã Ninh Giang)") in body(signed)
    full = reopen(render_decision(replace(SIGNED, number="215/QĐ-UBND")))
    assert nfc("Số: 215/QĐ-UBND") in texts(full)


def test_the_decision_reads_in_the_order_of_an_administrative_decision(draft: DocxDocument) -> None:
    paragraphs = body(draft)
    order = [
        "QUYẾT ĐỊNH", "Về việc công nhận sáng kiến cải cách hành chính năm 2026",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ NINH GIANG",
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
        "Căn cứ Kế hoạch số 709/KH-UBND ngày 31/7/2025 của UBND xã Ninh Giang;",
        "Xét đề nghị của Hội đồng đánh giá sáng kiến (thành lập theo Quyết định số 210/QĐ-UBND ngày 20/09/2026 của "
        "Chủ tịch UBND xã Ninh Giang) tại Biên bản họp ngày 28/09/2026 và của Trưởng phòng Văn hóa - Xã hội.",
        "QUYẾT ĐỊNH:",
        "Điều 1. Công nhận 02 sáng kiến cải cách hành chính năm 2026 của các tập thể, cá nhân thuộc UBND xã Ninh "
        "Giang (có danh sách kèm theo).",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
        "Điều 3. Chánh Văn phòng HĐND và UBND xã, Trưởng phòng Văn hóa - Xã hội, Thủ trưởng các cơ quan, đơn vị có "
        "liên quan và các tác giả có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
        "PHỤ LỤC", "DANH SÁCH SÁNG KIẾN ĐƯỢC CÔNG NHẬN",
    ]
    positions = [paragraphs.index(nfc(line)) for line in order]
    assert positions == sorted(positions)
    article = draft.paragraphs[positions[7]]
    assert article.runs[0].text == nfc("Điều 1. ") and article.runs[0].bold


def test_the_chairman_signs_and_the_recipients_are_listed(draft: DocxDocument) -> None:
    left, right = draft.tables[1].rows[0].cells
    assert [p.text for p in left.paragraphs] == [nfc("Nơi nhận:"), nfc("- Như Điều 3;"),
                                                 nfc("- Chủ tịch, các Phó Chủ tịch UBND xã;"), "- Lưu: VT, VHXH."]
    assert [p.text for p in right.paragraphs] == [nfc("CHỦ TỊCH"), nfc("Nguyễn Thị Huê")]


def test_the_annex_lists_the_recognised_initiatives_on_a_new_page(draft: DocxDocument) -> None:
    annex = next(p for p in draft.paragraphs if p.text == nfc("PHỤ LỤC"))
    assert annex.paragraph_format.page_break_before
    table = [[cell.text for cell in row.cells] for row in draft.tables[-1].rows]
    assert table == [
        [nfc(x) for x in ("STT", "Tên sáng kiến", "Tác giả", "Đơn vị", "Lĩnh vực", "Điểm TB")],
        [nfc(x) for x in ("1", ONE_DOOR.title, "Lê Thị Thu, Hoàng Văn Đức", "Phòng Văn hóa - Xã hội",
                          "Cải cách thủ tục hành chính", "78,25")],
        [nfc(x) for x in ("2", SURVEY.title, "Tập thể Thôn Đông Hòa", "Thôn Đông Hòa", "Cải cách chế độ công vụ",
                          "66")],
    ]


def test_a_ward_decision_signed_by_a_deputy_names_the_ward_and_the_deputy() -> None:
    ward = CouncilRef(commune_name="phường Gia Viên", place_name="Gia Viên", decision_number="88/QĐ-UBND",
                      decision_date=dt.date(2026, 9, 18))
    view = replace(SIGNED, council=ward, signer="Trần Quốc Toản", signer_heading=("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"))
    document = reopen(render_decision(view))
    paragraphs = body(document)
    assert nfc("CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG GIA VIÊN") in paragraphs
    assert nfc("Gia Viên, ngày 30 tháng 09 năm 2026") in paragraphs
    assert any(p.startswith(nfc("Điều 3. Chánh Văn phòng HĐND và UBND phường,")) for p in paragraphs)
    left, right = document.tables[1].rows[0].cells
    assert nfc("- Chủ tịch, các Phó Chủ tịch UBND phường;") in [p.text for p in left.paragraphs]
    assert [p.text for p in right.paragraphs] == [nfc("KT. CHỦ TỊCH"), nfc("PHÓ CHỦ TỊCH"), nfc("Trần Quốc Toản")]


def test_a_stored_control_character_is_left_out_of_the_minutes_not_a_failed_export() -> None:
    """Found by the fuzz tier: a member named with a control character made every minutes export a 500."""
    pasted = HUNG.model_copy(update={"name": "Trần\x01 Văn\x0b Hùng\x00"})
    document = reopen(render_minutes(replace(MINUTES, present=(CHAIR, SECRETARY, LAN, pasted))))
    assert nfc("- Trần Văn Hùng – Ủy viên") in body(document)
