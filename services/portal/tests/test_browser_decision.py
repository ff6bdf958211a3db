"""From the council to the commune's decision and nominations, in Debian's Chromium: the secretary constitutes
the council from the directory (a refusal first), edits the rubric (a refusal first) and the members, opens
scoring; after the council has scored and concluded, the chairman finds the decision to sign on his home page and
signs it; the secretary nominates the best recognised initiative with the reason (a refusal first), withdraws
it, and reads the units that have not proposed. Each step checked in the page; axe-core on every page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from browser_kit import no_violations, shot
from decision_scene import HIGH, LOW, finalised, in_directory, submitted
from dev_sign_in import Person
from playwright.sync_api import Page, expect
from portal_stack import CHAIR, CHAIRMAN, MEMBER, MEMBER_2, MEMBER_3, SECRETARY, Stack

pytestmark = pytest.mark.browser
CAMPAIGN = "br-decision"
CAMPAIGN_TITLE = f"Đợt sáng kiến {CAMPAIGN}"
BEST, WEAK = "Trình duyệt: trả kết quả tại nhà", "Trình duyệt: bảng tin giấy"


def set_up_the_council(page: Page) -> None:
    page.get_by_role("link", name="Hội đồng đánh giá").click()
    expect(page.get_by_role("heading", name="Hội đồng đánh giá sáng kiến", exact=True, level=1)).to_be_visible()
    no_violations(page)
    page.get_by_role("link", name=CAMPAIGN_TITLE).click()
    expect(page.get_by_role("heading", name="Thành lập hội đồng")).to_be_visible()
    page.get_by_label(re.compile("^Số quyết định")).fill("16/QĐ-UBND")
    page.get_by_label(re.compile("^Ngày quyết định")).fill("03/10/2026")
    for person in (MEMBER, MEMBER_2):
        page.get_by_label(person.name).check()
    page.get_by_role("button", name="Thành lập hội đồng").click()  # no chair chosen: refused beside the members
    expect(page.locator("#f-members-error")).to_contain_text("đúng một chủ tịch hội đồng")
    expect(page.get_by_label(re.compile("^Số quyết định"))).to_have_value("16/QĐ-UBND")
    expect(page.get_by_label(MEMBER_2.name)).to_be_checked()
    no_violations(page)
    page.get_by_label(re.compile("^Chủ tịch hội đồng")).select_option(CHAIR.user_id)
    page.get_by_role("button", name="Thành lập hội đồng").click()
    expect(page.get_by_role("status")).to_have_text("Đã thành lập hội đồng đánh giá.")
    expect(page.locator("#members")).to_contain_text(CHAIR.name)
    no_violations(page)


def edit_the_rubric_and_members(page: Page) -> None:
    page.get_by_role("link", name="Sửa bộ tiêu chí").click()
    expect(page.get_by_label("Tên tiêu chí 1", exact=True)).to_have_value("Tính mới")
    page.get_by_label("Trọng số (%) tiêu chí 5", exact=True).fill("5")
    page.get_by_role("button", name="Lưu bộ tiêu chí").click()
    expect(page.locator("#f-rubric-error")).to_contain_text("tổng trọng số phải bằng 100")
    expect(page.get_by_label("Trọng số (%) tiêu chí 5", exact=True)).to_have_value("5")
    no_violations(page)
    page.get_by_label("Trọng số (%) tiêu chí 5", exact=True).fill("10")
    page.get_by_label(re.compile("^Ngưỡng đạt")).fill("55")
    page.get_by_role("button", name="Lưu bộ tiêu chí").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu bộ tiêu chí chấm điểm.")
    expect(page.get_by_role("heading", name=re.compile("phiên bản 2"))).to_be_visible()
    page.get_by_role("link", name="Sửa thành viên").click()
    expect(page.get_by_role("heading", name=f"Thành viên hội đồng: {CAMPAIGN_TITLE}", level=1)).to_be_visible()
    no_violations(page)
    page.get_by_label(MEMBER_3.name).check()
    page.get_by_role("button", name="Lưu thành viên").click()
    expect(page.get_by_role("status")).to_have_text("Đã cập nhật thành viên hội đồng.")
    expect(page.locator("#members")).to_contain_text(MEMBER_3.name)
    shot(page, "council-setup")


def open_scoring(page: Page) -> None:
    """The evaluation service learns of the closing from the stream: a refusal until it has, then opened."""
    for _ in range(30):
        with page.expect_navigation():
            page.get_by_role("button", name="Mở chấm điểm").click()
        if page.locator("#scoring-state").text_content() == "Đang mở":
            break
    expect(page.get_by_role("status")).to_have_text("Đã mở chấm điểm cho hội đồng.")
    expect(page.locator("#scoring-state")).to_have_text("Đang mở")
    no_violations(page)


def test_council_decision_and_nominations_in_the_browser(stack: Stack, signed_in: Callable[[Person], Page]) -> None:
    in_directory(stack)
    stack.launch(CAMPAIGN, expected_units=[{"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
                                           {"unit_id": "kt", "name": "Phòng Kinh tế"}])
    best, weak = submitted(stack, CAMPAIGN, [BEST, WEAK])
    assert stack.api(SECRETARY, "POST", "submission", f"/campaigns/{CAMPAIGN}/close", json={"reason": ""}
                     ).status_code == 200
    secretary = signed_in(SECRETARY)
    set_up_the_council(secretary)
    edit_the_rubric_and_members(secretary)
    open_scoring(secretary)
    finalised(stack, CAMPAIGN, {best: HIGH, weak: LOW})

    chairman = signed_in(CHAIRMAN)
    expect(chairman.get_by_role("heading", name="Quyết định công nhận cần ký")).to_be_visible()
    no_violations(chairman)
    chairman.get_by_role("link", name=CAMPAIGN_TITLE).click()
    expect(chairman.locator("#decision-state")).to_have_text("Dự thảo, chờ Chủ tịch UBND ký")
    expect(chairman.locator(f"#rec-{best}")).to_contain_text(BEST)
    expect(chairman.locator(f"#rej-{weak} .reasons")).not_to_be_empty()
    no_violations(chairman)
    chairman.get_by_label(re.compile("^Số quyết định")).fill("121/QĐ-UBND")
    chairman.get_by_label(re.compile("^Ngày ký")).fill("06/10/2026")
    chairman.get_by_role("button", name="Ký quyết định công nhận").click()
    expect(chairman.get_by_role("status")).to_have_text("Đã ký quyết định công nhận sáng kiến.")
    expect(chairman.locator("#decision-state")).to_contain_text("Đã ký: số 121/QĐ-UBND ngày 06/10/2026")
    no_violations(chairman)
    shot(chairman, "recognition-decision")
    with chairman.expect_download() as download:
        chairman.get_by_role("link", name="Quyết định công nhận đã ký (.docx)").click()
    assert download.value.suggested_filename == f"quyet-dinh-cong-nhan-{CAMPAIGN}.docx"

    secretary.get_by_role("link", name="Quyết định công nhận").first.click()
    expect(secretary.get_by_role("heading", name="Quyết định công nhận sáng kiến", exact=True, level=1)).to_be_visible()
    no_violations(secretary)
    secretary.get_by_role("link", name=CAMPAIGN_TITLE).click()
    expect(secretary.get_by_role("heading", name=f"Quyết định công nhận sáng kiến: {CAMPAIGN_TITLE}",
                                 level=1)).to_be_visible()
    no_violations(secretary)
    secretary.get_by_role("link", name="Đề nghị sáng kiến lên thành phố").click()
    expect(secretary.locator("#quota")).to_contain_text("0/2")
    secretary.get_by_label("Lý do đề nghị").fill("Nhân rộng được ở mọi xã")
    secretary.get_by_role("button", name="Đề nghị lên thành phố").click()  # nothing chosen: refused beside it
    expect(secretary.locator("#f-initiative-id-error")).to_be_visible()
    expect(secretary.get_by_label("Lý do đề nghị")).to_have_value("Nhân rộng được ở mọi xã")
    no_violations(secretary)
    secretary.get_by_label(re.compile(BEST)).check()
    secretary.get_by_role("button", name="Đề nghị lên thành phố").click()
    expect(secretary.get_by_role("status")).to_have_text("Đã đề nghị sáng kiến lên thành phố.")
    expect(secretary.locator(f"#nom-{best}")).to_contain_text("Lý do đề nghị: Nhân rộng được ở mọi xã")
    expect(secretary.locator("#quota")).to_contain_text("1/2")
    no_violations(secretary)
    shot(secretary, "nominations")
    secretary.get_by_role("button", name=re.compile(f"^Rút đề nghị.*{BEST}")).click()
    expect(secretary.get_by_role("status")).to_have_text("Đã rút đề nghị.")
    expect(secretary.locator("#none-nominated")).to_be_visible()
    secretary.get_by_role("link", name="Đề nghị lên thành phố").first.click()
    expect(secretary.get_by_role("heading", name="Đề nghị sáng kiến lên thành phố", exact=True,
                                 level=1)).to_be_visible()
    no_violations(secretary)

    secretary.get_by_role("link", name="Quản lý đợt phát động").click()
    secretary.get_by_role("link", name=f"Đơn vị chưa đề xuất của {CAMPAIGN_TITLE}").click()
    expect(secretary.locator("#missing")).to_contain_text("Phòng Kinh tế")
    expect(secretary.locator("#missing")).not_to_contain_text("Văn hóa")
    no_violations(secretary)
