"""The first start of a commune's own node in Debian's Chromium (issue 22): `reform-node run --no-demo` with a
commune file, then its first administrator, in the browser only, through the real identity service: the
one-time password changed, the profile completed (a bad deadline refused beside its field, the commune's name
in every page's header), its chairman recorded, the directory imported from a spreadsheet, and the first
campaign launched from a form prefilled with the profile's name and deadlines; then an imported official
given a one-time password on the accounts page signs in with it and chooses her own. Every page passes axe."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from browser_kit import no_violations
from first_start_kit import NEW_PASSWORD, Node, node_config, one_time_password
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

COMMUNE = {"commune_id": "vinh-bao", "name": "Vĩnh Bảo", "level": "xa",
           "administrator": {"official_id": "quan-tri-vb", "full_name": "Lê Thị Quỳnh"}}


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    data = tmp_path_factory.mktemp("first-start-browser")
    commune_file = data / "xa.json"
    commune_file.write_text(json.dumps(COMMUNE, ensure_ascii=False), encoding="utf-8")
    started = Node(node_config(data), commune_file)
    try:
        started.output_until("Ctrl-C to stop")
        yield started
    finally:
        started.stop()


def directory_workbook(path: Path) -> Path:
    """The commune's units and officials; the administrator also takes the secretary's role."""
    book = openpyxl.Workbook()
    book.active.title = "Đơn vị"
    for row in (["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"], ["vh-xh", "Phòng Văn hóa - Xã hội", "Phòng"]):
        book.active.append(row)
    sheet = book.create_sheet("Cán bộ")
    for row in (["Mã cán bộ", "Họ và tên", "Đơn vị", "Vai trò"],
                ["quan-tri-vb", "Lê Thị Quỳnh", "vh-xh", "administrator, secretary"],
                ["nguyen-thi-lan", "Nguyễn Thị Lan", "vh-xh", "submitter"]):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def sign_in(page: Page, user: str, password: str, new_password: str | None = None) -> None:
    page.goto("/")
    page.get_by_role("button", name="Đăng nhập bằng tài khoản cán bộ").click()
    page.get_by_label(re.compile("Tên đăng nhập")).fill(user)
    page.get_by_label(re.compile("^Mật khẩu")).fill(password)
    page.get_by_role("button", name=re.compile("Đăng nhập")).click()
    if new_password is not None:  # the one-time password: a new one at once
        expect(page.get_by_role("heading", name=re.compile("Đổi mật khẩu"))).to_be_visible()
        page.get_by_label(re.compile("^Mật khẩu mới")).fill(new_password)
        page.get_by_label(re.compile("^Nhập lại mật khẩu mới")).fill(new_password)
        page.get_by_role("button", name=re.compile("Đổi mật khẩu")).click()
    expect(page.get_by_role("heading", name="Việc cần làm")).to_be_visible()


def test_the_first_start_in_the_browser(node: Node, browser: Browser, tmp_path: Path) -> None:
    printed = "".join(node.lines)
    context = browser.new_context(base_url=node.config.url("portal"), locale="vi-VN")
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        sign_in(page, "quan-tri-vb", one_time_password(printed), NEW_PASSWORD)
        expect(page.locator("header .letterhead")).to_have_text("UBND xã Vĩnh Bảo")
        page.get_by_role("link", name="Thông tin xã").click()
        expect(page.locator("#commune-name")).to_have_text("xã Vĩnh Bảo")
        no_violations(page)
        page.get_by_role("link", name="Sửa thông tin xã").click()
        page.get_by_label("Địa chỉ trụ sở UBND").fill("Thị trấn Vĩnh Bảo, thành phố Hải Phòng")
        page.get_by_label("Hạn nộp hồ sơ").fill("31/13")
        page.get_by_role("button", name="Lưu thông tin xã").click()
        expect(page.get_by_label("Hạn nộp hồ sơ")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_text("Lỗi: Ghi ngày và tháng dạng dd/mm")).to_be_visible()  # beside the field
        expect(page.get_by_label("Địa chỉ trụ sở UBND")).to_have_value("Thị trấn Vĩnh Bảo, thành phố Hải Phòng")
        no_violations(page)
        page.get_by_label("Hạn nộp hồ sơ").fill("25/09")
        page.get_by_label("Hạn đề nghị lên thành phố").fill("30/09")
        page.get_by_role("button", name="Lưu thông tin xã").click()
        expect(page.get_by_text("Đã lưu thông tin của xã.")).to_be_visible()
        page.get_by_role("link", name=re.compile("Ghi người ký")).click()
        expect(page.get_by_role("heading", name="Ghi người ký (Chủ tịch, Phó Chủ tịch UBND)", level=1)).to_be_visible()
        no_violations(page)
        page.get_by_label("Mã người ký").fill("pham-van-chinh")
        page.get_by_label("Họ và tên").fill("Phạm Văn Chính")
        page.get_by_role("button", name="Ghi người ký").click()
        expect(page.locator("#signers")).to_contain_text("Phạm Văn Chính, Chủ tịch")
        no_violations(page)

        page.goto("/danh-ba/nhap")
        page.get_by_label(re.compile("Tệp bảng tính")).set_input_files(directory_workbook(tmp_path / "danh-ba.xlsx"))
        page.get_by_role("button", name="Xem trước thay đổi").click()
        page.get_by_role("button", name="Xác nhận nhập").click()
        expect(page.get_by_text("Đã nhập danh bạ từ bảng tính.")).to_be_visible()

        page.get_by_role("button", name="Đăng xuất").click()  # the secretary's role counts from the next sign-in
        sign_in(page, "quan-tri-vb", NEW_PASSWORD)
        page.goto("/thu-ky/dot-phat-dong/moi")
        year = dt.date.today().year
        expect(page.get_by_label("Tên xã, phường")).to_have_value("xã Vĩnh Bảo")  # prefilled from the profile
        expect(page.get_by_label("Hạn nộp hồ sơ")).to_have_value(f"25/09/{year}")
        no_violations(page)
        today = dt.date.today()
        page.get_by_label("Bắt đầu nhận hồ sơ").fill(f"{today:%d/%m/%Y}")
        page.get_by_label("Hạn nộp hồ sơ").fill(f"{today + dt.timedelta(days=30):%d/%m/%Y}")
        page.get_by_label("Hạn đề nghị lên thành phố").fill(f"{today + dt.timedelta(days=40):%d/%m/%Y}")
        page.get_by_role("button", name="Phát động").click()
        expect(page.get_by_text("Đã phát động đợt mới.")).to_be_visible()
        no_violations(page)

        # The officials imported have no password yet: the administrator gives one a one-time password.
        page.get_by_role("link", name="Tài khoản đăng nhập").click()
        expect(page.locator("#account-nguyen-thi-lan")).to_contain_text("Chưa có mật khẩu")
        expect(page.locator("#account-nguyen-thi-lan")).to_contain_text("Phòng Văn hóa - Xã hội")
        no_violations(page)
        page.get_by_role("button", name=re.compile("^Cấp mật khẩu dùng một lần.*Nguyễn Thị Lan$")).click()
        expect(page.get_by_role("heading", name="Mật khẩu dùng một lần cho Nguyễn Thị Lan")).to_be_visible()
        given = page.locator("#one-time-password").inner_text()
        assert len(given) >= 12, given
        no_violations(page)
        page.get_by_role("link", name="Quay lại danh sách tài khoản").click()
        expect(page.locator("#account-nguyen-thi-lan")).to_contain_text("Có mật khẩu dùng một lần, chưa đổi")
        page.get_by_role("button", name="Đăng xuất").click()
        sign_in(page, "nguyen-thi-lan", given, "Lan-Vinh-Bao-2026!")  # she must choose her own at once
        expect(page.get_by_role("link", name="Tài khoản đăng nhập")).to_have_count(0)  # the administrator's only
    finally:
        context.close()
