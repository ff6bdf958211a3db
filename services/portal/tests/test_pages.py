"""The portal over real HTTP, against the real submission service: sign-in, roles, CSRF, refusals that keep
what was typed, an outage page, the token refreshed before it expires, the cookie's flags."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from dev_sign_in import DevSignIn
from portal_live import LiveServer
from portal_stack import AUTHOR, SECRETARY, Stack, csrf_of, portal_settings, sign_in_over_http
from support import ONE_PAGE_PDF

from reform_portal.bootstrap import build_app
from reform_portal.settings import PortalSettings

pytestmark = pytest.mark.service


def test_a_page_asks_to_sign_in_and_the_cookie_is_httponly_and_lax(stack: Stack, client: httpx.Client) -> None:
    first = client.get(f"{stack.portal.url}/sang-kien-cua-toi")
    assert first.status_code == 303 and first.headers["location"] == "/dang-nhap?next=%2Fsang-kien-cua-toi"
    page = client.get(f"{stack.portal.url}/dang-nhap")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain http here
    sign_in_over_http(client, stack.portal.url, AUTHOR)
    home = client.get(f"{stack.portal.url}/")
    assert home.status_code == 200 and "Việc cần làm" in home.text and AUTHOR.name in home.text
    assert '<html lang="vi">' in home.text


def test_a_callback_with_another_state_signs_nobody_in(stack: Stack, client: httpx.Client) -> None:
    page = client.get(f"{stack.portal.url}/dang-nhap")
    client.post(f"{stack.portal.url}/dang-nhap", data={"csrf_token": csrf_of(page.text)})
    forged = client.get(f"{stack.portal.url}/callback", params={"code": "x", "state": "not-mine"})
    assert forged.status_code == 400 and "Phiên đăng nhập không hợp lệ" in forged.text
    assert client.get(f"{stack.portal.url}/").status_code == 303


def test_a_page_for_other_roles_is_a_403_page(stack: Stack, client: httpx.Client) -> None:
    sign_in_over_http(client, stack.portal.url, AUTHOR)
    page = client.get(f"{stack.portal.url}/thu-ky/ho-so")
    assert page.status_code == 403 and "Không có quyền truy cập" in page.text
    assert "Sổ hồ sơ" not in page.text  # the menu offers only the author's pages


def test_a_form_without_its_csrf_token_is_refused(stack: Stack, client: httpx.Client) -> None:
    sign_in_over_http(client, stack.portal.url, SECRETARY)
    refused = client.post(f"{stack.portal.url}/thu-ky/dot-phat-dong/moi", data={"title": "Đợt không có mã"})
    assert refused.status_code == 403 and "Biểu mẫu đã hết hạn" in refused.text


def test_a_refusal_shows_the_service_message_beside_its_field_and_keeps_the_values(
        stack: Stack, client: httpx.Client) -> None:
    stack.launch("keep-values")
    sign_in_over_http(client, stack.portal.url, AUTHOR)
    form = client.get(f"{stack.portal.url}/sang-kien/moi", params={"dot": "keep-values"})
    assert form.status_code == 200
    data = {"csrf_token": csrf_of(form.text), "title": "Một cửa điện tử tại thôn", "unit.unit_id": "vh-xh",
            "field": "g", "summary": "Ngắn", "authors.0.user_id": AUTHOR.user_id, "authors.0.name": AUTHOR.name,
            "effectiveness.indicators.0.name": "Thời gian xử lý", "effectiveness.indicators.0.before": "1.234,5",
            "novelty.since": "31/02/2026"}
    page = client.post(f"{stack.portal.url}/sang-kien/moi", params={"dot": "keep-values"}, data=data)
    assert page.status_code == 422
    assert "Ngày phải viết dạng dd/mm/yyyy" in page.text  # the portal reads the format of a date only
    data["novelty.since"] = "01/03/2026"
    page = client.post(f"{stack.portal.url}/sang-kien/moi", params={"dot": "keep-values"}, data=data)
    assert page.status_code == 422
    summary_error = re.search(r'<p class="error" id="f-summary-error">(.*?)</p>', page.text, re.S)
    assert summary_error and "Trường &#39;summary&#39; quá ngắn" in summary_error.group(1)
    assert 'value="Một cửa điện tử tại thôn"' in page.text and 'value="1.234,5"' in page.text
    assert 'value="01/03/2026"' in page.text and 'aria-invalid="true"' in page.text


def test_a_form_posted_twice_is_recorded_once(stack: Stack, client: httpx.Client) -> None:
    """A double click, or a retry after the answer was lost on the line: the form's key gets the first answer."""
    stack.launch("posted-twice")
    sign_in_over_http(client, stack.portal.url, AUTHOR)
    form = client.get(f"{stack.portal.url}/sang-kien/moi", params={"dot": "posted-twice"})
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form.text)
    assert key, form.text
    data = {"csrf_token": csrf_of(form.text), "idempotency_key": key.group(1), "title": "Tra cứu lịch tiếp dân",
            "unit.unit_id": "vh-xh", "field": "g", "authors.0.user_id": AUTHOR.user_id, "authors.0.name": AUTHOR.name,
            "summary": "Người dân xem lịch tiếp dân của lãnh đạo xã trên trang của xã."}
    files = {"files": ("lich.pdf", ONE_PAGE_PDF, "application/pdf")}
    first = client.post(f"{stack.portal.url}/sang-kien/moi", params={"dot": "posted-twice"}, data=data, files=files)
    again = client.post(f"{stack.portal.url}/sang-kien/moi", params={"dot": "posted-twice"}, data=data, files=files)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]  # the same dossier
    found = stack.eventually(lambda: stack.api(AUTHOR, "GET", "submission", "/initiatives",
                                               params={"campaign_id": "posted-twice"}), lambda body: body["items"])
    assert [i["title"] for i in found["items"]] == ["Tra cứu lịch tiếp dân"]


def test_an_outage_is_a_calm_page_to_try_again_later(stack: Stack, client: httpx.Client) -> None:
    settings = portal_settings(stack.services, stack.settings, submission_url="http://127.0.0.1:9")
    portal = LiveServer("portal-outage", lambda: build_app(settings, sign_in=stack.sign_in)).start()
    try:
        sign_in_over_http(client, portal.url, AUTHOR)
        page = client.get(f"{portal.url}/dot-phat-dong")
        assert page.status_code == 503 and "thử lại sau" in page.text and page.headers["Retry-After"]
        assert "Traceback" not in page.text
    finally:
        portal.stop()


def test_a_token_about_to_expire_is_refreshed(stack: Stack, client: httpx.Client) -> None:
    short = DevSignIn(stack.sign_in.secret, list(stack.sign_in.accounts.values()), ttl=dt.timedelta(seconds=30))
    login = LiveServer("login-short", short.login_app).start()
    short.login_url = f"{login.url}/login"
    settings: PortalSettings = portal_settings(stack.services, stack.settings)
    portal = LiveServer("portal-refresh", lambda: build_app(settings, sign_in=short)).start()
    try:
        sign_in_over_http(client, portal.url, AUTHOR)
        for _ in range(2):
            assert client.get(f"{portal.url}/sang-kien-cua-toi").status_code == 200
        assert short.refreshed == 2  # 30 s left is within the margin: each request refreshed the token
    finally:
        portal.stop()
        login.stop()


def test_the_form_offers_the_communes_officials_as_co_authors_and_names_them_by_id(
        stack: Stack, client: httpx.Client) -> None:
    stack.launch("co-authors")
    sign_in_over_http(client, stack.portal.url, AUTHOR)
    form = client.get(f"{stack.portal.url}/sang-kien/moi", params={"dot": "co-authors"})
    assert '<datalist id="officials-list">' in form.text and f'<option value="{SECRETARY.name}">' in form.text
    assert 'list="officials-list"' in form.text
    data = {"csrf_token": csrf_of(form.text), "title": "Hẹn lịch làm thủ tục qua Zalo", "unit.unit_id": "vh-xh",
            "field": "g", "authors.0.user_id": AUTHOR.user_id, "authors.0.name": AUTHOR.name,
            "authors.1.name": SECRETARY.name.lower(), "summary": "Người dân hẹn giờ làm thủ tục qua Zalo của xã."}
    done = client.post(f"{stack.portal.url}/sang-kien/moi", params={"dot": "co-authors"}, data=data)
    assert done.status_code == 303, done.text
    initiative_id = done.headers["location"].split("?")[0].rsplit("/", 1)[1]
    initiative = stack.api(AUTHOR, "GET", "submission", f"/initiatives/{initiative_id}")
    authors = initiative.json()["content"]["authors"]
    assert [a.get("user_id") for a in authors] == [AUTHOR.user_id, SECRETARY.user_id]  # picked from the directory
