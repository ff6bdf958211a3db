"""The replication pages in Debian's Chromium: the secretary reaches the catalogue from the menu, searches
without diacritics, opens an entry and adopts it with the keyboard; the city officer's view with its charts;
axe-core on every page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from browser_kit import no_violations
from city_scene import call, nominated, ok, people_of
from dev_sign_in import Person
from playwright.sync_api import Page, expect
from portal_stack import CITY_OFFICER, SECRETARY, Stack
from support import ONE_PAGE_PDF

pytestmark = pytest.mark.browser

TITLE = "Một cửa lưu động cho thôn vùng sâu"


def test_the_catalogue_an_adoption_and_the_citys_view_pass_axe(stack: Stack,
                                                                 signed_in: Callable[[Person], Page]) -> None:
    origin = "xa-nhan-rong-trinh-duyet"
    document = ok(call(stack, people_of(origin)["author"], "POST", "submission", f"/communes/{origin}/attachments",
                       files={"file": ("Quy trình lưu động.pdf", ONE_PAGE_PDF, "application/pdf")}))
    nominated(stack, origin, [TITLE], attachments={TITLE: [document["attachment_id"]]})
    secretary = signed_in(SECRETARY)
    secretary.get_by_role("link", name="Nhân rộng sáng kiến").click()
    expect(secretary.get_by_role("heading", level=1)).to_contain_text("Danh mục sáng kiến")
    secretary.get_by_label("Từ khóa (gõ không dấu cũng được)").fill("mot cua luu dong")
    secretary.get_by_label("Từ khóa (gõ không dấu cũng được)").press("Enter")
    expect(secretary.get_by_role("link", name=TITLE)).to_be_visible(timeout=30_000)
    no_violations(secretary)
    secretary.get_by_role("link", name=TITLE).click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(TITLE)
    for _ in range(100):  # the document comes through the record: linked once it is on this node
        if secretary.get_by_role("link", name="Quy trình lưu động.pdf").count():
            break
        expect(secretary.locator("#documents")).to_contain_text("chưa về đến xã")
        secretary.wait_for_timeout(300)
        secretary.reload()
    expect(secretary.get_by_role("link", name="Quy trình lưu động.pdf")).to_be_visible()
    no_violations(secretary)
    secretary.get_by_label("Đơn vị áp dụng").select_option("vh-xh")
    secretary.get_by_label("Người phụ trách (họ tên, chức vụ)").fill("Phó Chủ tịch UBND xã")
    secretary.get_by_label("Áp dụng từ ngày").fill("31/12/2099")
    secretary.get_by_label("Cách điều chỉnh cho phù hợp với xã").fill("Áp dụng cho các thôn ven biển")
    secretary.get_by_label("Cách điều chỉnh cho phù hợp với xã").press("Tab")
    secretary.keyboard.press("Tab")
    secretary.keyboard.press("Enter")
    expect(secretary.locator("#f-since-error")).to_contain_text("không được ở tương lai")
    no_violations(secretary)
    secretary.get_by_label("Áp dụng từ ngày").fill("01/11/2026")
    secretary.get_by_role("button", name="Ghi nhận áp dụng").press("Enter")
    expect(secretary.locator("#notice")).to_contain_text("Đã ghi nhận quyết định áp dụng")
    no_violations(secretary)
    secretary.goto(secretary.url.split("/nhan-rong")[0] + "/nhan-rong/xa")
    expect(secretary.locator("#made")).to_contain_text(TITLE)
    no_violations(secretary)

    officer = signed_in(CITY_OFFICER)
    officer.get_by_role("link", name="Nhân rộng trong thành phố").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Nhân rộng sáng kiến trong thành phố")
    expect(officer.locator("#per-initiative")).to_contain_text(TITLE)
    no_violations(officer)
