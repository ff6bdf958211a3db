"""The periodic report as DOCX, XLSX and SVG: reopened and read back, totals, Vietnamese text, escaping."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import xml.etree.ElementTree as ET

import docx
import openpyxl
import pytest

from reform_reporting.documents.report import (
    Breakdown,
    ReportData,
    bars_svg,
    funnel_svg,
    render_report_docx,
    render_report_xlsx,
    trend_svg,
)

pytestmark = pytest.mark.domain

SVG = "{http://www.w3.org/2000/svg}"
FIELD_C = "Cải cách thủ tục hành chính"
FIELD_G = "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số"
UNIT_VHXH = "Phòng Văn hóa – Xã hội"
UNIT_KT = "Phòng Kinh tế"
UNIT_TT = "Trung tâm Phục vụ hành chính công"
MISSING_UNIT = "Thôn Đông Hải"
SECTIONS = ("I. Tình hình chung", "II. Kết quả theo lĩnh vực", "III. Kết quả theo đơn vị",
            "IV. Đơn vị chưa đề xuất sáng kiến", "V. Tiến độ hồ sơ", "VI. Khen thưởng")


def _data(**changes: object) -> ReportData:
    values: dict[str, object] = {
        "commune_id": "ninh-giang",
        "commune_name": "xã Ninh Giang",
        "period_label": "Quý III năm 2026",
        "period_start": dt.date(2026, 7, 1),
        "period_end": dt.date(2026, 9, 30),
        # 10:30 UTC is 17:30 in Vietnam
        "as_of": dt.datetime(2026, 9, 15, 10, 30, tzinfo=dt.UTC),
        "total": Breakdown("total", "Tổng", 12, 9, 6, 2, 1),
        "by_field": (Breakdown("c", FIELD_C, 7, 5, 4, 2, 1), Breakdown("g", FIELD_G, 5, 4, 2, 0, 0)),
        "by_unit": (Breakdown("vhxh", UNIT_VHXH, 6, 5, 3, 1, 1), Breakdown("kt", UNIT_KT, 4, 3, 2, 1, 0),
                    Breakdown("tthc", UNIT_TT, 2, 1, 1, 0, 0)),
        "units_without_initiatives": (("thon-dong-hai", MISSING_UNIT),),
        "on_time": 10, "late": 2, "returned": 3, "withdrawn": 1,
        "awards_granted": (("Giấy khen của Chủ tịch UBND xã", 3), ("Bằng khen của Chủ tịch UBND thành phố", 1)),
        "by_year": ((2025, 8, 5), (2026, 12, 6)),
    }
    values.update(changes)
    return ReportData(**values)  # type: ignore[arg-type]


def _empty_data() -> ReportData:
    return _data(total=Breakdown("total", "Tổng", 0, 0, 0, 0, 0), by_field=(), by_unit=(),
                 units_without_initiatives=(), on_time=0, late=0, returned=0, withdrawn=0, awards_granted=(),
                 by_year=())


def _docx(data: ReportData) -> docx.document.Document:
    return docx.Document(io.BytesIO(render_report_docx(data)))


def _texts(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def _cells(table: docx.table.Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def _svg(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img" and root.get("viewBox", "").startswith("0 0 640 ")
    assert root.find(f"{SVG}title") is not None
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing to fetch
    assert "<script" not in text and "@font-face" not in text
    return root


def _svg_texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


# -- DOCX ------------------------------------------------------------------------------------------------------

def test_docx_header_title_as_of_and_sections_in_order() -> None:
    document = _docx(_data())
    header = "\n".join(cell.text for cell in document.tables[0].rows[0].cells)
    assert "UBND XÃ NINH GIANG" in header and "/BC-UBND" in header and "Số:" in header
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header
    texts = _texts(document)
    assert any(t.startswith("Ninh Giang, ngày") and t.endswith("năm 2026") for t in texts)
    assert "BÁO CÁO" in texts
    assert "Kết quả thực hiện sáng kiến cải cách hành chính Quý III năm 2026" in texts
    assert "Số liệu tính đến 15/09/2026 17:30" in texts
    positions = [texts.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert texts.index("BÁO CÁO") < texts.index("Số liệu tính đến 15/09/2026 17:30") < positions[0]


def test_docx_general_sentence_states_the_totals() -> None:
    texts = _texts(_docx(_data()))
    general = texts[texts.index(SECTIONS[0]) + 1]
    assert "xã Ninh Giang có 12 sáng kiến" in general
    for phrase in ("9 sáng kiến đã được Hội đồng chấm điểm", "6 sáng kiến được công nhận",
                   "2 sáng kiến được đề nghị cấp thành phố", "1 sáng kiến được khen thưởng",
                   "từ ngày 01/07/2026 đến ngày 30/09/2026", "Có 1 đơn vị chưa đề xuất"):
        assert phrase in general


def test_docx_tables_by_field_and_unit_with_bold_totals_equal_to_the_sums() -> None:
    document = _docx(_data())
    by_field, by_unit = _cells(document.tables[1]), _cells(document.tables[2])
    assert by_field[0] == ["STT", "Lĩnh vực", "Nộp", "Đã chấm", "Công nhận", "Đề nghị TP", "Khen thưởng"]
    assert by_field[1] == ["1", FIELD_C, "7", "5", "4", "2", "1"]
    assert by_field[2] == ["2", FIELD_G, "5", "4", "2", "0", "0"]
    assert by_field[-1] == ["", "Tổng cộng", "12", "9", "6", "2", "1"]
    assert by_unit[0][1] == "Đơn vị"
    assert [row[1] for row in by_unit[1:]] == [UNIT_VHXH, UNIT_KT, UNIT_TT, "Tổng cộng"]
    assert by_unit[-1] == ["", "Tổng cộng", "12", "9", "6", "2", "1"]
    for table in (document.tables[1], document.tables[2]):
        body = _cells(table)[1:-1]
        for column in range(2, 7):
            assert sum(int(row[column]) for row in body) == int(_cells(table)[-1][column])
        assert all(run.bold for cell in table.rows[-1].cells for p in cell.paragraphs for run in p.runs)


def test_docx_missing_units_progress_awards_and_signature() -> None:
    document = _docx(_data())
    texts = _texts(document)
    assert f"- {MISSING_UNIT}." in texts
    for line in ("- Hồ sơ nộp đúng hạn: 10;", "- Hồ sơ nộp trễ hạn: 2;",
                 "- Hồ sơ bị trả lại để bổ sung, hoàn thiện: 3;", "- Hồ sơ đã rút: 1."):
        assert line in texts
    awards = _cells(document.tables[3])
    assert awards[0] == ["STT", "Hình thức khen thưởng", "Số lượng"]
    assert awards[1] == ["1", "Giấy khen của Chủ tịch UBND xã", "3"]
    assert awards[-1] == ["", "Tổng cộng", "4"]
    recipients, signer = (cell.text for cell in document.tables[-1].rows[0].cells)
    assert recipients.startswith("Nơi nhận:") and "Lưu: VT, VHXH." in recipients
    assert "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH" in signer


def test_docx_text_is_nfc_even_from_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", UNIT_VHXH)
    data = _data(by_unit=(Breakdown("vhxh", decomposed, 12, 9, 6, 2, 1),))
    document = _docx(data)
    assert _cells(document.tables[2])[1][1] == UNIT_VHXH
    for text in _texts(document):
        assert unicodedata.is_normalized("NFC", text)


def test_docx_empty_report_says_so() -> None:
    document = _docx(_empty_data())
    texts = _texts(document)
    assert texts[texts.index(SECTIONS[1]) + 1] == "Chưa có số liệu."
    assert texts[texts.index(SECTIONS[3]) + 1] == "Không có."
    assert texts[texts.index(SECTIONS[5]) + 1] == "Không có."
    assert len(document.tables) == 2  # the header and the signature block only


def test_city_view_is_issued_by_the_city() -> None:
    document = _docx(_data(commune_id="hai-phong", commune_name="thành phố Hải Phòng", period_label="Năm 2026",
                           period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31)))
    assert "UBND THÀNH PHỐ HẢI PHÒNG" in document.tables[0].rows[0].cells[0].text
    texts = _texts(document)
    assert any(t.startswith("Hải Phòng, ngày") for t in texts)
    assert "Kết quả thực hiện sáng kiến cải cách hành chính Năm 2026" in texts


def test_inconsistent_or_naive_data_is_refused() -> None:
    with pytest.raises(ValueError, match="add up"):
        _data(by_field=(Breakdown("c", FIELD_C, 7, 5, 4, 2, 1),))
    with pytest.raises(ValueError, match="aware"):
        _data(as_of=dt.datetime(2026, 9, 15, 17, 30))


# -- XLSX ------------------------------------------------------------------------------------------------------

def test_xlsx_sheets_headers_frozen_and_totals_as_numbers() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(render_report_xlsx(_data())))
    assert workbook.sheetnames == ["Tong hop", "Theo linh vuc", "Theo don vi", "Don vi chua de xuat"]
    for sheet in workbook.worksheets:
        header_row = int(sheet.freeze_panes[1:]) - 1
        assert all(cell.font.bold for cell in sheet[header_row] if cell.value is not None)
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(value, str) and value.startswith("=") for value in row)
    by_field = workbook["Theo linh vuc"]
    rows = [row for row in by_field.iter_rows(min_row=int(by_field.freeze_panes[1:]) - 1, values_only=True)]
    assert rows[0] == ("STT", "Mã", "Lĩnh vực", "Nộp", "Đã chấm", "Công nhận", "Đề nghị thành phố", "Khen thưởng")
    assert rows[1] == (1, "c", FIELD_C, 7, 5, 4, 2, 1)
    assert rows[-1] == (None, None, "Tổng cộng", 12, 9, 6, 2, 1)
    for column in range(3, 8):
        assert sum(row[column] for row in rows[1:-1]) == rows[-1][column]
    units = workbook["Theo don vi"]
    unit_rows = [row for row in units.iter_rows(min_row=int(units.freeze_panes[1:]), values_only=True)]
    assert [row[2] for row in unit_rows] == [UNIT_VHXH, UNIT_KT, UNIT_TT, "Tổng cộng"]
    assert unit_rows[-1][3:] == (12, 9, 6, 2, 1)
    assert all(cell.font.bold for cell in units[units.max_row] if cell.value is not None)


def test_xlsx_summary_titles_and_funnel() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(render_report_xlsx(_data())))
    summary = workbook["Tong hop"]
    titles = [summary.cell(row=row, column=1).value for row in range(1, 4)]
    assert "QUÝ III NĂM 2026" in titles[0]
    assert "xã Ninh Giang" in titles[1] and "Quý III năm 2026" in titles[1]
    assert titles[2] == "Số liệu tính đến 15/09/2026 17:30"
    values = {row[0]: row[1:] for row in summary.iter_rows(values_only=True) if row[0]}
    assert values["Nộp"][:2] == (12, 1.0)
    assert values["Công nhận"][0] == 6 and values["Công nhận"][1] == pytest.approx(0.5)
    assert values["Khen thưởng"][0] == 1
    assert values["Trễ hạn"][0] == 2 and values["Đã rút"][0] == 1
    assert values["Tổng cộng"][0] == 4


def test_xlsx_units_without_initiatives_and_empty_report() -> None:
    missing = openpyxl.load_workbook(io.BytesIO(render_report_xlsx(_data())))["Don vi chua de xuat"]
    rows = [row for row in missing.iter_rows(min_row=int(missing.freeze_panes[1:]), values_only=True)]
    assert rows == [(1, "thon-dong-hai", MISSING_UNIT), (None, "Tổng số đơn vị", 1)]
    empty = openpyxl.load_workbook(io.BytesIO(render_report_xlsx(_empty_data())))
    sheet = empty["Theo don vi"]
    assert [c.value for c in sheet[sheet.max_row]] == [None, None, "Tổng cộng", 0, 0, 0, 0, 0]


# -- SVG -------------------------------------------------------------------------------------------------------

def test_funnel_svg_has_the_five_stages_counts_and_shares() -> None:
    root = _svg(funnel_svg(_data().total))
    texts = _svg_texts(root)
    for label in ("Nộp", "Đã chấm", "Công nhận", "Đề nghị thành phố", "Khen thưởng"):
        assert label in texts
    for value in ("12 (100%)", "9 (75%)", "6 (50%)", "2 (16,7%)", "1 (8,3%)"):
        assert value in texts
    assert len([r for r in root.iter(f"{SVG}rect")]) == 1 + 5  # the page and five bars


def test_bars_svg_keeps_order_and_escapes_text() -> None:
    text = bars_svg("Sáng kiến theo đơn vị & lĩnh vực", [("Nhà & Cửa <1>", 7), (UNIT_VHXH, 1234), ("Thôn", 0)])
    assert "Nhà &amp; Cửa &lt;1&gt;" in text
    root = _svg(text)
    assert root.find(f"{SVG}title").text == "Sáng kiến theo đơn vị & lĩnh vực"  # type: ignore[union-attr]
    texts = _svg_texts(root)
    assert texts.index("Nhà & Cửa <1>") < texts.index(UNIT_VHXH) < texts.index("Thôn")
    for value in ("7", "1.234", "0"):
        assert value in texts


def test_trend_svg_groups_years_with_a_legend() -> None:
    root = _svg(trend_svg([(2026, 12, 6), (2025, 8, 5)]))
    texts = _svg_texts(root)
    assert "Nộp" in texts and "Công nhận" in texts
    assert texts.index("2025") < texts.index("2026")
    for value in ("12", "6", "8", "5"):
        assert value in texts


@pytest.mark.parametrize(
    "svg",
    [funnel_svg(Breakdown("total", "Tổng", 0, 0, 0, 0, 0)), bars_svg("Theo đơn vị", []), trend_svg([])],
)
def test_empty_figures_still_render_and_say_so(svg: str) -> None:
    assert "Chưa có số liệu" in _svg_texts(_svg(svg))
