"""The home page "Việc cần làm" of every role in Debian's Chromium: each person signs in and lands on it, sees
the sections of his or her role (headings, links), follows a link to the page where the thing is done, and
axe-core finds no violation on any of them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from browser_kit import no_violations, shot
from city_scene import nominated
from dev_sign_in import Person
from playwright.sync_api import Page, expect
from portal_stack import (
    AUTHOR,
    CHAIR,
    CHAIRMAN,
    CITY_COUNCIL,
    CITY_OFFICER,
    HOME_ADMINISTRATOR,
    MEMBER,
    OPERATOR,
    SECRETARY,
    Stack,
    in_directory,
)

pytestmark = pytest.mark.browser


def test_the_home_page_of_every_role(stack: Stack, signed_in: Callable[[Person], Page]) -> None:
    in_directory(stack)
    soon = dt.date.today() + dt.timedelta(days=3)
    stack.launch("home-trinh-duyet", evaluation_deadline=soon.isoformat(),
                 expected_units=[{"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
                                 {"unit_id": "aw-mot-cua", "name": "Bộ phận một cửa"}])
    [waiting] = nominated(stack, "xa-home-trinh-duyet", ["Tra cứu hồ sơ bằng mã QR"])

    secretary = signed_in(SECRETARY)
    expect(secretary.get_by_role("heading", name=re.compile("Các hạn sắp đến"))).to_be_visible()
    expect(secretary.locator("#deadlines")).to_contain_text(f"{soon:%d/%m/%Y}: Hạn chấm điểm, đánh giá")
    expect(secretary.get_by_role("heading", name="Đơn vị chưa đề xuất sáng kiến")).to_be_visible()
    no_violations(secretary)
    shot(secretary, "home-secretary")
    secretary.get_by_role("link", name=re.compile("chưa đề xuất trong Đợt sáng kiến home-trinh-duyet")).click()
    expect(secretary.get_by_text("Bộ phận một cửa")).to_be_visible()

    author = signed_in(AUTHOR)
    expect(author.get_by_role("heading", name="Đợt phát động đang nhận hồ sơ")).to_be_visible()
    no_violations(author)

    member = signed_in(CITY_COUNCIL[1])
    expect(member.get_by_role("heading", name=re.compile("Sáng kiến cần chấm phiếu thẩm định"))).to_be_visible()
    no_violations(member)
    member.get_by_role("link", name="Tra cứu hồ sơ bằng mã QR").click()
    expect(member).to_have_url(re.compile(f"/thanh-pho/de-nghi/xa-home-trinh-duyet/{waiting}$"))
    no_violations(member)

    officer = signed_in(CITY_OFFICER)
    expect(officer.get_by_role("heading", name="Đề nghị của các xã chờ thành phố quyết định")).to_be_visible()
    expect(officer.locator("#city-appraising")).to_contain_text("chưa đủ túc số thẩm định")
    no_violations(officer)
    shot(officer, "home-city-officer")

    administrator = signed_in(HOME_ADMINISTRATOR)
    expect(administrator.locator("#directory-empty, #nothing-to-do").first).to_be_visible()
    no_violations(administrator)

    operator = signed_in(OPERATOR)
    expect(operator.locator("#all-healthy, #ops-troubles, #unread").first).to_be_visible()
    no_violations(operator)
    shot(operator, "home-operator")

    for person in (CHAIRMAN, MEMBER, CHAIR):
        page = signed_in(person)
        expect(page.get_by_role("heading", name="Việc cần làm", exact=True)).to_be_visible()
        no_violations(page)
