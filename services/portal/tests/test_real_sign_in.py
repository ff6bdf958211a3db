"""Sign-in end to end in Debian's Chromium with nothing of the tests in the way: the portal's `OidcSignIn`
against the real identity service (its Vietnamese sign-in page, argon2 passwords set by the administrator,
RS256 tokens), the officials taken from the real directory, the submission service verifying the token
through the provider's JWKS; back on the portal's home with the user's name and the to-dos of their role;
then signing out ends the provider's session too."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from browser_kit import no_violations
from identity_stack import AUTHOR, COMMUNE, PASSWORDS, SECRETARY, IdentityStack, running_identity_stack
from playwright.sync_api import Browser, Page, expect

from reform_shared.settings import Settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def oidc_stack(settings_for: Callable[..., Settings], tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[IdentityStack]:
    yield from running_identity_stack(settings_for, tmp_path_factory.mktemp("identity-keys"))


def sign_in_through_identity(page: Page, user_id: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/dang-nhap"))
    page.get_by_role("button", name="Đăng nhập bằng tài khoản cán bộ").click()
    expect(page.get_by_role("heading", name=re.compile("Đăng nhập"))).to_be_visible()  # identity's own page
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.get_by_label(re.compile("Tên đăng nhập")).fill(user_id)
    page.get_by_label(re.compile("^Mật khẩu")).fill(PASSWORDS[user_id])
    page.get_by_role("button", name=re.compile("Đăng nhập")).click()


def test_sign_in_through_the_identity_service_and_out(oidc_stack: IdentityStack, browser: Browser) -> None:
    now = dt.datetime.now(dt.UTC)
    launched = httpx.post(
        f"{oidc_stack.submission.url}/api/v1/communes/{COMMUNE}/campaigns", timeout=10,
        headers={"Authorization": f"Bearer {oidc_stack.node_token(('secretary',), SECRETARY.user_id)}"},
        json={"campaign_id": "oidc-round", "year": now.year, "title": "Đợt sáng kiến đăng nhập thật",
              "fields": ["g"], "submission_opens_at": (now - dt.timedelta(days=1)).isoformat(),
              "submission_closes_at": (now + dt.timedelta(days=3)).isoformat(),
              "expected_units": [{"unit_id": "tt-phvhcc", "name": "Trung tâm Phục vụ hành chính công"}]})
    assert launched.status_code == 201, launched.text
    context = browser.new_context(base_url=oidc_stack.portal.url, locale="vi-VN")
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        sign_in_through_identity(page, AUTHOR.user_id)
        expect(page.get_by_role("heading", name="Việc cần làm")).to_be_visible()
        assert page.url == f"{oidc_stack.portal.url}/"
        expect(page.get_by_text(f"Xin chào {AUTHOR.name}.")).to_be_visible()  # the name the directory holds
        open_round = page.get_by_role("region", name="Đợt phát động đang nhận hồ sơ")
        expect(open_round).to_contain_text("Đợt sáng kiến đăng nhập thật")  # read with the RS256 token
        expect(open_round).to_contain_text("sắp hết hạn")
        expect(page.get_by_role("link", name="Sáng kiến của tôi")).to_be_visible()  # the author's menu
        expect(page.get_by_role("link", name="Sổ hồ sơ")).to_have_count(0)
        no_violations(page)

        page.get_by_role("button", name="Đăng xuất").click()
        expect(page.get_by_role("status")).to_have_text("Bạn đã đăng xuất.")
        expect(page).to_have_url(re.compile(r"/dang-nhap"))
        signed_out = oidc_stack.audit(AUTHOR.user_id, "signed_out")
        assert signed_out and signed_out[0]["detail"]["revoked_refresh_tokens"] >= 1, signed_out  # the provider's too
        page.goto("/sang-kien-cua-toi")
        expect(page).to_have_url(re.compile(r"/dang-nhap\?next="))
    finally:
        context.close()


def test_the_secretary_s_home_and_refreshes_of_a_rotating_provider(
        oidc_stack: IdentityStack, browser: Browser) -> None:
    context = browser.new_context(base_url=oidc_stack.portal.url, locale="vi-VN")
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        sign_in_through_identity(page, SECRETARY.user_id)
        expect(page.get_by_text(f"Xin chào {SECRETARY.name}.")).to_be_visible()
        expect(page.get_by_role("link", name="Sổ hồ sơ")).to_be_visible()
        expect(page.get_by_role("link", name="Sáng kiến của tôi")).to_have_count(0)
        cookie = next(c for c in context.cookies() if c["name"] == "reform_portal")
        assert len(cookie["value"]) < 3800  # RS256 access and ID tokens fit in one cookie
        # Two requests at once with one cookie (two tabs): both refresh with the same refresh token, which a
        # rotating provider takes for a theft, unless the portal refreshes once for both.
        jar = {"reform_portal": cookie["value"]}
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: httpx.get(f"{oidc_stack.portal.url}/thu-ky/ho-so", cookies=jar,
                                                        timeout=15), range(2)))
        assert [a.status_code for a in answers] == [200, 200]
        assert not oidc_stack.audit(SECRETARY.user_id, "refresh_reused")
        page.get_by_role("link", name="Sổ hồ sơ").click()  # the browser's cookie, refreshed again
        expect(page.get_by_role("heading", name="Sổ hồ sơ sáng kiến")).to_be_visible()
    finally:
        context.close()
