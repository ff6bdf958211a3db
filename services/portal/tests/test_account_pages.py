"""The administrator's accounts page against a recording stand-in of the identity service's administrator API
(the session's stack signs in through the test provider, with no identity service; the directory is the real
one): the list by state, an unlock, a one-time password shown once and never cached, a refusal in words, and
nobody but the administrator let in. The whole path with the real identity service — an imported official given
a one-time password who then signs in with it — is the first-start browser test's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from portal_live import LiveServer
from portal_stack import HOME_ADMINISTRATOR, SECRETARY, Stack, csrf_of, portal_settings, sign_in_over_http

from reform_portal.bootstrap import build_app

pytestmark = pytest.mark.service
COMMUNE = HOME_ADMINISTRATOR.commune_id
ROWS = [
    {"official_id": "cb-khoa", "full_name": "Cán bộ Bị Khoá", "unit_id": None, "has_password": True,
     "must_change": False, "locked_until": "2026-12-01T03:15:00+00:00"},
    {"official_id": "cb-moi", "full_name": "Cán bộ Mới", "unit_id": None, "has_password": False,
     "must_change": False, "locked_until": None},
    {"official_id": "cb-xong", "full_name": "Cán bộ Đã Có", "unit_id": None, "has_password": True,
     "must_change": False, "locked_until": None},
]


@dataclass
class FakeIdentity:
    calls: list[str] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/v1/communes/{commune_id}/accounts")
        async def accounts(commune_id: str) -> dict[str, Any]:
            return {"count": len(ROWS), "items": ROWS}

        @app.post("/api/v1/communes/{commune_id}/accounts/{official_id}/unlock")
        async def unlock(commune_id: str, official_id: str, request: Request) -> dict[str, Any]:
            self.calls.append(f"unlock {commune_id} {official_id} {request.headers['authorization'][:7]}")
            return {"official_id": official_id, "locked": False}

        @app.put("/api/v1/communes/{commune_id}/accounts/{official_id}/password")
        async def password(commune_id: str, official_id: str, request: Request) -> Any:
            body = await request.json()
            self.calls.append(f"password {commune_id} {official_id} temporary={body['temporary']}")
            if official_id == "cb-xong":
                return JSONResponse({"error": {"code": "not_found", "message_vi": "Không có cán bộ cb-xong",
                                               "message_en": "no such official", "field": "official_id"}}, 404)
            return {"official_id": official_id, "one_time_password": "Mot-Lan-7Qx2-Zp9w", "must_change": True}

        return app


@pytest.fixture
def portal(stack: Stack) -> Iterator[tuple[httpx.Client, FakeIdentity]]:
    fake = FakeIdentity()
    identity = LiveServer("fake-identity-accounts", fake.app).start()
    settings = portal_settings(stack.services, stack.settings, identity_url=identity.url)
    served = LiveServer("portal-accounts", lambda: build_app(settings, sign_in=stack.sign_in)).start()
    try:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            yield client, fake
    finally:
        served.stop()
        identity.stop()


def test_the_administrator_unlocks_an_account_and_gives_a_one_time_password_once(
        portal: tuple[httpx.Client, FakeIdentity]) -> None:
    client, fake = portal
    sign_in_over_http(client, str(client.base_url), HOME_ADMINISTRATOR)
    page = client.get("/quan-tri/tai-khoan")
    assert page.status_code == 200, page.text
    assert "Đang bị khoá (1)" in page.text and "Chưa có mật khẩu (1)" in page.text
    locked = client.get("/quan-tri/tai-khoan", params={"loc": "khoa"}).text
    assert "Cán bộ Bị Khoá" in locked and "Cán bộ Mới" not in locked and "Bị khoá đến 10:15 01/12/2026" in locked

    unlocked = client.post("/quan-tri/tai-khoan/cb-khoa/mo-khoa", data={"csrf_token": csrf_of(page.text)})
    assert unlocked.status_code == 303 and unlocked.headers["location"] == "/quan-tri/tai-khoan?da-mo-khoa"
    given = client.post("/quan-tri/tai-khoan/cb-moi/mat-khau", data={"csrf_token": csrf_of(page.text)})
    assert given.status_code == 200 and "Mot-Lan-7Qx2-Zp9w" in given.text and "Cán bộ Mới" in given.text
    assert given.headers["cache-control"] == "no-store" and "Mot-Lan" not in str(given.url)
    refused = client.post("/quan-tri/tai-khoan/cb-xong/mat-khau", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 404 and "Không có cán bộ cb-xong" in refused.text
    assert fake.calls == [f"unlock {COMMUNE} cb-khoa Bearer ", f"password {COMMUNE} cb-moi temporary=True",
                          f"password {COMMUNE} cb-xong temporary=True"]

    forged = client.post("/quan-tri/tai-khoan/cb-moi/mat-khau", data={"csrf_token": "forged"})
    assert forged.status_code in (400, 403) and len(fake.calls) == 3  # no password made without the form's token


def test_nobody_but_the_administrator_reaches_the_accounts(portal: tuple[httpx.Client, FakeIdentity]) -> None:
    client, fake = portal
    sign_in_over_http(client, str(client.base_url), SECRETARY)
    assert client.get("/quan-tri/tai-khoan").status_code == 403
    home = client.get("/")
    answer = client.post("/quan-tri/tai-khoan/cb-moi/mat-khau", data={"csrf_token": csrf_of(home.text)})
    assert answer.status_code == 403 and fake.calls == []
