"""The awards' documents: the certificate (Giấy khen, Bằng khen) and the register as CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile

import docx
import openpyxl
import pytest
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from reform_awards.documents.certificate import CertificateView, render_certificate
from reform_awards.documents.exports import HEADERS_VI, RegisterRow, register_csv, register_xlsx

pytestmark = pytest.mark.domain

VN = dt.timezone(dt.timedelta(hours=7))


def nfd(text: str) -> str:
    """Decomposed Unicode, as some keyboards and PDFs produce it: the documents must hold it composed."""
    return unicodedata.normalize("NFD", text)


GIAY_KHEN = CertificateView(
    form_code="giay-khen-xa", form_name="Giấy khen của Chủ tịch UBND xã", level="commune",
    recipient_kind="individual", recipient_name=nfd("Nguyễn Thị Lan"),
    unit_name="Trung tâm Phục vụ hành chính công xã Ninh Giang", commune_name="xã Ninh Giang",
    achievement="Đã có thành tích xuất sắc trong công tác cải cách hành chính năm 2026", year=2026, period=None,
    decision_number="125/QĐ-UBND", decision_date=dt.date(2026, 11, 5), signer="Vũ Văn Nam",
)
BANG_KHEN = CertificateView(
    form_code="bang-khen-tp", form_name="Bằng khen của Chủ tịch UBND thành phố", level="city",
    recipient_kind="collective", recipient_name="Bộ phận Một cửa", unit_name="Bộ phận Một cửa",
    commune_name="xã Ninh Giang", achievement="", year=2026, period=None,
    decision_number="812/QĐ-UBND", decision_date=dt.date(2027, 3, 28), signer="Lê Ngọc Châu",
)


def opened(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))


def lines(doc: DocxDocument) -> list[str]:
    """Every paragraph's text, the body's then the tables' cells', in order."""
    found = [p.text for p in doc.paragraphs]
    for grid in doc.tables:
        for row in grid.rows:
            for cell in row.cells:
                found.extend(p.text for p in cell.paragraphs)
    return [line for line in found if line.strip()]


def test_a_giay_khen_for_an_individual_is_a_landscape_a4_of_the_commune_chairman() -> None:
    doc = opened(render_certificate(GIAY_KHEN))
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width is not None and section.page_height is not None
    assert abs(section.page_width.mm - 297) < 0.5 and abs(section.page_height.mm - 210) < 0.5
    text = lines(doc)
    assert text[:6] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                        "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ NINH GIANG", "TẶNG", "GIẤY KHEN", "Ông/Bà Nguyễn Thị Lan"]
    assert "Trung tâm Phục vụ hành chính công xã Ninh Giang" in text
    assert "Đã có thành tích xuất sắc trong công tác cải cách hành chính năm 2026" in text
    assert "Quyết định số 125/QĐ-UBND ngày 05/11/2026" in text
    assert "Ninh Giang, ngày 05 tháng 11 năm 2026" in text
    assert text[-2:] == ["CHỦ TỊCH", "Vũ Văn Nam"]
    assert "BẰNG KHEN" not in text and not any("THÀNH PHỐ" in line for line in text)
    assert all(unicodedata.is_normalized("NFC", line) for line in text)


def test_the_certificate_is_centred_and_its_title_big_and_bold() -> None:
    doc = opened(render_certificate(GIAY_KHEN))
    body = [p for p in doc.paragraphs if p.text.strip()]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.CENTER for p in body)
    title = next(p for p in body if p.text == "GIẤY KHEN")
    assert title.runs[0].bold and title.runs[0].font.size is not None and title.runs[0].font.size.pt >= 30
    name = next(p for p in body if p.text.startswith("Ông/Bà"))
    assert name.runs[-1].text == "Nguyễn Thị Lan" and name.runs[-1].bold
    sect_pr = doc.sections[0]._sectPr
    assert sect_pr.find(qn("w:pgBorders")) is not None
    assert sect_pr.find(qn("w:vAlign")).get(qn("w:val")) == "center"


def test_a_bang_khen_for_a_collective_is_issued_by_the_city_chairman() -> None:
    doc = opened(render_certificate(BANG_KHEN))
    assert doc.sections[0].orientation == WD_ORIENT.LANDSCAPE
    text = lines(doc)
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in text
    assert "BẰNG KHEN" in text and "GIẤY KHEN" not in text
    assert "Tập thể Bộ phận Một cửa" in text
    assert text.count("Bộ phận Một cửa") == 0  # the collective is its own unit: not printed twice
    assert not any(line.startswith("Ông/Bà") for line in text)
    assert "Đã có thành tích xuất sắc trong công tác cải cách hành chính năm 2026" in text  # the default wording
    assert "Quyết định số 812/QĐ-UBND ngày 28/03/2027" in text
    assert "Hải Phòng, ngày 28 tháng 03 năm 2027" in text
    assert text[-2:] == ["CHỦ TỊCH", "Lê Ngọc Châu"]
    assert not any("XÃ NINH GIANG" in line for line in text)


def test_a_period_award_defaults_to_the_period_wording() -> None:
    view = CertificateView(
        form_code="khen-giai-doan-2026-2030", form_name="Khen thưởng giai đoạn 2026–2030", level="city",
        recipient_kind="collective", recipient_name="Tập thể Phòng Văn hóa - Xã hội", unit_name="",
        commune_name="xã Ninh Giang", achievement="", year=None, period="2026-2030",
        decision_number="95/QĐ-UBND", decision_date=dt.date(2030, 4, 20), signer="Lê Ngọc Châu")
    text = lines(opened(render_certificate(view)))
    assert "Tập thể Phòng Văn hóa - Xã hội" in text  # not "Tập thể Tập thể ..."
    assert ("Đã có thành tích xuất sắc trong phong trào thi đua đẩy mạnh cải cách hành chính giai đoạn 2026 - 2030"
            in text)


def test_a_certificate_refuses_an_unknown_level_or_recipient_kind() -> None:
    with pytest.raises(ValueError, match="level"):
        CertificateView(**{**GIAY_KHEN.__dict__, "level": "province"})
    with pytest.raises(ValueError, match="recipient_kind"):
        CertificateView(**{**GIAY_KHEN.__dict__, "recipient_kind": "family"})


# -- the register ----------------------------------------------------------------------------------------------

GRANTED = RegisterRow(
    commune_id="ninh-giang", award_id="a-2026-001", form="giay-khen-xa", form_name="Giấy khen của Chủ tịch UBND xã",
    level="commune", year=2026, period=None, recipient_kind="individual", recipient_name=nfd("Nguyễn Thị Lan"),
    unit_id="tt-phvhcc", status="granted", proposed_at=dt.datetime(2026, 10, 31, 20, 0, tzinfo=dt.UTC),
    decision_number="125/QĐ-UBND", decision_date=dt.date(2026, 11, 5), signer="Vũ Văn Nam",
    basis_initiatives=("i-2026-017", "i-2026-021"), basis_text="Có sáng kiến được áp dụng hiệu quả", reason="",
)
REJECTED = RegisterRow(
    commune_id="ninh-giang", award_id="a-2026-002", form="bang-khen-tp",
    form_name="Bằng khen của Chủ tịch UBND thành phố", level="city", year=2026, period=None,
    recipient_kind="collective", recipient_name="Bộ phận Một cửa", unit_id=None, status="rejected",
    proposed_at=dt.datetime(2027, 2, 1, 9, 30, tzinfo=VN), decision_number=None, decision_date=None, signer=None,
    basis_initiatives=(), basis_text="", reason="=Chưa đạt thứ hạng PAR Index",
)


def test_the_csv_has_a_bom_crlf_and_vietnamese_headers_and_names() -> None:
    data = register_csv([GRANTED, REJECTED])
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n") == 3
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[0] == list(HEADERS_VI)
    assert parsed[0][0] == "Xã/phường" and parsed[0][-1] == "Lý do"
    first = dict(zip(HEADERS_VI, parsed[1], strict=True))
    assert first["Tên cá nhân/tập thể"] == "Nguyễn Thị Lan"  # composed (NFC)
    assert first["Hình thức"] == "Giấy khen của Chủ tịch UBND xã"
    assert first["Trạng thái"] == "Đã khen thưởng" and first["Cấp"] == "Cấp xã" and first["Đối tượng"] == "Cá nhân"
    assert first["Ngày đề nghị"] == "2026-11-01"  # 20:00 UTC is the next morning in Vietnam
    assert first["Ngày quyết định"] == "2026-11-05" and first["Năm"] == "2026" and first["Giai đoạn"] == ""
    assert first["Sáng kiến làm căn cứ"] == "i-2026-017; i-2026-021"
    second = dict(zip(HEADERS_VI, parsed[2], strict=True))
    assert second["Trạng thái"] == "Từ chối" and second["Đối tượng"] == "Tập thể"
    assert second["Số quyết định"] == "" and second["Ngày quyết định"] == ""
    assert second["Lý do"] == "'=Chưa đạt thứ hạng PAR Index"  # never a formula in Excel


def test_the_status_labels_are_vietnamese() -> None:
    rows = [RegisterRow("ninh-giang", f"a{n}", "khen-dot-xuat", "Khen thưởng đột xuất", "commune", 2026, None,
                        "individual", "Trần Văn Hùng", "kinh-te", status)
            for n, status in enumerate(("proposed", "granted", "rejected", "revoked"))]
    parsed = list(csv.reader(io.StringIO(register_csv(rows).decode("utf-8-sig"), newline="")))
    assert [row[HEADERS_VI.index("Trạng thái")] for row in parsed[1:]] == [
        "Đã đề nghị", "Đã khen thưởng", "Từ chối", "Thu hồi"]


def test_the_xlsx_has_a_title_frozen_headers_real_dates_and_a_filter() -> None:
    data = register_xlsx([GRANTED, REJECTED], "Sổ theo dõi khen thưởng cải cách hành chính năm 2026")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["So khen thuong"]
    sheet = book["So khen thuong"]
    assert sheet["A1"].value == "Sổ theo dõi khen thưởng cải cách hành chính năm 2026"
    assert sheet["A1"].font.bold
    assert "A1:Q1" in {str(merged) for merged in sheet.merged_cells.ranges}
    headers = [cell.value for cell in sheet[2]]
    assert headers == list(HEADERS_VI)
    assert all(cell.font.bold and cell.fill.fill_type == "solid" for cell in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:Q4"
    row = {header: cell.value for header, cell in zip(HEADERS_VI, sheet[3], strict=True)}
    assert row["Tên cá nhân/tập thể"] == "Nguyễn Thị Lan"
    assert row["Trạng thái"] == "Đã khen thưởng" and row["Năm"] == 2026
    assert row["Số quyết định"] == "125/QĐ-UBND"
    decided = sheet.cell(row=3, column=HEADERS_VI.index("Ngày quyết định") + 1)
    assert decided.is_date and isinstance(decided.value, dt.datetime)
    assert decided.value.date() == dt.date(2026, 11, 5) and decided.number_format == "dd/mm/yyyy"
    assert row["Ngày đề nghị"].date() == dt.date(2026, 11, 1)
    reason = sheet.cell(row=4, column=HEADERS_VI.index("Lý do") + 1)
    assert reason.value == "=Chưa đạt thứ hạng PAR Index" and reason.data_type == "s"  # a text, not a formula
    assert sheet.column_dimensions["P"].width > sheet.column_dimensions["E"].width


def test_an_empty_register_still_has_its_headers() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(register_xlsx([], "Sổ khen thưởng"))).active
    assert sheet is not None
    assert [cell.value for cell in sheet[2]] == list(HEADERS_VI) and sheet.max_row == 2
    assert register_csv([]).decode("utf-8-sig") == ",".join(HEADERS_VI) + "\r\n"


def test_the_documents_are_valid_zip_packages() -> None:
    for data in (render_certificate(GIAY_KHEN), register_xlsx([GRANTED], "Sổ")):
        assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
