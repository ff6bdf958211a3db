"""The city's pages in Debian's Chromium, on the portal's test stack: a city council member appraises a commune's
nomination (a score over the maximum refused beside its field), the city officer records the city decision, a
PAR ranking, a Bằng khen, and reads the overview sorted by a column. Each step checked in the page, axe-core on
every page of the city."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from browser_kit import no_violations, shot
from city_scene import CITY_COUNCIL, CITY_OFFICER, appraised, nominated, proposed_for_city
from dev_sign_in import Person
from playwright.sync_api import Page, expect
from portal_stack import Stack

pytestmark = pytest.mark.browser
TITLE = "Số hoá hồ sơ một cửa liên thông"


def test_the_city_appraises_decides_ranks_and_awards(stack: Stack, signed_in: Callable[[Person], Page]) -> None:
    [initiative] = nominated(stack, "xa-trinh-duyet", [TITLE])
    award = proposed_for_city(stack, "xa-trinh-duyet", [initiative])
    member = signed_in(CITY_COUNCIL[0])
    member.get_by_role("link", name="Đề nghị của các xã").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("đề nghị cấp thành phố")
    no_violations(member)
    member.get_by_role("link", name=TITLE).click()
    expect(member.locator("#own-state")).to_have_text("Bạn chưa chấm sáng kiến này.")
    member.get_by_label("Hiệu quả áp dụng").fill("11")
    member.get_by_label("Khả năng nhân rộng").fill("7,5")
    member.get_by_role("button", name="Lưu phiếu thẩm định").click()
    expect(member.locator("#f-effectiveness-error")).to_contain_text("ngoài khung")
    expect(member.get_by_label("Khả năng nhân rộng")).to_have_value("7,5")
    no_violations(member)
    member.get_by_label("Hiệu quả áp dụng").fill("8,5")
    member.get_by_role("button", name="Lưu phiếu thẩm định").click()
    expect(member.get_by_role("status")).to_have_text("Đã lưu phiếu thẩm định.")
    expect(member.locator("#own-state")).to_contain_text("hiệu quả 8,5, nhân rộng 7,5")
    shot(member, "city-appraisal")
    appraised(stack, "xa-trinh-duyet", initiative)  # the rest of the council's quorum

    officer = signed_in(CITY_OFFICER)
    officer.goto(f"/thanh-pho/de-nghi/xa-trinh-duyet/{initiative}")
    expect(officer.locator("#appraisal-status")).to_have_text("Đủ túc số, chờ quyết định")
    no_violations(officer)
    officer.get_by_role("link", name="Ghi quyết định của thành phố").click()
    expect(officer.get_by_role("heading", name=f"Quyết định công nhận cấp thành phố: {TITLE}", level=1)).to_be_visible()
    no_violations(officer)
    officer.get_by_label("Công nhận sáng kiến cấp thành phố").check()
    officer.get_by_label("Số quyết định").fill("1234/QĐ-UBND")
    officer.get_by_label("Ngày quyết định").fill("21/11/2026")
    officer.get_by_role("button", name="Ghi quyết định").click()
    expect(officer.get_by_role("status")).to_have_text("Đã ghi quyết định của thành phố.")
    expect(officer.locator("#city-decision")).to_contain_text("Công nhận – số 1234/QĐ-UBND ngày 21/11/2026")

    officer.get_by_role("link", name="Xếp hạng PAR").click()
    expect(officer.get_by_role("heading", name="Xếp hạng Chỉ số cải cách hành chính (PAR Index)",
                               level=1)).to_be_visible()
    no_violations(officer)
    officer.get_by_label("Xếp hạng: mỗi dòng một đơn vị, mã đơn vị rồi hạng").fill("xa-trinh-duyet 1\nan-lao 2")
    officer.get_by_role("button", name="Ghi xếp hạng").click()
    expect(officer.get_by_role("status")).to_have_text(f"Đã ghi xếp hạng PAR năm {dt.date.today().year}: 2 đơn vị.")
    expect(officer.locator("#par-commune tbody tr").first).to_contain_text("xa-trinh-duyet")  # the one in force
    no_violations(officer)

    officer.get_by_role("link", name="Khen thưởng cấp thành phố").click()
    expect(officer.get_by_role("heading", name=re.compile("^Đề nghị khen thưởng cấp thành phố năm"),
                               level=1)).to_be_visible()
    no_violations(officer)
    row = officer.locator(f"#a-{award}")
    expect(row.locator(".award-status")).to_contain_text("Chờ quyết định")
    row.get_by_role("link", name=re.compile("Quyết định")).click()
    expect(officer.get_by_role("heading", name=re.compile("^Quyết định khen thưởng cấp thành phố:"),
                               level=1)).to_be_visible()
    no_violations(officer)
    officer.get_by_label("Số quyết định").fill("3001/QĐ-UBND")
    officer.get_by_label("Ngày quyết định").fill("22/11/2026")
    officer.get_by_role("button", name="Ghi quyết định khen thưởng").click()
    expect(officer.get_by_role("status")).to_have_text("Đã ghi quyết định khen thưởng.")
    granted = re.compile(r"Đã khen thưởng\s*3001/QĐ-UBND")
    expect(officer.locator(f"#a-{award} .award-status")).to_contain_text(granted)
    shot(officer, "city-home-affairs")

    officer.get_by_role("link", name="Tổng quan các xã").click()
    expect(officer.get_by_role("heading", name=re.compile("^Tổng quan các xã, phường năm"), level=1)).to_be_visible()
    no_violations(officer)
    officer.get_by_role("link", name=re.compile("^Thành phố công nhận")).click()
    expect(officer.locator("th[aria-sort=descending]")).to_contain_text("Thành phố công nhận")
    expect(officer.locator("#overview tbody tr").first).to_have_id("c-xa-trinh-duyet")
    officer.get_by_label("Tìm xã, phường").fill("trinh duyet")
    officer.get_by_role("button", name="Lọc").click()
    expect(officer.locator("#count")).to_contain_text("1 / ")
    no_violations(officer)
    shot(officer, "city-overview")
