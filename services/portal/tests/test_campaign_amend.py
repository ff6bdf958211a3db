"""The secretary amends a campaign before its window opens: the form shows its terms, the change lands, the list
says so; once the window has opened the service refuses and the page says why, what was typed kept."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from portal_stack import SECRETARY, Stack, csrf_of, sign_in_over_http

pytestmark = pytest.mark.service


def form_of(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'<input type="text" id="[^"]+" name="([^"]+)" value="([^"]*)"', html))
    fields["expected_units"] = re.search(r'name="expected_units"[^>]*>([^<]*)</textarea>', html).group(1)  # type: ignore[union-attr]
    return {**fields, "csrf_token": csrf_of(html),
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)}  # type: ignore[union-attr]


def test_a_campaign_not_yet_open_is_amended_and_an_open_one_is_refused(stack: Stack, client: httpx.Client) -> None:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    stack.launch("amend-later", submission_opens_at=soon.isoformat(),
                 submission_closes_at=(soon + dt.timedelta(days=20)).isoformat())
    stack.launch("amend-open")
    stack.eventually(lambda: stack.api(SECRETARY, "GET", "submission", "/campaigns"),  # the list, a moment later
                     lambda body: {"amend-later", "amend-open"} <= {c["campaign_id"] for c in body["items"]})
    sign_in_over_http(client, stack.portal.url, SECRETARY)
    listing = client.get(f"{stack.portal.url}/thu-ky/dot-phat-dong")
    assert 'href="/thu-ky/dot-phat-dong/amend-later/sua"' in listing.text  # only before the window opens
    assert 'href="/thu-ky/dot-phat-dong/amend-open/sua"' not in listing.text
    assert "Chưa đến ngày nhận hồ sơ" in listing.text

    page = client.get(f"{stack.portal.url}/thu-ky/dot-phat-dong/amend-later/sua")
    assert page.status_code == 200 and "Sửa điều kiện của đợt phát động" in page.text
    data = form_of(page.text)
    assert data["title"] == "Đợt sáng kiến amend-later" and "vh-xh | Phòng Văn hóa – Xã hội" in data["expected_units"]
    data["title"] = "Đợt sáng kiến đã sửa tên"
    done = client.post(f"{stack.portal.url}/thu-ky/dot-phat-dong/amend-later/sua", data={**data, "fields": "g"})
    assert done.status_code == 303 and done.headers["location"] == "/thu-ky/dot-phat-dong?da-sua"
    listing = client.get(f"{stack.portal.url}/thu-ky/dot-phat-dong?da-sua")
    assert "Đã lưu điều kiện đã sửa của đợt." in listing.text and "Đợt sáng kiến đã sửa tên" in listing.text
    amended = stack.api(SECRETARY, "GET", "submission", "/campaigns/amend-later").json()
    assert amended["title"] == "Đợt sáng kiến đã sửa tên" and amended["fields"] == ["g"]

    page = client.get(f"{stack.portal.url}/thu-ky/dot-phat-dong/amend-open/sua")
    data = {**form_of(page.text), "title": "Đổi tên khi đã mở"}
    refused = client.post(f"{stack.portal.url}/thu-ky/dot-phat-dong/amend-open/sua", data={**data, "fields": "g"})
    assert refused.status_code in (409, 422) and 'id="error-summary"' in refused.text
    assert 'value="Đổi tên khi đã mở"' in refused.text  # what was typed is kept
