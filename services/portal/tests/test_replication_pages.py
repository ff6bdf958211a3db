"""The replication pages over real HTTP against the real services (a standalone node publishes its own
catalogue): an initiative recognised by another commune's signed decision is found in the catalogue without
diacritics; the secretary adopts it with the form (a refusal shown beside its field, what was typed kept),
reports the results measured with the original's indicator; the city officer sees the spread, its charts
and its report."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from city_scene import call, nominated, ok, people_of
from portal_stack import CITY_OFFICER, SECRETARY, Stack, as_, csrf_of
from support import ONE_PAGE_PDF

pytestmark = pytest.mark.service

ORIGIN = "xa-nhan-rong-goc"
TITLE = "Thủ tục chứng thực trực tuyến cho người cao tuổi"


def found_in_catalogue(portal: httpx.Client, query: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        page = portal.get("/nhan-rong", params={"q": query})
        assert page.status_code == 200, page.text
        match = re.search(r'href="/nhan-rong/sang-kien/([A-Za-z0-9_-]+)">' + re.escape(TITLE), page.text)
        if match:
            return match.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(page.text)
        time.sleep(0.3)


def post(portal: httpx.Client, path: str, page: str, **fields: Any) -> httpx.Response:
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    data = {"csrf_token": csrf_of(page), "idempotency_key": key.group(1) if key else "", **fields}
    return portal.post(path, data=data)


def test_a_commune_finds_adopts_and_reports_and_the_city_sees_it(stack: Stack,
                                                                 clients: dict[str, httpx.Client]) -> None:
    document = ok(call(stack, people_of(ORIGIN)["author"], "POST", "submission", f"/communes/{ORIGIN}/attachments",
                       files={"file": ("Quy trình chứng thực.pdf", ONE_PAGE_PDF, "application/pdf")}))
    nominated(stack, ORIGIN, [TITLE], attachments={TITLE: [document["attachment_id"]]})
    secretary = as_(stack, clients, SECRETARY)
    entry_id = found_in_catalogue(secretary, "thu tuc chung thuc")
    assert found_in_catalogue(secretary, "THỦ TỤC") == entry_id
    page = secretary.get(f"/nhan-rong/sang-kien/{entry_id}").text
    assert "Quyết định công nhận của xã" in page and "88/QĐ-UBND" in page
    assert "Tác giả xã" not in page  # no author's name in the catalogue
    link = f"/nhan-rong/sang-kien/{entry_id}/tai-lieu/{document['attachment_id']}"
    deadline = time.monotonic() + 30  # the file comes through the record: the page links it once it is here
    while f'href="{link}"' not in page:
        assert "chưa về đến xã" in page and time.monotonic() < deadline, page
        time.sleep(0.3)
        page = secretary.get(f"/nhan-rong/sang-kien/{entry_id}").text
    opened = secretary.get(link)
    assert opened.status_code == 200 and opened.content == ONE_PAGE_PDF
    assert opened.headers["content-type"] == "application/pdf" and opened.headers["x-checksum-sha256"] == \
        document["sha256"]
    missing = secretary.get(f"/nhan-rong/sang-kien/{entry_id}/tai-lieu/khong-co")
    assert missing.status_code == 404 and "không có tài liệu đó" in missing.text

    refused = post(secretary, f"/nhan-rong/sang-kien/{entry_id}/ap-dung", page, unit_id="vh-xh",
                   responsible="Phó Chủ tịch UBND xã", since="01/01/2090", adaptation="Cho bộ phận một cửa")
    assert refused.status_code == 422
    assert 'id="f-since-error"' in refused.text and "không được ở tương lai" in refused.text
    assert 'value="Phó Chủ tịch UBND xã"' in refused.text  # what was typed is kept
    adopted = post(secretary, f"/nhan-rong/sang-kien/{entry_id}/ap-dung", refused.text, unit_id="vh-xh",
                   responsible="Phó Chủ tịch UBND xã", since="01/11/2026", adaptation="Cho bộ phận một cửa")
    assert adopted.status_code == 303, adopted.text
    page = secretary.get(adopted.headers["location"]).text
    assert "Đã ghi nhận quyết định áp dụng" in page and "Báo cáo kết quả đo được" in page

    measured = {"indicators.0.name": "Thời gian chờ", "indicators.0.unit": "ngày", "indicators.0.after": "4,5"}
    bad = post(secretary, f"/nhan-rong/sang-kien/{entry_id}/ket-qua", page, measured_on="30/11/2026",
               **{**measured, "indicators.0.before": "mười"})
    assert bad.status_code == 422 and 'id="f-indicators-0-before-error"' in bad.text
    reported = post(secretary, f"/nhan-rong/sang-kien/{entry_id}/ket-qua", bad.text, measured_on="30/11/2026",
                    **{**measured, "indicators.0.before": "10"})
    assert reported.status_code == 303, reported.text
    mine = secretary.get("/nhan-rong/xa")
    assert mine.status_code == 200 and TITLE in mine.text and "kết quả đo ngày 30/11/2026" in mine.text

    officer = as_(stack, clients, CITY_OFFICER)
    city = officer.get("/thanh-pho/nhan-rong")
    assert city.status_code == 200, city.text
    assert re.search(r'<th scope="row"><a href="/nhan-rong/sang-kien/' + re.escape(entry_id), city.text)
    assert 'alt="Sáng kiến được nhân rộng nhiều nhất: ' in city.text
    chart = officer.get("/thanh-pho/nhan-rong/bieu-do/most-adopted.svg")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert "<title>" in chart.text
    report = officer.get("/thanh-pho/nhan-rong/bao-cao.docx")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert secretary.get("/thanh-pho/nhan-rong").status_code == 403
