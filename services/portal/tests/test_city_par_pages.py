"""The city's PAR Index ranking read back over real HTTP against the real awards service: the PAR page shows the
ranking in force for the year (the last one entered), and the city officer's home says when the year's ranking
is not recorded yet, until it is."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from city_http import post
from city_scene import call, ok
from portal_stack import CITY_OFFICER, Stack, as_

from reform_portal.pages import home

pytestmark = pytest.mark.service


def section(html: str, section_id: str) -> str:
    found = re.search(rf'<section[^>]*id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def test_the_par_page_shows_the_ranking_in_force_for_the_year(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    officer = as_(stack, clients, CITY_OFFICER)
    empty = officer.get("/thanh-pho/xep-hang-par?nam=2030")
    assert empty.status_code == 200
    assert "Chưa ghi xếp hạng PAR năm 2030." in section(empty.text, "par-in-force")
    form = {"year": "2030", "category": "commune"}
    assert post(officer, "/thanh-pho/xep-hang-par", {**form, "ranks": "xa-a 2\nxa-b 1"}).status_code == 303
    done = post(officer, "/thanh-pho/xep-hang-par", {**form, "ranks": "xa-a 1\nxa-b 3\nxa-c 2"})
    assert done.status_code == 303
    shown = officer.get(done.headers["location"])
    assert "Đã ghi xếp hạng PAR năm 2030: 3 đơn vị." in shown.text
    table = section(shown.text, "par-in-force")
    assert "Xếp hạng đang áp dụng năm 2030" in table and "lần ghi thứ 2, thay bảng trước" in table
    assert "1xa-a2xa-c3xa-b" in table.replace(" ", ""), table  # the last one entered, best first
    assert "Xã, đặc khu" in table and "Phường" not in table
    assert "Chưa ghi xếp hạng" in section(officer.get("/thanh-pho/xep-hang-par?nam=2029").text, "par-in-force")


def test_the_city_officers_home_asks_for_the_years_par_ranking_until_it_is_recorded(
        stack: Stack, clients: dict[str, httpx.Client], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(home, "clock", lambda: dt.datetime(2031, 6, 1, 9, tzinfo=dt.UTC))  # a year nobody ranked
    officer = as_(stack, clients, CITY_OFFICER)
    missing = officer.get("/")
    assert missing.status_code == 200
    assert "Xếp hạng PAR năm 2031 chưa được ghi" in section(missing.text, "par-missing")
    assert 'href="/thanh-pho/xep-hang-par?nam=2031"' in missing.text
    ok(call(stack, CITY_OFFICER, "POST", "awards", "/city/par-rankings",
            json={"year": 2031, "category": "ward", "ranks": {"phuong-1": 1}}))
    recorded = officer.get("/")
    assert recorded.status_code == 200 and section(recorded.text, "par-missing") == ""
    assert "par-missing" not in recorded.text
