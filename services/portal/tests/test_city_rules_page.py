"""The city officer's read-only page of the award rules in force, over real HTTP against the real awards
service: the plan's rules by default, a change the city set shown from its date, in words (no codes)."""

from __future__ import annotations

import re

import httpx
import pytest
from city_scene import call, ok
from portal_stack import CITY_COUNCIL, CITY_OFFICER, Stack, as_

from reform_awards.domain import rules
from reform_awards.domain.catalogue import FORMS

pytestmark = pytest.mark.service


def test_the_rules_in_force_are_listed_by_day(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    officer = as_(stack, clients, CITY_OFFICER)
    today = officer.get("/thanh-pho/quy-dinh-khen-thuong")
    assert today.status_code == 200, today.text
    row = re.search(r'id="f-giay-khen-xa".*?</tr>', today.text, re.S)
    assert row and "Trước 20/11" in row.group(0) and "Cá nhân, tập thể" in row.group(0)
    city = re.search(r'id="f-bang-khen-tp".*?</tr>', today.text, re.S)
    assert city and "Trước 10/03 năm sau" in city.group(0) and "31/03 năm sau" in city.group(0)
    assert "1 cá nhân; 1 tập thể mỗi xã mỗi năm" in city.group(0)
    # far in the future, so that no other test of the shared stack is judged by it
    forms = [rules.rule_of_form(f).model_copy(update={"deadline_month": 12, "deadline_day": 5}
                                              if f.code == "giay-khen-xa" else {}).model_dump(mode="json")
             for f in FORMS.values()]
    ok(call(stack, CITY_OFFICER, "PUT", "awards", "/city/award-rules", json={
        "effective_from": "2090-01-01", "forms": forms, "reason": "Quyết định 77/QĐ-UBND"}))
    later = officer.get("/thanh-pho/quy-dinh-khen-thuong?ngay=2090-06-01")
    assert "Áp dụng từ ngày 01/01/2090 — Quyết định 77/QĐ-UBND." in later.text
    row = re.search(r'id="f-giay-khen-xa".*?</tr>', later.text, re.S)
    assert row and "Trước 05/12" in row.group(0)
    assert "Quy định của Kế hoạch (mặc định)" in later.text
    member = as_(stack, clients, CITY_COUNCIL[2])
    assert member.get("/thanh-pho/quy-dinh-khen-thuong").status_code == 403
