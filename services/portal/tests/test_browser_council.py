"""The council in Debian's Chromium: three members open the blind sheet, two score (one revises), the third
declares a conflict and finds the sheet closed; the chair sees the progress and finalises. Each step checked in
the page, axe-core on every page of the council."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from browser_kit import no_violations, shot
from dev_sign_in import Person
from playwright.sync_api import Page, expect
from portal_stack import CHAIR, MEMBER, MEMBER_2, MEMBER_3, SECRETARY, Stack

pytestmark = pytest.mark.browser
TITLE = "Trả kết quả hộ tịch tại nhà"


def score(page: Page, points: dict[str, str], comment: str) -> None:
    for label, value in points.items():
        page.get_by_label(f"Điểm «{label}»").fill(value)
    page.get_by_label("Nhận xét (không bắt buộc)").fill(comment)


HIGH = {"Tính mới": "9", "Tính hiệu quả": "8,5", "Khả năng nhân rộng": "8", "Tính khả thi, áp dụng ngay": "8",
        "Tính sáng tạo": "7"}
LOW = {"Tính mới": "4", "Tính hiệu quả": "3", "Khả năng nhân rộng": "3", "Tính khả thi, áp dụng ngay": "4",
       "Tính sáng tạo": "2"}


def test_three_members_score_one_conflicted_and_the_chair_finalises(stack: Stack,
                                                                     signed_in: Callable[[Person], Page]) -> None:
    [initiative] = stack.council("browser-council", [TITLE])
    first = signed_in(MEMBER)
    first.get_by_role("link", name="Chấm điểm").click()
    expect(first.get_by_role("heading", name="Chấm điểm sáng kiến", exact=True, level=1)).to_be_visible()
    no_violations(first)
    first.get_by_role("link", name=TITLE).click()
    expect(first.locator("#sheet-state")).to_have_text("Chưa chấm")
    expect(first.get_by_label("Điểm «Tính hiệu quả»")).to_have_accessible_description(
        re.compile("Trọng số 30% · từ 0 đến 10 điểm"))
    no_violations(first)
    score(first, {**HIGH, "Tính sáng tạo": "12"}, "Rất thiết thực")  # over the maximum: refused beside it
    first.get_by_role("button", name="Lưu phiếu chấm").click()
    expect(first.locator("#f-points-creativity-error")).to_contain_text("ngoài khung")
    expect(first.get_by_label("Điểm «Tính hiệu quả»")).to_have_value("8,5")
    expect(first.get_by_label("Nhận xét (không bắt buộc)")).to_have_value("Rất thiết thực")
    no_violations(first)
    first.get_by_label("Điểm «Tính sáng tạo»").fill("7")
    first.get_by_role("button", name="Lưu phiếu chấm").click()
    expect(first.get_by_role("status")).to_have_text("Đã lưu phiếu chấm điểm.")
    expect(first.locator("#sheet-state")).to_have_text("Đã chấm, tổng 83 điểm")
    shot(first, "score-sheet")

    second = signed_in(MEMBER_2)
    second.goto(f"/cham-diem/{initiative}")
    expect(second.locator("#sheet-state")).to_have_text("Chưa chấm")
    expect(second.get_by_text("Rất thiết thực")).to_have_count(0)  # blind: nobody else's sheet
    score(second, LOW, "Chưa có số liệu")
    second.get_by_role("button", name="Lưu phiếu chấm").click()
    expect(second.locator("#sheet-state")).to_have_text("Đã chấm, tổng 33 điểm")
    second.get_by_label("Điểm «Tính mới»").fill("5")  # a revision while scoring is open
    second.get_by_role("button", name="Lưu điểm đã sửa").click()
    expect(second.locator("#sheet-state")).to_have_text("Đã chấm, tổng 35,5 điểm")
    expect(second.get_by_text("Rất thiết thực")).to_have_count(0)

    third = signed_in(MEMBER_3)
    third.goto(f"/cham-diem/{initiative}")
    third.get_by_role("link", name="Báo xung đột lợi ích").click()
    expect(third.get_by_role("heading", name=f"Báo xung đột lợi ích: {TITLE}", level=1)).to_be_visible()
    no_violations(third)
    third.get_by_label("Lý do xung đột lợi ích").fill("Em ruột của tác giả")
    third.get_by_role("button", name="Xác nhận không chấm sáng kiến này").click()
    expect(third.locator("#sheet-closed")).to_contain_text("Xung đột lợi ích: Em ruột của tác giả")
    expect(third.get_by_role("button", name="Lưu phiếu chấm")).to_have_count(0)
    third.get_by_role("link", name="Quay lại danh sách chấm điểm").click()
    expect(third.locator("ul.conflicted")).to_contain_text("Em ruột của tác giả")
    no_violations(third)

    chair = signed_in(CHAIR)
    chair.get_by_role("link", name="Tiến độ chấm điểm").click()
    expect(chair.get_by_role("heading", name="Tiến độ chấm điểm", exact=True, level=1)).to_be_visible()
    no_violations(chair)
    chair.get_by_role("link", name="Đợt sáng kiến browser-council").click()
    row = chair.locator(f"#row-{initiative}")
    expect(row.locator(".sheets")).to_have_text("2/3")
    expect(row.locator(".conflicted")).to_have_text("1")
    expect(row.locator(".flags")).to_have_text("Chênh lệch lớn giữa các phiếu")
    expect(row.locator(".result")).to_contain_text("59,25")
    no_violations(chair)
    shot(chair, "council-progress")
    row.get_by_role("link", name=f"Kết luận {TITLE}").click()
    expect(chair.locator("#provisional")).to_have_text("59,25/100")
    no_violations(chair)
    chair.get_by_role("button", name="Xác nhận kết luận").click()
    expect(chair.get_by_role("status")).to_have_text("Đã kết luận sáng kiến.")
    expect(row.locator(".outcome")).to_have_text("Được công nhận")

    first.goto(f"/cham-diem/{initiative}")
    expect(first.get_by_text("Hội đồng đã kết luận sáng kiến này; không sửa được điểm nữa.")).to_be_visible()
    secretary = signed_in(SECRETARY)
    secretary.goto("/tien-do/browser-council")
    expect(secretary.locator(f"#row-{initiative} .outcome")).to_have_text("Được công nhận")
    no_violations(secretary)
