"""The operator's and the reports' pages in Debian's Chromium: the operator finds a parked event, sees its failed
replay beside it, rebuilds a projection only once its name is typed, reads the federation links and traces an
initiative by its title; the secretary reads the annual report with its charts and downloads it. Each step
checked in the page, axe-core on every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from browser_kit import no_violations, shot
from dev_sign_in import Person
from ops_scene import submitted, unknown_event
from playwright.sync_api import Page, expect
from portal_stack import OPERATOR, SECRETARY, Stack

pytestmark = pytest.mark.browser
TITLE = "Tiếp nhận hồ sơ khai sinh trực tuyến"


def test_the_operator_replays_rebuilds_reads_links_and_traces(stack: Stack,
                                                              signed_in: Callable[[Person], Page]) -> None:
    submitted(stack, "browser-ops", [TITLE])
    seq = unknown_event(stack)
    page = signed_in(OPERATOR)
    page.get_by_role("link", name="Vận hành", exact=True).click()
    expect(page.get_by_role("heading", name="Vận hành: các projection của nút")).to_be_visible()
    expect(page.get_by_role("heading", name="Báo cáo, thống kê (reporting)")).to_be_visible()
    no_violations(page)
    shot(page, "operator-projections")

    page.get_by_role("link", name="Sự kiện bị tạm giữ của reporting/event_audit").click()
    expect(page.get_by_role("heading", name="Sự kiện bị tạm giữ: Báo cáo, thống kê / event_audit")).to_be_visible()
    row = page.locator(f"#parked-{seq}")
    for _ in range(50):  # the audit parks it a moment after it is published
        if row.count():
            break
        page.wait_for_timeout(100)
        page.reload()
    expect(row).to_contain_text("Loại sự kiện không biết")
    no_violations(page)
    page.get_by_role("button", name=f"Xử lý lại sự kiện số {seq}").click()
    expect(page.locator(f"#replay-{seq}-error")).to_contain_text("Xử lý lại vẫn lỗi")
    expect(page.get_by_role("button", name=f"Xử lý lại sự kiện số {seq}")).to_have_accessible_description(
        page.locator(f"#replay-{seq}-error").inner_text())
    no_violations(page)

    page.get_by_role("link", name="Quay lại các projection").click()
    page.get_by_role("link", name="Xây lại reporting/event_audit").click()
    expect(page.get_by_role("heading", name="Xây lại projection Báo cáo, thống kê / event_audit",
                            level=1)).to_be_visible()
    no_violations(page)
    confirm = page.get_by_label("Gõ tên projection để xác nhận")
    confirm.fill("event audit")
    page.get_by_role("button", name="Xây lại event_audit").click()
    expect(page.locator("#f-confirm-name-error")).to_contain_text("Gõ đúng tên projection «event_audit»")
    expect(confirm).to_have_value("event audit")
    no_violations(page)
    confirm.fill("event_audit")
    confirm.press("Enter")  # the keyboard alone
    expect(page.get_by_role("status")).to_contain_text("Đã bắt đầu xây lại projection")

    page.get_by_role("link", name="Liên kết liên thông", exact=True).click()
    expect(page.locator("#node-role")).to_contain_text("Độc lập")
    expect(page.locator("#no-sources")).to_be_visible()
    no_violations(page)

    page.get_by_role("link", name="Truy vết sáng kiến", exact=True).click()
    expect(page.get_by_role("heading", name="Truy vết sáng kiến", exact=True, level=1)).to_be_visible()
    no_violations(page)
    page.get_by_label("Tên hoặc mã sáng kiến").fill("khai sinh truc tuyen")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=f"Truy vết: {TITLE}")).to_be_visible()
    expect(page.locator("#stages tbody tr").first).to_contain_text("Nộp hồ sơ")
    expect(page.locator("#events")).to_contain_text("InitiativeSubmitted")
    no_violations(page)
    shot(page, "operator-trace")


def test_the_secretary_reads_the_report_with_its_charts_and_downloads_it(
        stack: Stack, signed_in: Callable[[Person], Page]) -> None:
    submitted(stack, "browser-report", ["Số hoá biên nhận hồ sơ"])
    page = signed_in(SECRETARY)
    page.get_by_role("link", name="Báo cáo, thống kê").click()
    year = dt.date.today().year
    expect(page.get_by_role("heading", name=f"Báo cáo sáng kiến cải cách hành chính: Năm {year}")).to_be_visible()
    funnel = page.get_by_role("img", name="Phễu sáng kiến: Đã nộp", exact=False)
    expect(funnel).to_be_visible()
    for chart in page.locator("img.chart").all():  # drawn: the proxy answered with the user's token
        chart.scroll_into_view_if_needed()
        expect(chart).to_have_js_property("complete", True)
        assert chart.evaluate("img => img.naturalWidth") > 0
    expect(page.locator("#funnel tbody tr").first).to_contain_text("Đã nộp")
    no_violations(page)
    shot(page, "report")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Báo cáo (Word, DOCX)").click()
    assert downloading.value.suggested_filename == f"bao-cao-ninh-giang-{year}.docx"

    page.get_by_label("Kỳ", exact=True).select_option(label="Quý IV")
    page.get_by_role("button", name="Xem báo cáo").click()
    expect(page.get_by_role("heading", name=f"Báo cáo sáng kiến cải cách hành chính: Quý IV năm {year}")
           ).to_be_visible()
    page.get_by_role("link", name="Danh sách sáng kiến (tìm kiếm)").click()
    page.get_by_label("Tìm theo tên (gõ không dấu cũng được)").fill("bien nhan ho so")
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("#initiatives tbody tr")).to_have_count(1)
    expect(page.locator("#initiatives tbody tr")).to_contain_text("Số hoá biên nhận hồ sơ")
    no_violations(page)
