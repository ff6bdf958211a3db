"""The city's nomination pages over real HTTP against the real evaluation service: every commune's nominations
with filters, the city council's appraisal sheet (a typo kept beside its field, a revision), the officer's
decision refused before the quorum then recorded, and each page only for the city's roles."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from city_http import post, text_of
from city_scene import appraised, nominated
from portal_stack import CITY_COUNCIL, CITY_OFFICER, SECRETARY, Stack, as_

pytestmark = pytest.mark.service


def test_nominations_of_every_commune_with_filters(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    first = nominated(stack, "xa-loc-a", ["Một cửa số hoá hồ sơ đất đai"], field="g")
    second = nominated(stack, "xa-loc-b", ["Chuẩn hoá quy trình chứng thực"], field="c")
    officer = as_(stack, clients, CITY_OFFICER)
    year = dt.date.today().year
    page = officer.get(f"/thanh-pho/de-nghi?nam={year}")
    assert page.status_code == 200 and "Một cửa số hoá hồ sơ đất đai" in page.text
    assert "Chuẩn hoá quy trình chứng thực" in page.text and "Chờ thẩm định" in page.text
    assert f'href="/thanh-pho/de-nghi/xa-loc-a/{first[0]}"' in page.text
    by_commune = officer.get(f"/thanh-pho/de-nghi?nam={year}&commune=xa-loc-b")
    assert "Chuẩn hoá quy trình chứng thực" in by_commune.text
    assert "Một cửa số hoá hồ sơ đất đai" not in by_commune.text
    by_field = officer.get(f"/thanh-pho/de-nghi?nam={year}&field=g")
    assert f"xa-loc-a/{first[0]}" in by_field.text and f"xa-loc-b/{second[0]}" not in by_field.text
    earlier = officer.get(f"/thanh-pho/de-nghi?nam={year - 5}")
    assert "Không có sáng kiến nào được đề nghị" in earlier.text


def test_appraisal_and_city_decision_over_http(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    [initiative] = nominated(stack, "xa-tham-dinh", ["Trả kết quả thủ tục qua bưu điện"])
    sheet = f"/thanh-pho/de-nghi/xa-tham-dinh/{initiative}"
    member = as_(stack, clients, CITY_COUNCIL[0])
    page = member.get(sheet)
    assert page.status_code == 200 and "Bạn chưa chấm sáng kiến này." in page.text
    assert "Ghi quyết định của thành phố" not in page.text  # the officer's, not a member's

    typo = post(member, sheet, {"effectiveness": "tám", "replicability": "7,5", "comment": "Rất thiết thực"})
    assert typo.status_code == 422
    assert 'aria-describedby="f-effectiveness-hint f-effectiveness-error"' in typo.text
    assert 'value="tám"' in typo.text and "Rất thiết thực" in typo.text  # what was typed is kept
    too_high = post(member, sheet, {"effectiveness": "12", "replicability": "7,5"})
    assert too_high.status_code == 422 and "f-effectiveness-error" in too_high.text
    saved = post(member, sheet, {"effectiveness": "8,5", "replicability": "7,5", "comment": "Rất thiết thực"})
    assert saved.status_code == 303
    shown = member.get(saved.headers["location"])
    assert "Đã lưu phiếu thẩm định." in shown.text
    assert text_of(shown.text, "own-state") == "Đã chấm: hiệu quả 8,5, nhân rộng 7,5 (lần sửa 1)"
    revised = post(member, sheet, {"effectiveness": "9", "replicability": "7,5"})
    assert text_of(member.get(revised.headers["location"]).text, "own-state").endswith("(lần sửa 2)")

    officer = as_(stack, clients, CITY_OFFICER)
    decision = f"{sheet}/quyet-dinh"
    form = {"recognised": "yes", "decision_number": "1234/QĐ-UBND", "decision_date": "21/11/2026",
            "decided_by": "Chủ tịch UBND thành phố"}
    early = post(officer, decision, form)
    assert early.status_code == 422 and "Chưa đủ túc số thẩm định" in early.text
    assert 'value="1234/QĐ-UBND"' in early.text
    bad_date = post(officer, decision, {**form, "decision_date": "31/02/2026"})
    assert bad_date.status_code == 422 and "f-decision-date-error" in bad_date.text

    appraised(stack, "xa-tham-dinh", initiative)
    ready = officer.get(sheet)
    assert text_of(ready.text, "appraisal-status") == "Đủ túc số, chờ quyết định"
    assert "Ngô Văn Đức" in ready.text  # the officer sees the members' sheets
    done = post(officer, decision, form)
    assert done.status_code == 303
    after = officer.get(done.headers["location"])
    assert "Đã ghi quyết định của thành phố." in after.text
    assert text_of(after.text, "appraisal-status") == "Được công nhận cấp thành phố"
    assert text_of(after.text, "city-decision").startswith("Công nhận – số 1234/QĐ-UBND ngày 21/11/2026")
    listed = officer.get(f"/thanh-pho/de-nghi?nam={dt.date.today().year}&commune=xa-tham-dinh")
    assert "Được công nhận cấp thành phố" in listed.text


def test_city_pages_only_for_the_city(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    [initiative] = nominated(stack, "xa-quyen", ["Số hoá sổ hộ tịch"])
    secretary = as_(stack, clients, SECRETARY)
    assert secretary.get("/thanh-pho/de-nghi").status_code == 403
    assert "Đề nghị của các xã" not in secretary.get("/").text
    member = as_(stack, clients, CITY_COUNCIL[1])
    assert member.get(f"/thanh-pho/de-nghi/xa-quyen/{initiative}/quyet-dinh").status_code == 403
    officer = as_(stack, clients, CITY_OFFICER)
    home = officer.get("/")
    assert home.status_code == 200 and 'href="/thanh-pho/de-nghi"' in home.text
    refused = post(officer, f"/thanh-pho/de-nghi/xa-quyen/{initiative}", {"effectiveness": "8", "replicability": "8"},
                   form_at=f"/thanh-pho/de-nghi/xa-quyen/{initiative}")
    assert refused.status_code == 403  # an officer decides; only the council appraises
