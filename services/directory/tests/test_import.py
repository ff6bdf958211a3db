"""Reading and planning a directory spreadsheet: Vietnamese headers in their variations, every bad row said."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from reform_directory.adapters.spreadsheet import read_spreadsheet
from reform_directory.adapters.template import template_xlsx
from reform_directory.domain.directory import decide
from reform_directory.domain.importing import ImportRejected, plan_import
from reform_shared.directory_view import DirectoryView
from reform_shared.errors import RuleViolation
from reform_shared.events.directory import OfficialEntry, OfficialLeft, OfficialRegistered, UnitAdded, UnitEntry
from reform_shared.http.errors import status_of

pytestmark = pytest.mark.domain

MAR = dt.date(2026, 3, 1)
UNITS = [["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Đơn vị cấp trên"],
         ["vh-xh", "Phòng Văn hóa – Xã hội", "Phòng", ""],
         ["", "Trung tâm Phục vụ hành chính công", "trung tam", "Phòng Văn hóa – Xã hội"]]
OFFICIALS = [["Mã cán bộ", "HỌ VÀ TÊN (*)", "Chức vụ", "Loại", "đơn  vị", "Email", "Số điện thoại", "Vai trò",
              "Trưởng đơn vị"],
             ["", "Đỗ Minh", "Trưởng phòng", "Công chức", "vh-xh", "Minh@NinhGiang.gov.vn", "0912 345 678",
              "Thành viên hội đồng", "x"],
             ["vhxh-thu-ky", "Phạm Thu Hà", "Chuyên viên", "cong chuc", "Phòng Văn hóa - Xã hội", "", "",
              "Thư ký, operator", ""],
             ["", "Nguyễn Thị Lan", "Công chức Tư pháp", "Viên chức", "trung-tam-phuc-vu-hanh-chinh-cong", "", "",
              "tác giả", "có"]]


def xlsx(*sheets: tuple[str, list[list[str]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plan(data: bytes, state: DirectoryView | None = None, commune: str = "ninh-giang"):  # type: ignore[no-untyped-def]
    return plan_import(state or DirectoryView(), read_spreadsheet(data), commune_id=commune, effective=MAR,
                       import_id="imp", source_name="danh-ba.xlsx")


def rejected(data: bytes, state: DirectoryView | None = None) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRejected) as caught:
        plan(data, state)
    assert status_of(caught.value) == 422
    return [(e.row, e.column, e.rule) for e in caught.value.errors]


def test_a_good_workbook_plans_units_officials_and_heads() -> None:
    planned = plan(xlsx(("Đơn vị", UNITS), ("Cán bộ", OFFICIALS)))
    command = planned.command
    assert [u.unit_id for u in command.units] == ["vh-xh", "trung-tam-phuc-vu-hanh-chinh-cong"]
    assert command.units[1].parent_id == "vh-xh" and command.units[1].kind == "trung_tam"
    minh, ha, lan = command.officials
    assert minh.official_id == "do-minh" and minh.email == "minh@ninhgiang.gov.vn" and minh.phone == "0912345678"
    assert minh.roles == ("council_member",) and ha.roles == ("secretary", "operator") and ha.unit_id == "vh-xh"
    assert lan.category == "vien_chuc" and lan.roles == ("submitter",)
    assert [(h.unit_id, h.official_id) for h in command.heads] == [
        ("vh-xh", "do-minh"), ("trung-tam-phuc-vu-hanh-chinh-cong", "nguyen-thi-lan")]
    [event] = decide(DirectoryView(), command)
    view = DirectoryView.fold([event])
    assert view.head_of("vh-xh", MAR) == "do-minh" and view.effective_roles("nguyen-thi-lan", MAR) == (
        "submitter", "unit_head")
    again = plan(xlsx(("Đơn vị", UNITS), ("Cán bộ", OFFICIALS)), view)
    assert again.command.units == () and again.command.officials == () and again.command.heads == ()
    assert again.unchanged == 5


def test_a_csv_with_semicolons_and_a_bom_creates_the_units_it_names() -> None:
    text = ("\ufeffHọ và tên;Đơn vị;Trưởng đơn vị;Điện thoại\n"
            "Đỗ Minh;Phòng Kinh tế;x;+84912345678\nĐỗ Minh;Thôn Đông;;\n")
    planned = plan(text.encode("utf-8"))
    assert [(u.unit_id, u.kind) for u in planned.command.units] == [("phong-kinh-te", "phong"), ("thon-dong", "thon")]
    assert [o.official_id for o in planned.command.officials] == ["do-minh", "do-minh-2"]
    assert planned.units_added == ["phong-kinh-te", "thon-dong"]


def test_every_bad_row_is_said_with_its_column_and_rule() -> None:
    state = DirectoryView.fold([
        UnitAdded(effective=MAR, unit=UnitEntry(unit_id="kinh-te", name="Phòng Kinh tế")),
        OfficialRegistered(effective=MAR, official=OfficialEntry(official_id="cu", full_name="Cũ", unit_id="kinh-te")),
        OfficialLeft(effective=MAR, official_id="cu")])
    rows = [OFFICIALS[0],
            ["", "", "", "", "vh-xh", "", "", "", ""],
            ["Bad Id", "Ai Đó", "", "", "vh-xh", "", "", "", ""],
            ["", "Lê Văn A", "", "Cán bộ ấp", "vh-xh", "a@", "123", "trùm, city_council", "maybe"],
            ["", "Lê Văn B", "", "", "Phòng Không Có", "", "", "", ""],
            ["cu", "Cũ", "", "", "kinh-te", "", "", "", ""],
            ["", "Lê Văn C", "", "", "vh-xh", "", "", "", "x"],
            ["", "Lê Văn D", "", "", "vh-xh", "", "", "", "x"]]
    errors = rejected(xlsx(("Đơn vị", UNITS), ("Cán bộ", rows)), state)
    assert (2, "HỌ VÀ TÊN (*)", "required") in errors
    assert (3, "Mã cán bộ", "slug_id") in errors
    assert {(4, "Loại", "official_category"), (4, "Email", "email_format"), (4, "Số điện thoại", "phone_format"),
            (4, "Vai trò", "known_roles"), (4, "Trưởng đơn vị", "head_flag")} <= set(errors)
    assert (5, "đơn vị", "known_unit") in errors
    assert (6, "Mã cán bộ", "departed_once") in errors
    assert (8, "Trưởng đơn vị", "one_head_per_unit") in errors


def test_city_roles_and_departments_only_in_the_city() -> None:
    rows = [["Họ và tên", "Vai trò"], ["Lê Minh Tuấn", "Hội đồng thành phố"]]
    assert rejected(xlsx(("Cán bộ", rows))) == [(2, "Vai trò", "city_roles_in_city_directory")]
    city = plan(xlsx(("Cán bộ", rows), ("Đơn vị", [["Tên đơn vị"], ["Sở Nội vụ"]])), commune="city")
    assert city.command.officials[0].roles == ("city_council",) and city.command.units[0].kind == "so"


def test_limits_unreadable_files_and_missing_sheets_are_refused() -> None:
    too_many = [["Họ và tên"]] + [[f"Người {i}"] for i in range(2001)]
    with pytest.raises(RuleViolation, match="2001") as caught:
        plan(xlsx(("Cán bộ", too_many)))
    assert caught.value.rule == "max_rows"
    with pytest.raises(RuleViolation) as caught:
        plan(b"\x00\x01binary")
    assert caught.value.rule == "spreadsheet_readable"
    with pytest.raises(RuleViolation) as caught:
        plan("Cột A,Cột B\n1,2\n".encode())
    assert caught.value.rule == "directory_sheets"


def test_the_template_reads_back_as_a_valid_import() -> None:
    planned = plan(template_xlsx())
    assert planned.command.units[0].unit_id == "vh-xh"
    assert planned.command.officials[0].official_id == "do-minh" and planned.command.heads[0].unit_id == "vh-xh"
