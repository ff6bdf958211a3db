"""The inbox in Debian's Chromium: by keyboard, the count in the header, mark read, preferences; axe-core on it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_kit import no_violations, shot
from inbox_stack import InboxStack, inbox_stack, returned  # noqa: F401 - the module's fixture
from playwright.sync_api import Browser, Page, expect
from portal_stack import AUTHOR

pytestmark = pytest.mark.browser


@pytest.fixture
def author_page(browser: Browser, inbox_stack: InboxStack) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(base_url=inbox_stack.portal.url, locale="vi-VN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/thong-bao")
    expect(page).to_have_url(re.compile(r"/dang-nhap"))
    page.get_by_role("button", name="Đăng nhập bằng tài khoản cán bộ").click()
    page.get_by_role("button", name=AUTHOR.name).click()
    yield page
    context.close()


def test_the_author_reads_and_marks_his_notifications_and_sets_a_digest(inbox_stack: InboxStack,  # noqa: F811
                                                                       author_page: Page) -> None:
    inbox_stack.write(*returned("br-1", "Trả kết quả tại nhà", "Thiếu ảnh chụp minh chứng"))
    page = author_page
    page.goto("/thong-bao")
    expect(page.get_by_role("heading", name="Thông báo", exact=True)).to_be_visible()
    unread = "Chưa đọc: Hồ sơ sáng kiến bị trả lại: Trả kết quả tại nhà"
    expect(page.get_by_role("heading", name=unread)).to_be_visible()
    expect(page.get_by_text("Lý do: Thiếu ảnh chụp minh chứng")).to_be_visible()
    no_violations(page)
    shot(page, "inbox")

    page.get_by_role("button", name=re.compile(r"^Đánh dấu đã đọc\s*: Hồ sơ sáng kiến bị trả lại: Trả kết quả")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Đã đánh dấu là đã đọc.")
    expect(page.get_by_role("heading", name="Hồ sơ sáng kiến bị trả lại: Trả kết quả tại nhà")).to_be_visible()

    page.get_by_label("Gộp thư trong ngày thành một thư tổng hợp").check()
    page.get_by_label("Khen thưởng được quyết định").uncheck()
    page.get_by_role("button", name="Lưu cách nhận thông báo").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu cách nhận thông báo.")
    expect(page.get_by_label("Gộp thư trong ngày thành một thư tổng hợp")).to_be_checked()
    expect(page.get_by_label("Khen thưởng được quyết định")).not_to_be_checked()
    no_violations(page)
