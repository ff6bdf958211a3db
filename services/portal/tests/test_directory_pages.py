"""The directory in the portal, in Debian's Chromium: the secretary imports a bad spreadsheet (every bad row
shown, nothing imported) and a good one (the dry run's preview, then confirmed), appoints a head and sees it
in the units tree and on the official's page; a refused registration keeps what was typed; the template
downloads; axe-core on every directory page."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from browser_kit import no_violations, shot
from dev_sign_in import Person
from playwright.sync_api import Locator, Page, expect
from portal_stack import AUTHOR, SECRETARY, Stack

pytestmark = pytest.mark.browser

UNITS = [["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"], ["pb-vhxh", "Phòng Văn hóa – Xã hội (thử)", "Phòng"],
         ["pb-kt", "Phòng Kinh tế (thử)", "Phòng"]]
GOOD = [["Mã cán bộ", "Họ và tên", "Chức vụ", "Đơn vị", "Email", "Điện thoại", "Vai trò", "Trưởng đơn vị"],
        ["dir-do-minh", "Đỗ Minh", "Trưởng phòng", "pb-vhxh", "minh@ninhgiang.gov.vn", "0912 345 678",
         "Thành viên hội đồng", "x"],
        ["dir-hoang-thu", "Hoàng Thị Thu", "Chuyên viên", "Phòng Kinh tế (thử)", "thu@ninhgiang.gov.vn", "", "Tác giả",
         ""]]
BAD = [GOOD[0],
       ["dir-sai-mot", "Trần Sai Một", "", "pb-vhxh", "khong-phai-email", "", "Tác giả", ""],
       ["dir-sai-hai", "Lê Sai Hai", "", "pb-khong-co", "", "", "Phù thủy", ""]]


def workbook(path: Path, officials: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Đơn vị"
    for row in UNITS:
        book.active.append(row)
    sheet = book.create_sheet("Cán bộ")
    for row in officials:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def eventually(page: Page, locator: Callable[[], Locator], text: str, tries: int = 50) -> None:
    """The directory's reads follow its events within moments: reload until the page shows them."""
    for _ in range(tries):
        found = locator()
        if found.count() and text in (found.first.text_content() or ""):  # never wait for a missing element
            return
        page.wait_for_timeout(100)
        page.reload()
    expect(locator()).to_contain_text(text)


def test_import_a_bad_and_a_good_spreadsheet_and_appoint_a_head(
        stack: Stack, signed_in: Callable[[Person], Page], tmp_path: Path) -> None:
    page = signed_in(SECRETARY)
    page.get_by_role("link", name="Danh bạ").click()
    expect(page.get_by_role("heading", name="Danh bạ: đơn vị")).to_be_visible()
    page.get_by_role("link", name="Nhập từ bảng tính").click()

    page.get_by_label(re.compile("Tệp bảng tính")).set_input_files(workbook(tmp_path / "sai.xlsx", BAD))
    page.get_by_role("button", name="Xem trước thay đổi").click()
    expect(page.get_by_role("alert")).to_contain_text("Chưa nhập gì")
    bad = page.get_by_role("table", name="Các dòng không nhập được")
    expect(bad.get_by_role("row", name=re.compile("khong-phai-email"))).to_contain_text("Email")
    expect(bad.get_by_role("row", name=re.compile("Phù thủy"))).to_contain_text("Vai trò")
    expect(bad.get_by_role("row", name=re.compile("pb-khong-co"))).to_contain_text("Đơn vị")
    expect(bad.locator("tbody tr").first.locator("td").nth(1)).to_have_text("2")  # the sheet's row number
    no_violations(page)
    shot(page, "directory-import-bad-rows")

    page.get_by_label(re.compile("Tệp bảng tính")).set_input_files(workbook(tmp_path / "danh-ba.xlsx", GOOD))
    page.get_by_label("Có hiệu lực từ ngày (không bắt buộc)").fill("01/03/2026")
    page.get_by_role("button", name="Xem trước thay đổi").click()
    expect(page.get_by_role("heading", name=re.compile("Xem trước"))).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("Cán bộ thêm mới"))).to_contain_text("Đỗ Minh")
    expect(page.get_by_role("region", name=re.compile("Cán bộ thêm mới"))).to_contain_text("Hoàng Thị Thu")
    expect(page.get_by_role("region", name=re.compile("Trưởng đơn vị mới"))).to_contain_text(
        "Đỗ Minh: trưởng Phòng Văn hóa – Xã hội (thử)")
    expect(page.get_by_role("region", name=re.compile("Đơn vị thêm mới"))).to_contain_text("Phòng Kinh tế (thử)")
    no_violations(page)
    shot(page, "directory-import-preview")
    units = stack.api(SECRETARY, "GET", "directory", "/directory/units").json()
    assert "pb-kt" not in str(units)  # neither the bad file nor the preview recorded anything
    page.get_by_role("button", name="Xác nhận nhập").click()
    expect(page.get_by_role("status")).to_have_text("Đã nhập danh bạ từ bảng tính.")
    eventually(page, lambda: page.locator("#u-pb-vhxh"), "Đỗ Minh")

    page.get_by_role("link", name=re.compile("Bổ nhiệm trưởng đơn vị.*Phòng Kinh tế")).click()
    page.get_by_label(re.compile("Cán bộ được bổ nhiệm")).select_option("dir-hoang-thu")
    page.get_by_label("Có hiệu lực từ ngày (không bắt buộc)").fill("31/02/2026")
    page.get_by_role("button", name="Bổ nhiệm").click()
    expect(page.locator("#f-effective-error")).to_contain_text("dd/mm/yyyy")
    expect(page.get_by_label("Có hiệu lực từ ngày (không bắt buộc)")).to_have_value("31/02/2026")
    expect(page.get_by_label(re.compile("Cán bộ được bổ nhiệm"))).to_have_value("dir-hoang-thu")
    no_violations(page)
    page.get_by_label("Có hiệu lực từ ngày (không bắt buộc)").fill("02/03/2026")
    page.get_by_role("button", name="Bổ nhiệm").click()
    expect(page.get_by_role("status")).to_have_text("Đã bổ nhiệm trưởng đơn vị.")
    eventually(page, lambda: page.locator("#u-pb-kt"), "Hoàng Thị Thu")
    shot(page, "directory-units")

    page.locator("#u-pb-kt").get_by_role("link", name="Hoàng Thị Thu").click()
    expect(page.get_by_role("heading", name="Hoàng Thị Thu")).to_be_visible()
    expect(page.locator("#roles")).to_have_text("Tác giả, Trưởng đơn vị")
    expect(page.get_by_role("table", name=re.compile("nhiệm kỳ")).get_by_role("row").nth(1)).to_contain_text(
        "02/03/2026")
    expect(page.locator("#history")).to_contain_text("Nhập từ bảng tính: đơn vị Phòng Kinh tế (thử)")
    expect(page.get_by_text("thu@ninhgiang.gov.vn")).to_be_visible()  # the secretary sees contacts

    with page.expect_download() as download:
        page.goto("/danh-ba/nhap")
        page.get_by_role("link", name="bảng tính mẫu (XLSX)").click()
    assert download.value.suggested_filename == "mau-danh-ba.xlsx"


def test_a_refused_registration_keeps_what_was_typed_and_every_page_passes_axe(
        stack: Stack, signed_in: Callable[[Person], Page]) -> None:
    unit = stack.api(SECRETARY, "POST", "directory", "/directory/units",
                     json={"unit_id": "pb-axe", "name": "Phòng Thử nghiệm", "kind": "phong"})
    assert unit.status_code == 201, unit.text
    page = signed_in(SECRETARY)
    page.goto("/danh-ba/can-bo/moi")
    page.get_by_label(re.compile("Mã cán bộ")).fill("axe-nguyen-an")
    page.get_by_label(re.compile("Họ và tên")).fill("Nguyễn Văn An")
    page.get_by_label("Email").fill("an@@sai")
    eventually(page, lambda: page.get_by_label("Đơn vị"), "Phòng Thử nghiệm")
    page.get_by_label(re.compile("Mã cán bộ")).fill("axe-nguyen-an")
    page.get_by_label(re.compile("Họ và tên")).fill("Nguyễn Văn An")
    page.get_by_label("Email").fill("an@@sai")
    page.get_by_label("Đơn vị").select_option("pb-axe")
    page.get_by_label("Tác giả").check()
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.locator("#f-email-error")).to_be_visible()
    expect(page.get_by_label(re.compile("Họ và tên"))).to_have_value("Nguyễn Văn An")
    expect(page.get_by_label("Tác giả")).to_be_checked()
    no_violations(page)
    page.get_by_label("Email").fill("an@ninhgiang.gov.vn")
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.get_by_role("status")).to_have_text("Đã đăng ký cán bộ vào danh bạ.")
    official = "/danh-ba/can-bo/axe-nguyen-an"
    eventually(page, lambda: page.get_by_role("heading", level=1), "Nguyễn Văn An")
    for path in ["/danh-ba", "/danh-ba/don-vi/moi", "/danh-ba/don-vi/pb-axe/sua", "/danh-ba/don-vi/pb-axe/truong",
                 "/danh-ba/can-bo", "/danh-ba/can-bo?trang_thai=tat-ca&q=nguyen", "/danh-ba/can-bo/moi", official,
                 f"{official}/sua", f"{official}/chuyen", f"{official}/vai-tro", f"{official}/thoi-cong-tac",
                 "/danh-ba/nhap"]:
        page.goto(path)
        no_violations(page)
    page.goto(f"{official}/thoi-cong-tac")
    page.get_by_label(re.compile("Lý do")).fill("Chuyển công tác")
    page.get_by_role("button", name="Ghi nhận thôi công tác").click()
    expect(page.get_by_role("status")).to_have_text("Đã ghi nhận cán bộ thôi công tác.")
    eventually(page, lambda: page.locator("#active"), "Đã thôi công tác")

    author = signed_in(AUTHOR)
    author.goto("/danh-ba")
    expect(author.get_by_role("heading", name="Không có quyền truy cập")).to_be_visible()
