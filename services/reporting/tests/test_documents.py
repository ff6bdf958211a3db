"""The periodic report as DOCX, XLSX and SVG: reopened and read back, totals, Vietnamese text, escaping."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import xml.etree.ElementTree as ET
from typing import Any

import docx
import openpyxl
import pytest

from reform_reporting.application.documents import chart, report_data
from reform_reporting.documents.report import (
    STAGES,
    TABLE_WIDTHS,
    Breakdown,
    ReportData,
    bars_svg,
    funnel_svg,
    render_report_docx,
    render_report_xlsx,
    trend_svg,
)
from reform_reporting.domain import summary
from reform_reporting.domain.summary import Period, summarise
from reform_reporting.entrypoints.http import csv_bytes
from reform_shared.catalog import field_label
from reform_shared.docx_layout import TEXT_WIDTH_CM

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
        # one of the two nominated initiatives recognised at city level (the city's decision, flowed back)
        "total": Breakdown("total", "Tổng", 12, 9, 6, 2, 1, 1),
        "by_field": (Breakdown("c", FIELD_C, 7, 5, 4, 2, 1, 1), Breakdown("g", FIELD_G, 5, 4, 2, 0, 0, 0)),
        "by_unit": (Breakdown("vhxh", UNIT_VHXH, 6, 5, 3, 1, 1, 1), Breakdown("kt", UNIT_KT, 4, 3, 2, 1, 0, 0),
                    Breakdown("tthc", UNIT_TT, 2, 1, 1, 0, 0, 0)),
        "units_without_initiatives": (("thon-dong-hai", MISSING_UNIT),),
        "on_time": 10, "late": 2, "returned": 3, "withdrawn": 1,
        "awards_granted": (("Giấy khen của Chủ tịch UBND xã", 3), ("Bằng khen của Chủ tịch UBND thành phố", 1)),
        "by_year": ((2025, 8, 5), (2026, 12, 6)),
    }
    values.update(changes)
    return ReportData(**values)  # type: ignore[arg-type]


def _empty_data() -> ReportData:
    return _data(total=Breakdown("total", "Tổng", 0, 0, 0, 0, 0, 0), by_field=(), by_unit=(),
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
                   "2 sáng kiến được đề nghị cấp thành phố, 1 sáng kiến được công nhận cấp thành phố",
                   "1 sáng kiến được khen thưởng",
                   "từ ngày 01/07/2026 đến ngày 30/09/2026", "Có 1 đơn vị chưa đề xuất"):
        assert phrase in general


def test_docx_general_sentence_leaves_out_the_city_level_when_none_was_recognised() -> None:
    data = _data(total=Breakdown("total", "Tổng", 12, 9, 6, 2, 0, 1),
                 by_field=(Breakdown("c", FIELD_C, 7, 5, 4, 2, 0, 1), Breakdown("g", FIELD_G, 5, 4, 2, 0, 0, 0)),
                 by_unit=(Breakdown("vhxh", UNIT_VHXH, 12, 9, 6, 2, 0, 1),))
    texts = _texts(_docx(data))
    general = texts[texts.index(SECTIONS[0]) + 1]
    assert "2 sáng kiến được đề nghị cấp thành phố và 1 sáng kiến được khen thưởng" in general
    assert "cấp thành phố," not in general and "công nhận cấp thành phố" not in general


def test_docx_tables_by_field_and_unit_with_bold_totals_equal_to_the_sums() -> None:
    document = _docx(_data())
    by_field, by_unit = _cells(document.tables[1]), _cells(document.tables[2])
    assert by_field[0] == ["STT", "Lĩnh vực", "Nộp", "Đã chấm", "Công nhận", "Đề nghị TP", "Công nhận cấp TP",
                           "Khen thưởng"]
    assert by_field[1] == ["1", FIELD_C, "7", "5", "4", "2", "1", "1"]
    assert by_field[2] == ["2", FIELD_G, "5", "4", "2", "0", "0", "0"]
    assert by_field[-1] == ["", "Tổng cộng", "12", "9", "6", "2", "1", "1"]
    assert by_unit[0][1] == "Đơn vị"
    assert [row[1] for row in by_unit[1:]] == [UNIT_VHXH, UNIT_KT, UNIT_TT, "Tổng cộng"]
    assert by_unit[0][2:] == by_field[0][2:]
    assert by_unit[1] == ["1", UNIT_VHXH, "6", "5", "3", "1", "1", "1"]
    assert by_unit[-1] == ["", "Tổng cộng", "12", "9", "6", "2", "1", "1"]
    for table in (document.tables[1], document.tables[2]):
        body = _cells(table)[1:-1]
        for column in range(2, 8):
            assert sum(int(row[column]) for row in body) == int(_cells(table)[-1][column])
        assert all(run.bold for cell in table.rows[-1].cells for p in cell.paragraphs for run in p.runs)


def test_docx_stage_columns_follow_the_funnel_and_fit_the_page() -> None:
    assert STAGES == summary.STAGES
    assert len(TABLE_WIDTHS) == 2 + len(STAGES)
    assert sum(TABLE_WIDTHS) <= TEXT_WIDTH_CM + 1e-9  # A4 portrait between the margins
    # 1.6 cm holds "12.345" in bold 12 pt; the last two hold "thưởng" and "cấp TP" unbroken (rendered and looked at)
    assert min(TABLE_WIDTHS[2:]) >= 1.6 and min(TABLE_WIDTHS[-2:]) >= 1.8
    grid = _docx(_data()).tables[1]
    assert [round(column.width.cm, 2) for column in grid.columns] == list(TABLE_WIDTHS)


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
    data = _data(by_unit=(Breakdown("vhxh", decomposed, 12, 9, 6, 2, 1, 1),))
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
        _data(by_field=(Breakdown("c", FIELD_C, 7, 5, 4, 2, 1, 1),))
    with pytest.raises(ValueError, match="add up"):  # the city stage is checked like the others
        _data(by_field=(Breakdown("c", FIELD_C, 7, 5, 4, 2, 0, 1), Breakdown("g", FIELD_G, 5, 4, 2, 0, 0, 0)))
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
    assert rows[0] == ("STT", "Mã", "Lĩnh vực", "Nộp", "Đã chấm", "Công nhận", "Đề nghị thành phố",
                       "Công nhận cấp thành phố", "Khen thưởng")
    assert rows[1] == (1, "c", FIELD_C, 7, 5, 4, 2, 1, 1)
    assert rows[-1] == (None, None, "Tổng cộng", 12, 9, 6, 2, 1, 1)
    assert "A1:I1" in {merged.coord for merged in by_field.merged_cells.ranges}  # the title spans nine columns
    for column in range(3, 9):
        assert sum(row[column] for row in rows[1:-1]) == rows[-1][column]
    units = workbook["Theo don vi"]
    unit_rows = [row for row in units.iter_rows(min_row=int(units.freeze_panes[1:]), values_only=True)]
    assert [row[2] for row in unit_rows] == [UNIT_VHXH, UNIT_KT, UNIT_TT, "Tổng cộng"]
    assert unit_rows[-1][3:] == (12, 9, 6, 2, 1, 1)
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
    assert values["Công nhận cấp thành phố"][0] == 1 and values["Công nhận cấp thành phố"][1] == pytest.approx(1 / 12)
    assert values["Khen thưởng"][0] == 1
    funnel = [row[0] for row in summary.iter_rows(min_row=int(summary.freeze_panes[1:]), max_row=summary.max_row,
                                                  values_only=True)][:6]
    assert funnel == ["Nộp", "Đã chấm", "Công nhận", "Đề nghị thành phố", "Công nhận cấp thành phố", "Khen thưởng"]
    assert values["Trễ hạn"][0] == 2 and values["Đã rút"][0] == 1
    assert values["Tổng cộng"][0] == 4


def test_xlsx_units_without_initiatives_and_empty_report() -> None:
    missing = openpyxl.load_workbook(io.BytesIO(render_report_xlsx(_data())))["Don vi chua de xuat"]
    rows = [row for row in missing.iter_rows(min_row=int(missing.freeze_panes[1:]), values_only=True)]
    assert rows == [(1, "thon-dong-hai", MISSING_UNIT), (None, "Tổng số đơn vị", 1)]
    empty = openpyxl.load_workbook(io.BytesIO(render_report_xlsx(_empty_data())))
    sheet = empty["Theo don vi"]
    assert [c.value for c in sheet[sheet.max_row]] == [None, None, "Tổng cộng", 0, 0, 0, 0, 0, 0]


# -- SVG -------------------------------------------------------------------------------------------------------

def test_funnel_svg_has_the_six_stages_in_order_with_counts_and_shares() -> None:
    total = Breakdown("total", "Tổng", 12, 9, 6, 3, 2, 1)
    root = _svg(funnel_svg(total))
    texts = _svg_texts(root)
    labels = ["Nộp", "Đã chấm", "Công nhận", "Đề nghị thành phố", "Công nhận cấp thành phố", "Khen thưởng"]
    values = ["12 (100%)", "9 (75%)", "6 (50%)", "3 (25%)", "2 (16,7%)", "1 (8,3%)"]
    assert [texts.index(label) for label in labels] == sorted(texts.index(label) for label in labels)
    for label, value in zip(labels, values, strict=True):
        assert texts.index(value) == texts.index(label) + 1  # each count beside its own stage's bar
    bars = [r for r in root.iter(f"{SVG}rect")][1:]
    assert len(bars) == 6  # after the page: one bar per stage
    assert len({bar.get("fill") for bar in bars}) == 6
    assert float(bars[4].get("width", 0)) < float(bars[3].get("width", 0))  # city-recognised: 2 of 3 nominated
    label_x = {float(node.get("x", 0)) for node in root.iter(f"{SVG}text") if node.text in labels}
    assert label_x == {float(bars[0].get("x", 0)) - 8}  # the labels end 8 px before the bars, right-aligned


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
    [funnel_svg(Breakdown("total", "Tổng", 0, 0, 0, 0, 0, 0)), bars_svg("Theo đơn vị", []), trend_svg([])],
)
def test_empty_figures_still_render_and_say_so(svg: str) -> None:
    assert "Chưa có số liệu" in _svg_texts(_svg(svg))


# -- from the event-log figures to every printed form -------------------------------------------------------------

def _figures_with_a_city_recognised_initiative() -> dict[str, Any]:
    """Four initiatives of 2026: three recognised, two nominated, one of them recognised at city level, then
    given a Bằng khen; the other nominated one declined by the city."""
    vn = dt.timezone(dt.timedelta(hours=7))
    when = dt.datetime(2026, 8, 1, 9, tzinfo=vn)
    base = {"campaign_id": "cchc-2026", "submitted_at": when, "last_submitted_at": when, "status": "submitted",
            "scored": True, "recognised": True}
    pipeline = [
        {**base, "initiative_id": "i1", "unit_id": "vhxh", "unit_name": UNIT_VHXH, "field": "c", "nominated": True,
         "city_recognised": True},
        {**base, "initiative_id": "i2", "unit_id": "kt", "unit_name": UNIT_KT, "field": "c", "nominated": True,
         "city_recognised": False},
        {**base, "initiative_id": "i3", "unit_id": "kt", "unit_name": UNIT_KT, "field": "g"},
        {**base, "initiative_id": "i4", "unit_id": "kt", "unit_name": UNIT_KT, "field": "g", "recognised": False},
    ]
    awards = [{"status": "granted", "form": "bang-khen-tp", "initiative_ids": ["i1"],
               "granted_at": dt.datetime(2026, 12, 20, 9, tzinfo=vn)}]
    figures = summarise(pipeline, [{"campaign_id": "cchc-2026", "year": 2026}], awards, Period(2026))
    return {**figures, "commune_id": "ninh-giang", "commune_name": "xã Ninh Giang",
            "as_of": "2026-12-31T00:00:00+07:00"}


def test_a_city_recognised_initiative_is_printed_in_the_docx_xlsx_csv_and_funnel() -> None:
    figures = _figures_with_a_city_recognised_initiative()
    data = report_data(figures)
    assert data.total.counts == (4, 4, 3, 2, 1, 1)

    document = _docx(data)
    texts = _texts(document)
    general = texts[texts.index(SECTIONS[0]) + 1]
    assert "2 sáng kiến được đề nghị cấp thành phố, 1 sáng kiến được công nhận cấp thành phố" in general
    by_field, by_unit = _cells(document.tables[1]), _cells(document.tables[2])
    for table in (by_field, by_unit):
        city = table[0].index("Công nhận cấp TP")
        assert table[0][city - 1] == "Đề nghị TP" and table[0][city + 1] == "Khen thưởng"
        assert table[-1][1:] == ["Tổng cộng", "4", "4", "3", "2", "1", "1"]
        assert sum(int(row[city]) for row in table[1:-1]) == 1
    assert ["1", f"c) {field_label('c')}", "2", "2", "2", "2", "1", "1"] in by_field
    assert ["2", UNIT_VHXH, "1", "1", "1", "1", "1", "1"] in by_unit

    workbook = openpyxl.load_workbook(io.BytesIO(render_report_xlsx(data)))
    tong_hop = {row[0]: row[1] for row in workbook["Tong hop"].iter_rows(values_only=True) if row[0]}
    assert tong_hop["Công nhận cấp thành phố"] == 1
    units = workbook["Theo don vi"]
    rows = list(units.iter_rows(min_row=int(units.freeze_panes[1:]) - 1, values_only=True))
    city = rows[0].index("Công nhận cấp thành phố")
    assert rows[0][city - 1:city + 2] == ("Đề nghị thành phố", "Công nhận cấp thành phố", "Khen thưởng")
    assert {row[2]: row[city] for row in rows[1:]} == {UNIT_KT: 0, UNIT_VHXH: 1, "Tổng cộng": 1}

    lines = csv_bytes(figures["by_field"] + figures["by_unit"]).decode("utf-8-sig").splitlines()
    assert lines[0] == "key,label,submitted,scored,recognised,nominated,city_recognised,awarded"
    assert "vhxh,Phòng Văn hóa – Xã hội,1,1,1,1,1,1" in lines

    texts = _svg_texts(_svg(chart(figures, "funnel")))
    assert texts[texts.index("Công nhận cấp thành phố") + 1] == "1 (25%)"
    assert texts.index("Đề nghị thành phố") < texts.index("Công nhận cấp thành phố") < texts.index("Khen thưởng")
