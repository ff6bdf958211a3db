"""The award rules page in Debian's Chromium: reached from the city officer's menu, a day chosen by keyboard,
axe-core on the page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from browser_kit import no_violations
from city_scene import CITY_OFFICER
from dev_sign_in import Person
from playwright.sync_api import Page, expect
from portal_stack import Stack

pytestmark = pytest.mark.browser


def test_the_city_officer_reads_the_award_rules_in_force(stack: Stack, signed_in: Callable[[Person], Page]) -> None:
    officer = signed_in(CITY_OFFICER)
    officer.get_by_role("link", name="Quy định khen thưởng").click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Quy định khen thưởng đang áp dụng")
    expect(officer.locator("#f-giay-khen-xa")).to_contain_text("Trước 20/11")
    no_violations(officer)
    officer.get_by_label("Ngày (năm-tháng-ngày)").fill("2026-12-01")
    officer.get_by_label("Ngày (năm-tháng-ngày)").press("Enter")
    expect(officer.get_by_role("heading", level=1)).to_contain_text("01/12/2026")
    no_violations(officer)
