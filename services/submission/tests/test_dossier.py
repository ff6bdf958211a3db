"""The printable dossier: a DOCX in the layout of a Vietnamese initiative submission form."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterator

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from reform_shared.events import AuthorRef, UnitRef
from reform_shared.events.submission import (
    AttachmentRef,
    Effectiveness,
    Indicator,
    InitiativeContent,
    Novelty,
)
from reform_submission.documents.dossier import DossierView, render_dossier_docx

pytestmark = pytest.mark.domain

UNIT = UnitRef(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội")
TITLE = "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính"
SHA = "3f06b7baed9f7bc6" + "0" * 48


def content(**overrides: object) -> InitiativeContent:
    values: dict[str, object] = {
        "title": TITLE,
        "unit": UNIT,
        "author_kind": "individual",
        "authors": (
            AuthorRef(name="Nguyễn Thị Lan", position="Phó Trưởng phòng", unit_id="vh-xh"),
            AuthorRef(name="Trần Văn Hùng", position="Chuyên viên", unit_id="vh-xh"),
        ),
        "field": "c",
        "sub_area": "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
        "summary": "Quét và lưu trữ điện tử toàn bộ hồ sơ tại Bộ phận Một cửa.",
        "problem": "Hồ sơ giấy lưu trữ phân tán, tra cứu mất nhiều thời gian.",
        "solution": "Số hóa hồ sơ ngay khi tiếp nhận.\nGắn mã hồ sơ để tra cứu trên phần mềm một cửa.",
        "novelty": Novelty(kind="first_applied", where="UBND xã Ninh Giang", since=dt.date(2026, 3, 2)),
        "effectiveness": Effectiveness(
            indicators=(Indicator(name="Thời gian tra cứu hồ sơ", unit="ngày", before=2, after=0.25),),
            expected_benefit="Giảm thời gian chờ của người dân.",
            description="Áp dụng từ tháng 3/2026 tại Bộ phận Một cửa.",
        ),
        "replication_scope": "",
        "attachments": (
            AttachmentRef(attachment_id="a-1", filename="quy-trình-số-hóa.pdf", media_type="application/pdf",
                          size=251_187, sha256=SHA),
        ),
    }
    values.update(overrides)
    return InitiativeContent(**values)


def view(**overrides: object) -> DossierView:
    values: dict[str, object] = {
        "commune_name": "xã Ninh Giang",
        "campaign_title": "Phát động sáng kiến cải cách hành chính",
        "year": 2026,
        "initiative_id": "i-2026-017",
        "status": "Đã nộp",
        "revision": 2,
        "submitted_at": dt.datetime(2026, 9, 4, 20, 0, tzinfo=dt.UTC),  # 05/09/2026 03:00 in Vietnam
        "content": content(),
        "place_name": "Ninh Giang",
    }
    values.update(overrides)
    return DossierView(**values)


def reopen(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))


def texts(document: DocxDocument) -> list[str]:
    """Every paragraph of the body and of its (nested) tables."""

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


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def document() -> DocxDocument:
    return reopen(render_dossier_docx(view()))


def test_the_header_carries_the_national_motto_the_commune_and_the_unit(document: DocxDocument) -> None:
    all_text = texts(document)
    assert nfc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") in all_text
    assert nfc("Độc lập - Tự do - Hạnh phúc") in all_text
    assert nfc("UBND XÃ NINH GIANG") in all_text
    assert nfc("PHÒNG VĂN HÓA – XÃ HỘI") in all_text
    motto = next(p for p in document.tables[0].rows[0].cells[1].paragraphs if p.text.startswith("Độc lập"))
    assert all(run.bold and run.underline for run in motto.runs)


def test_the_date_line_is_the_day_of_submission_in_vietnam_time(document: DocxDocument) -> None:
    date_line = nfc("Ninh Giang, ngày 05 tháng 09 năm 2026")
    assert date_line in texts(document)
    paragraph = next(p for p in document.tables[0].rows[0].cells[1].paragraphs if p.text == date_line)
    assert all(run.italic for run in paragraph.runs)


def test_the_title_and_addressee_follow_the_header(document: DocxDocument) -> None:
    body = [p.text for p in document.paragraphs]
    heading = body.index(nfc("ĐƠN ĐỀ NGHỊ CÔNG NHẬN SÁNG KIẾN"))
    assert body[heading + 1] == nfc(TITLE)
    assert body[heading + 2] == nfc("Kính gửi: Hội đồng đánh giá sáng kiến xã Ninh Giang")
    assert all(run.bold for run in document.paragraphs[heading].runs)


def test_the_sections_come_in_the_order_of_the_form(document: DocxDocument) -> None:
    body = [p.text for p in document.paragraphs]
    headings = [
        "1. Tên sáng kiến", "2. Tác giả", "3. Lĩnh vực áp dụng", "4. Thực trạng, vấn đề cần giải quyết",
        "5. Nội dung giải pháp", "6. Tính mới", "7. Hiệu quả", "8. Khả năng nhân rộng", "9. Tài liệu kèm theo",
    ]
    positions = [body.index(nfc(heading)) for heading in headings]
    assert positions == sorted(positions)
    commitment = next(i for i, text in enumerate(body) if text.startswith(nfc("Tôi (chúng tôi) xin cam đoan")))
    assert commitment > positions[-1]


def test_every_author_is_listed_and_signs(document: DocxDocument) -> None:
    table = rows(document)
    assert ["STT", "Họ và tên", "Chức vụ", "Đơn vị"] in table
    assert [nfc(x) for x in ("1", "Nguyễn Thị Lan", "Phó Trưởng phòng", "Phòng Văn hóa – Xã hội")] in table
    assert [nfc(x) for x in ("2", "Trần Văn Hùng", "Chuyên viên", "Phòng Văn hóa – Xã hội")] in table
    signature = [p.text for p in document.tables[-1].rows[0].cells[1].paragraphs]
    expected = ("TÁC GIẢ SÁNG KIẾN", "(Ký, ghi rõ họ tên)", "Nguyễn Thị Lan", "Trần Văn Hùng")
    assert signature == [nfc(x) for x in expected]


def test_the_field_is_printed_with_its_vietnamese_label(document: DocxDocument) -> None:
    assert nfc("Lĩnh vực: c) Cải cách thủ tục hành chính") in texts(document)
    assert nfc("Áp dụng từ ngày: 02/03/2026") in texts(document)


def test_the_indicator_row_shows_the_change(document: DocxDocument) -> None:
    table = rows(document)
    assert ["Chỉ tiêu", "Đơn vị tính", "Trước", "Sau", "Thay đổi"] in table
    assert [nfc("Thời gian tra cứu hồ sơ"), "ngày", "2", "0,25", "−1,75 (−87,5%)"] in table


def test_attachments_show_size_in_kb_and_a_checksum_prefix(document: DocxDocument) -> None:
    assert ["1", nfc("quy-trình-số-hóa.pdf"), "application/pdf", "245,3", "3f06b7baed9f7bc6"] in rows(document)


def test_an_empty_section_prints_none_rather_than_disappearing(document: DocxDocument) -> None:
    body = [p.text for p in document.paragraphs]
    replication = body.index(nfc("8. Khả năng nhân rộng"))
    assert body[replication + 1] == nfc("(không có)")


def test_the_footer_carries_the_dossier_id_and_revision(document: DocxDocument) -> None:
    footer = document.sections[0].footer.paragraphs[0].text
    assert footer == nfc("Mã hồ sơ i-2026-017 – Phiên bản 2 – Đã nộp")


def test_the_page_is_a4_portrait_with_administrative_margins(document: DocxDocument) -> None:
    section = document.sections[0]  # stored in twips: compare in whole millimetres
    mm = [round(length.mm) if length is not None else None for length in (
        section.page_width, section.page_height, section.top_margin, section.bottom_margin, section.left_margin)]
    assert mm == [210, 297, 20, 20, 30]
    assert section.right_margin is not None and 15 <= round(section.right_margin.mm) <= 20
    assert section.orientation == WD_ORIENT.PORTRAIT


def test_times_new_roman_is_set_for_every_script_on_the_normal_style(document: DocxDocument) -> None:
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size is not None and 13 <= normal.font.size.pt <= 14
    fonts = normal.element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "Times New Roman"
    assert fonts.get(qn("w:cs")) == "Times New Roman"


def test_decomposed_input_is_printed_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", TITLE)
    assert decomposed != TITLE
    printed = reopen(render_dossier_docx(view(content=content(title=decomposed))))
    assert nfc(TITLE) in [p.text for p in printed.paragraphs]


def test_a_collective_author_prints_the_unit_and_signs_for_it() -> None:
    collective = content(author_kind="collective", authors=(), attachments=(),
                         effectiveness=Effectiveness(expected_benefit="Rút ngắn thời gian xử lý."))
    printed = reopen(render_dossier_docx(view(content=collective)))
    body = [p.text for p in printed.paragraphs]
    authors = body.index(nfc("2. Tác giả"))
    assert body[authors + 1] == nfc("Tập thể: Phòng Văn hóa – Xã hội")
    assert body[authors + 2] == nfc("3. Lĩnh vực áp dụng")
    assert body[body.index(nfc("9. Tài liệu kèm theo")) + 1] == nfc("(không có)")
    assert nfc("Chỉ tiêu đo lường: (không có)") in body
    signature = [p.text for p in printed.tables[-1].rows[0].cells[1].paragraphs]
    assert signature[-1] == nfc("Phòng Văn hóa – Xã hội")


def test_a_naive_submission_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        view(submitted_at=dt.datetime(2026, 9, 4, 20, 0))
