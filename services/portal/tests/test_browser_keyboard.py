"""The council's work with the keyboard alone (WCAG 2.1.1), the focus visible at every stop (2.4.7): a member
signs in, reaches the queue, opens the blind sheet, types the five scores and a comment, saves, and reads the
saved total, never touching a mouse."""

from __future__ import annotations

import pytest
from browser_kit import press_tab_until
from playwright.sync_api import Browser, expect
from portal_stack import MEMBER, Stack

pytestmark = pytest.mark.browser
TITLE = "Số hóa hồ sơ địa chính bằng bàn phím"
SCORES = {"novelty": "8", "effectiveness": "7,5", "replicability": "7", "feasibility": "9", "creativity": "6"}


def test_a_member_scores_with_the_keyboard_alone(stack: Stack, browser: Browser) -> None:
    [initiative] = stack.council("keyboard-council", [TITLE])
    context = browser.new_context(base_url=stack.portal.url, locale="vi-VN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto("/dang-nhap?next=/cham-diem")
        press_tab_until(page, "button.primary")
        page.keyboard.press("Enter")
        press_tab_until(page, f'button[value="{MEMBER.user_id}"]')
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Chấm điểm")
        press_tab_until(page, f'a[href="/cham-diem/{initiative}"]')
        page.keyboard.press("Enter")
        expect(page.locator("#sheet-state")).to_have_text("Chưa chấm")
        for code, points in SCORES.items():
            press_tab_until(page, f"#f-points-{code}")
            page.keyboard.type(points)
        press_tab_until(page, "#f-comment")
        page.keyboard.type("Áp dụng được ngay ở bộ phận một cửa")
        press_tab_until(page, "button.primary")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_have_text("Đã lưu phiếu chấm điểm.")
        expect(page.locator("#sheet-state")).to_have_text("Đã chấm, tổng 76 điểm")
        page.keyboard.press("Tab")  # the first stop of every page: the skip link, visible when focused
        expect(page.locator("a.skip")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#main")).to_be_focused()
    finally:
        context.close()
