"""The city officer's award and overview pages over real HTTP against the real awards and reporting services:
the PAR ranking (a malformed line and a refused rank kept beside the box), the Home Affairs list with its export,
the Bằng khen decision (a refusal beside its field, then a grant), and the city overview of 114 communes sorted
and filtered through links."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from city_http import post, text_of
from city_scene import call, nominated, ok, proposed_for_city
from portal_stack import CITY_COUNCIL, CITY_OFFICER, Stack, as_

pytestmark = pytest.mark.service
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_par_ranking_is_entered_line_by_line(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    officer = as_(stack, clients, CITY_OFFICER)
    page = officer.get("/thanh-pho/xep-hang-par")
    assert page.status_code == 200 and "Xếp hạng: mỗi dòng một đơn vị" in page.text
    form = {"year": "2026", "category": "commune"}
    typo = post(officer, "/thanh-pho/xep-hang-par", {**form, "ranks": "ninh-giang 1\nan lao hai"})
    assert typo.status_code == 422 and "Dòng 2 không đúng dạng" in typo.text
    assert 'aria-describedby="f-ranks-hint f-ranks-error"' in typo.text and "an lao hai" in typo.text
    refused = post(officer, "/thanh-pho/xep-hang-par", {**form, "ranks": "ninh-giang 0"})
    assert refused.status_code == 422 and "f-ranks-error" in refused.text  # the service's rule: a rank from 1
    done = post(officer, "/thanh-pho/xep-hang-par", {**form, "ranks": "ninh-giang\t1\nan-lao, 2\n\n"})
    assert done.status_code == 303
    assert "Đã ghi xếp hạng PAR năm 2026: 2 đơn vị." in officer.get(done.headers["location"]).text
    member = as_(stack, clients, CITY_COUNCIL[2])
    assert member.get("/thanh-pho/xep-hang-par").status_code == 403


def test_home_affairs_list_export_and_bang_khen(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    ids = nominated(stack, "xa-bang-khen", ["Tiếp nhận hồ sơ lưu động tại thôn"])
    award = proposed_for_city(stack, "xa-bang-khen", ids)
    officer = as_(stack, clients, CITY_OFFICER)
    year = dt.date.today().year
    listed = officer.get(f"/thanh-pho/so-noi-vu?nam={year}")
    assert listed.status_code == 200 and 'id="c-xa-bang-khen"' in listed.text
    row = re.search(rf'id="a-{award}".*?</tr>', listed.text, re.S)
    assert row and "Tác giả xã" in row.group(0) and "Chờ quyết định" in row.group(0)
    assert "Bằng khen của Chủ tịch UBND thành phố" in row.group(0) and "1 sáng kiến" in row.group(0)
    exported = officer.get(f"/thanh-pho/so-noi-vu/xa-bang-khen/{year}.xlsx")
    assert exported.status_code == 200 and exported.headers["content-type"] == XLSX
    assert exported.content[:2] == b"PK" and "attachment" in exported.headers["content-disposition"]
    assert officer.get(f"/thanh-pho/so-noi-vu/xa-bang-khen/{year}.csv").status_code == 200

    decision = f"/thanh-pho/bang-khen/xa-bang-khen/{award}"
    short = post(officer, decision, {"action": "reject", "reason": "Chưa"})
    assert short.status_code == 422 and "f-reason-error" in short.text and ">Chưa</textarea>" in short.text
    bad_date = post(officer, decision, {"action": "grant", "decision_number": "3001/QĐ-UBND",
                                        "decision_date": "ngày mai", "signer": "Chủ tịch UBND thành phố"})
    assert bad_date.status_code == 422 and "f-decision-date-error" in bad_date.text
    assert 'value="3001/QĐ-UBND"' in bad_date.text
    granted = post(officer, decision, {"action": "grant", "decision_number": "3001/QĐ-UBND",
                                       "decision_date": "21/11/2026", "signer": "Chủ tịch UBND thành phố"})
    assert granted.status_code == 303
    after = officer.get(granted.headers["location"])
    assert "Đã ghi quyết định khen thưởng." in after.text
    row = re.search(rf'id="a-{award}".*?</tr>', after.text, re.S)
    assert row and "Đã khen thưởng" in row.group(0) and "3001/QĐ-UBND" in row.group(0)
    assert text_of(officer.get(decision).text, "award-status") == "Đã khen thưởng"


def launched(stack: Stack, commune: str, name: str) -> None:
    from city_scene import people_of  # the scene's people of any commune
    now = dt.datetime.now(dt.UTC)
    ok(call(stack, people_of(commune)["secretary"], "POST", "submission", f"/communes/{commune}/campaigns", json={
        "campaign_id": f"{commune}-{now.year}", "year": now.year, "title": f"Đợt sáng kiến {name}",
        "commune_name": name, "fields": ["a"], "submission_opens_at": (now - dt.timedelta(days=1)).isoformat(),
        "submission_closes_at": (now + dt.timedelta(days=20)).isoformat(), "expected_units": []}))


def test_city_overview_of_114_communes_sorts_and_filters(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    nominated(stack, "tq-dan-dau", ["Số hoá một cửa", "Trả kết quả tại nhà"])
    for number in range(1, 113):
        launched(stack, f"tq-xa-{number:03d}", f"Xã Tổng Quan {number:03d}")
    officer = as_(stack, clients, CITY_OFFICER)
    year = dt.date.today().year
    found = stack.eventually(lambda: call(stack, CITY_OFFICER, "GET", "reporting", f"/city/{year}"),
                             lambda body: sum(c["commune_id"].startswith("tq-") for c in body["communes"]) == 113)
    assert len(found["communes"]) >= 114
    page = officer.get(f"/thanh-pho/tong-quan?nam={year}&loc=tong quan")  # without diacritics
    assert page.status_code == 200 and text_of(page.text, "count").startswith("112 / ")
    by_submitted = officer.get(f"/thanh-pho/tong-quan?nam={year}&sap_xep=submitted&chieu=giam&loc=tq-")
    rows = re.findall(r'<tr id="c-([^"]+)"', by_submitted.text)
    assert rows[0] == "tq-dan-dau" and len(rows) == 113
    assert 'aria-sort="descending"' in by_submitted.text
    assert f"/thanh-pho/tong-quan?nam={year}&amp;sap_xep=submitted&amp;chieu=tang&amp;loc=tq-" in by_submitted.text
    by_name = officer.get(f"/thanh-pho/tong-quan?nam={year}&sap_xep=commune_name&chieu=giam&loc=tq-xa")
    names = re.findall(r'<tr id="c-([^"]+)"', by_name.text)
    assert names[:2] == ["tq-xa-112", "tq-xa-111"] and len(names) == 112
    leader = re.search(r'<tr id="c-tq-dan-dau">(.*?)</tr>', by_submitted.text, re.S)
    assert leader and re.findall(r'<td class="num">([^<]*)</td>', leader.group(1))[1:5] == ["2", "2", "2", "2"]
