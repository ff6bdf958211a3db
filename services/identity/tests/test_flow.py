"""The authorization code flow end to end, with a real HTTP client: sign-in page, credentials, code, token
(PKCE), and the access token accepted by a real service that verifies it through the provider's JWKS."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import uvicorn
from fastapi import FastAPI

from reform_awards.bootstrap import build_app as awards_app
from reform_awards.bootstrap import build_runtime as awards_runtime
from reform_identity.bootstrap import build_app, build_runtime
from reform_identity.config import PORTAL, IdentityConfig
from reform_node.servers import free_port
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.errors import Forbidden, NotFound
from reform_shared.events.directory import (
    OfficialEntry,
    OfficialLeft,
    OfficialRegistered,
    OfficialRolesChanged,
    UnitHeadAppointed,
)
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings

COMMUNE = "ninh-giang"
REDIRECT = PORTAL.redirect_uris[0]
PASSWORDS = {"lan": "Hoa-sen-2026!", "hung": "Cay-tre-2026!", "ha": "Song-Cam-2026!"}
DAY = dt.date(2026, 1, 1)
OFFICIALS = [
    OfficialEntry(official_id="lan", full_name="Nguyễn Thị Lan", unit_id="tt-phvhcc", roles=("submitter",)),
    OfficialEntry(official_id="hung", full_name="Trần Văn Hùng", unit_id="vp", roles=("submitter",)),
    OfficialEntry(official_id="ha", full_name="Phạm Thu Hà", unit_id="vp", roles=("secretary",)),
    OfficialEntry(official_id="quan-tri", full_name="Lê Quản Trị", unit_id="vp", roles=("administrator",)),
    OfficialEntry(official_id="sai", full_name="Đỗ Sai Vai", unit_id="vp", roles=("city_officer",)),
]


def identity_config(tmp_path: Path, **overrides: Any) -> IdentityConfig:
    values: dict[str, Any] = {"key_file": tmp_path / "keys" / "signing-keys.json", "key_bits": 2048,
                              "argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}
    values.update(overrides)
    return IdentityConfig(**values)


async def append_directory(runtime: ServiceRuntime, *payloads: EventPayload, commune: str = COMMUNE) -> None:
    store = runtime.store
    assert store is not None
    history = await store.load(commune, "directory", "main")
    actor = Actor(user_id="thu-ky", commune_id=commune, roles=("secretary",))
    envelopes = [make_envelope(p, commune_id=commune, version=history.version + i + 1, actor=actor,
                               occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), correlation_id="seed")
                 for i, p in enumerate(payloads)]
    await store.append(history, envelopes)


def seed_payloads() -> list[EventPayload]:
    return [*(OfficialRegistered(effective=DAY, official=o) for o in OFFICIALS),
            UnitHeadAppointed(effective=DAY, unit_id="tt-phvhcc", official_id="lan")]


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The app on a real socket (the services fetch its JWKS over HTTP)."""
    port = int(app.state.port)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class Provider:
    def __init__(self, url: str, runtime: ServiceRuntime, app: FastAPI) -> None:
        self.url, self.runtime, self.app = url, runtime, app

    async def wait_directory(self, official_id: str, present: bool = True) -> None:
        wiring = self.app.state.wiring
        for _ in range(500):
            principal = await wiring.accounts.principal(COMMUNE, official_id)
            if (principal is not None) == present:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{official_id} never {'appeared' if present else 'went'}")


@asynccontextmanager
async def provider(settings: Settings, config: IdentityConfig, admin_token: str) -> AsyncIterator[Provider]:
    port = free_port()
    settings = settings.model_copy(update={"service_name": "identity", "oidc_issuer": f"http://127.0.0.1:{port}",
                                           "port": port})
    runtime = build_runtime(settings)
    app = build_app(runtime, config=config)
    app.state.port = port
    async with served(app) as url:
        await append_directory(runtime, *seed_payloads())
        p = Provider(url, runtime, app)
        await p.wait_directory("quan-tri")
        async with httpx.AsyncClient(base_url=url) as http:
            for official in ("lan", "hung", "ha"):
                answer = await http.put(f"/api/v1/communes/{COMMUNE}/accounts/{official}/password",
                                        json={"password": PASSWORDS[official], "temporary": False},
                                        headers={"Authorization": f"Bearer {admin_token}"})
                assert answer.status_code == 200, answer.text
        yield p


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden {name} in the page"
    return unescape(found.group(1))


class Browser:
    """A browser: follows nothing by itself, keeps cookies."""

    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, follow_redirects=False)

    async def close(self) -> None:
        await self.http.aclose()

    async def open_sign_in(self, challenge: str, *, state: str = "st-1", nonce: str = "n-1") -> httpx.Response:
        return await self.http.get("/authorize", params={
            "client_id": PORTAL.client_id, "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid profile",
            "state": state, "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"})

    async def sign_in(self, page: httpx.Response, user: str, password: str) -> httpx.Response:
        return await self.http.post("/authorize", data={
            "request_id": hidden(page.text, "request_id"), "csrf": hidden(page.text, "csrf"),
            "username": user, "password": password})

    async def code_for(self, user: str, password: str, challenge: str) -> str:
        answer = await self.sign_in(await self.open_sign_in(challenge), user, password)
        assert answer.status_code == 303, answer.text
        return code_of(answer)


def code_of(answer: httpx.Response) -> str:
    location = answer.headers["location"]
    assert location.startswith(REDIRECT), location
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


async def exchange(url: str, code: str, verifier: str, **extra: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as http:
        return await http.post("/token", data={"grant_type": "authorization_code", "code": code,
                                               "redirect_uri": REDIRECT, "client_id": PORTAL.client_id,
                                               "code_verifier": verifier, **extra})


# -- the tests --

pytestmark = pytest.mark.service
AWARDS = f"/api/v1/communes/{COMMUNE}/awards"


@pytest.fixture
async def idp(settings: Settings, js: Any, token_for: Callable[..., str], tmp_path: Path) -> AsyncIterator[Provider]:
    admin = token_for(["administrator"], subject="quan-tri")
    async with provider(settings, identity_config(tmp_path), admin) as p:
        yield p


@pytest.fixture
async def browser(idp: Provider) -> AsyncIterator[Browser]:
    b = Browser(idp.url)
    yield b
    await b.close()


def admin(token_for: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(['administrator'], subject='quan-tri')}"}


async def audit(idp: Provider, token_for: Callable[..., str], **query: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=idp.url) as http:
        answer = await http.get(f"/api/v1/communes/{COMMUNE}/audit", params=query, headers=admin(token_for))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_the_whole_flow_and_a_real_service_accepts_the_token_through_jwks(
        idp: Provider, browser: Browser, settings: Settings, token_for: Callable[..., str]) -> None:
    verifier, challenge = pkce()
    page = await browser.open_sign_in(challenge)
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text and 'for="username"' in page.text and 'for="password"' in page.text
    head = page.text.split("<body>")[0]
    assert "/static/signin.css" in head and "<script" not in page.text and "://" not in head  # no CDN, no script
    assert (await browser.http.get("/static/signin.css")).status_code == 200
    answer = await browser.sign_in(page, "lan", "Hoa-sen-2026!")
    assert answer.status_code == 303, answer.text
    tokens = await exchange(idp.url, code_of(answer), verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert set(access) == {"sub", "name", "commune", "roles", "unit", "iss", "aud", "exp", "iat", "jti"}
    assert (access["sub"], access["commune"], access["unit"], access["iss"], access["aud"]) == (
        "lan", COMMUNE, "tt-phvhcc", idp.url, "reform")
    assert access["roles"] == ["submitter", "unit_head"]  # the directory's, and head of her unit
    assert access["exp"] - access["iat"] == 600
    id_token = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert (id_token["aud"], id_token["nonce"]) == (PORTAL.client_id, "n-1")
    assert jwt.get_unverified_header(body["access_token"])["kid"] in {k["kid"] for k in (
        await browser.http.get("/jwks.json")).json()["keys"]}

    runtime = awards_runtime(settings.model_copy(update={"service_name": "awards", "oidc_issuer": idp.url,
                                                          "database": settings.database_name + "_aw"}))
    app = awards_app(runtime)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://awards") as service:
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        assert (await service.get(AWARDS, headers=bearer)).status_code == 200
        assert (await service.get(AWARDS, headers={"Authorization": f"Bearer {token_for(['secretary'])}"}
                                  )).status_code == 200  # the node secret's HS256 beside it (scripts, tests)
        other = jwt.encode({**access, "iss": "https://another.example"}, "x" * 64, algorithm="HS256")
        assert (await service.get(AWARDS, headers={"Authorization": f"Bearer {other}"})).status_code == 401
    async with httpx.AsyncClient(base_url=idp.url) as http:
        info = await http.get("/userinfo", headers=bearer)
        assert info.json()["roles"] == ["submitter", "unit_head"]
        refreshed = await http.post("/token", data={"grant_type": "refresh_token", "client_id": PORTAL.client_id,
                                                    "refresh_token": body["refresh_token"]})
        assert refreshed.status_code == 200 and refreshed.json()["refresh_token"] != body["refresh_token"]
        reused = await http.post("/token", data={"grant_type": "refresh_token", "client_id": PORTAL.client_id,
                                                 "refresh_token": body["refresh_token"]})
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        rotated = await http.post("/token", data={"grant_type": "refresh_token", "client_id": PORTAL.client_id,
                                                  "refresh_token": refreshed.json()["refresh_token"]})
        assert rotated.status_code == 400, "reuse revokes the whole family"
    kinds = [entry["kind"] for entry in await audit(idp, token_for, subject="lan")]
    assert {"sign_in", "token_issued", "refresh_reused"} <= set(kinds)


async def test_pkce_is_required_and_checked_and_a_code_is_used_once(idp: Provider, browser: Browser) -> None:
    verifier, challenge = pkce()
    missing = await browser.http.get("/authorize", params={
        "client_id": PORTAL.client_id, "redirect_uri": PORTAL.redirect_uris[0], "response_type": "code",
        "scope": "openid", "state": "s"})
    assert missing.status_code == 303 and "error=invalid_request" in missing.headers["location"]
    wrong_uri = await browser.http.get("/authorize", params={
        "client_id": PORTAL.client_id, "redirect_uri": PORTAL.redirect_uris[0] + "/x", "response_type": "code",
        "scope": "openid", "code_challenge": challenge, "code_challenge_method": "S256"})
    assert wrong_uri.status_code == 400 and "location" not in wrong_uri.headers
    code = await browser.code_for("hung", "Cay-tre-2026!", challenge)
    wrong = await exchange(idp.url, code, pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code = await browser.code_for("hung", "Cay-tre-2026!", challenge)
    assert (await exchange(idp.url, code, verifier)).status_code == 200
    again = await exchange(idp.url, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_a_form_without_its_csrf_cookie_is_refused(idp: Provider, browser: Browser) -> None:
    page = await browser.open_sign_in(pkce()[1])
    browser.http.cookies.clear()
    answer = await browser.sign_in(page, "lan", "Hoa-sen-2026!")
    assert answer.status_code == 400 and "location" not in answer.headers


async def test_five_wrong_passwords_lock_the_account_and_the_audit_shows_it(
        idp: Provider, browser: Browser, token_for: Callable[..., str]) -> None:
    challenge = pkce()[1]
    for attempt in range(5):
        answer = await browser.sign_in(await browser.open_sign_in(challenge), "ha", f"wrong-{attempt}")
        assert answer.status_code in (401, 403)
        assert 'aria-invalid="true"' in answer.text and 'role="alert"' in answer.text
        assert re.search(r'aria-describedby="[^"]*(password|username)-error"', answer.text)
    assert answer.status_code == 403 and "khóa" in answer.text
    right = await browser.sign_in(await browser.open_sign_in(challenge), "ha", "Song-Cam-2026!")
    assert right.status_code == 403, "locked even with the right password"
    kinds = [entry["kind"] for entry in await audit(idp, token_for, subject="ha")]
    assert kinds.count("sign_in_failed") == 5 and "locked" in kinds and kinds[0] == "sign_in_refused"
    for entry in await audit(idp, token_for, subject="ha"):
        assert "wrong" not in str(entry) and "2026!" not in str(entry), "no secret in the audit"
    async with httpx.AsyncClient(base_url=idp.url) as http:
        unlocked = await http.post(f"/api/v1/communes/{COMMUNE}/accounts/ha/unlock", headers=admin(token_for))
        assert unlocked.status_code == 200
    assert (await browser.sign_in(await browser.open_sign_in(challenge), "ha", "Song-Cam-2026!")).status_code == 303


async def test_a_reset_by_the_administrator_must_be_changed(
        idp: Provider, browser: Browser, token_for: Callable[..., str]) -> None:
    async with httpx.AsyncClient(base_url=idp.url) as http:
        refused = await http.put(f"/api/v1/communes/{COMMUNE}/accounts/lan/password", json={},
                                 headers={"Authorization": f"Bearer {token_for(['secretary'])}"})
        assert refused.status_code == 403
        reset = await http.put(f"/api/v1/communes/{COMMUNE}/accounts/lan/password", json={},
                               headers=admin(token_for))
    assert reset.status_code == 200 and reset.json()["must_change"] is True
    one_time = reset.json()["one_time_password"]
    verifier, challenge = pkce()
    page = await browser.sign_in(await browser.open_sign_in(challenge), "lan", one_time)
    assert page.status_code == 200 and 'action="/password"' in page.text
    fields = {"request_id": page.text.split('name="request_id" value="')[1].split('"')[0],
              "csrf": page.text.split('name="csrf" value="')[1].split('"')[0]}
    short = await browser.http.post("/password", data={**fields, "new_password": "ngan", "confirm_password": "ngan"})
    assert short.status_code == 422 and 'aria-describedby="new_password-hint new_password-error"' in short.text
    done = await browser.http.post("/password", data={**fields, "new_password": "Mat-khau-moi-2026",
                                                      "confirm_password": "Mat-khau-moi-2026"})
    assert done.status_code == 303
    assert (await exchange(idp.url, code_of(done), verifier)).status_code == 200
    assert (await browser.code_for("lan", "Mat-khau-moi-2026", challenge))
    kinds = [entry["kind"] for entry in await audit(idp, token_for, subject="lan")]
    assert {"password_reset", "password_changed"} <= set(kinds)
    assert one_time not in str(await audit(idp, token_for, subject="lan"))


async def test_an_official_who_left_is_refused_at_sign_in_and_refresh(
        idp: Provider, browser: Browser, token_for: Callable[..., str]) -> None:
    verifier, challenge = pkce()
    code = await browser.code_for("hung", "Cay-tre-2026!", challenge)
    refresh = (await exchange(idp.url, code, verifier)).json()["refresh_token"]
    await append_directory(idp.runtime, OfficialLeft(effective=DAY, official_id="hung", reason="nghỉ hưu"))
    await idp.wait_directory("hung", present=False)
    answer = await browser.sign_in(await browser.open_sign_in(challenge), "hung", "Cay-tre-2026!")
    assert answer.status_code == 403 and "không còn hiệu lực" in answer.text
    async with httpx.AsyncClient(base_url=idp.url) as http:
        refused = await http.post("/token", data={"grant_type": "refresh_token", "client_id": PORTAL.client_id,
                                                  "refresh_token": refresh})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert "sign_in_refused" in [e["kind"] for e in await audit(idp, token_for, subject="hung")]


async def test_roles_come_from_the_directory_and_city_roles_never_reach_a_commune_token(
        idp: Provider, browser: Browser) -> None:
    await append_directory(idp.runtime, OfficialRolesChanged(effective=DAY, official_id="ha",
                                                             roles=("secretary", "city_officer")))
    for _ in range(200):
        principal = await idp.app.state.wiring.accounts.principal(COMMUNE, "ha")
        if principal and principal.roles == ("secretary",):
            break
        await asyncio.sleep(0.02)
    verifier, challenge = pkce()
    code = await browser.code_for("ha", "Song-Cam-2026!", challenge)
    access = jwt.decode((await exchange(idp.url, code, verifier)).json()["access_token"],
                        options={"verify_signature": False})
    assert access["roles"] == ["secretary"]


async def test_a_service_account_gets_client_credentials_tokens_with_its_roles(
        idp: Provider, settings: Settings, token_for: Callable[..., str]) -> None:
    async with httpx.AsyncClient(base_url=idp.url) as http:
        city = await http.post(f"/api/v1/communes/{COMMUNE}/service-accounts", headers=admin(token_for),
                               json={"name": "Đồng bộ", "roles": ["city_officer"]})
        assert city.status_code == 403
        made = await http.post(f"/api/v1/communes/{COMMUNE}/service-accounts", headers=admin(token_for),
                               json={"name": "Xuất báo cáo hằng đêm", "roles": ["operator"]})
        assert made.status_code == 201, made.text
        client_id, secret = made.json()["client_id"], made.json()["client_secret"]
        listed = await http.get(f"/api/v1/communes/{COMMUNE}/service-accounts", headers=admin(token_for))
        assert secret not in listed.text and listed.json()["count"] == 1
        wrong = await http.post("/token", data={"grant_type": "client_credentials"}, auth=(client_id, "nope"))
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        issued = await http.post("/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        assert issued.status_code == 200, issued.text
        assert "refresh_token" not in issued.json() and "id_token" not in issued.json()
        claims = jwt.decode(issued.json()["access_token"], options={"verify_signature": False})
        assert (claims["sub"], claims["roles"], claims["commune"]) == (client_id, ["operator"], COMMUNE)
        ops = await http.get("/ops/projections", headers={"Authorization": f"Bearer {issued.json()['access_token']}"})
        assert ops.status_code == 200
        await http.post(f"/api/v1/communes/{COMMUNE}/service-accounts/{client_id}/disable", headers=admin(token_for))
        disabled = await http.post("/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                   "client_secret": secret})
        assert disabled.status_code == 401


async def test_an_expired_token_of_the_provider_is_refused(idp: Provider, settings: Settings) -> None:
    grants = idp.app.state.wiring.grants
    from reform_identity.application.accounts import Principal

    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    expired, _ = grants.access_token(Principal("lan", COMMUNE, "Lan", ("submitter",)), past)
    async with httpx.AsyncClient(base_url=idp.url) as http:
        answer = await http.get("/userinfo", headers={"Authorization": f"Bearer {expired}"})
    assert answer.status_code == 401 and answer.json()["error"]["rule"] == "token_expired"


async def test_a_service_answers_503_when_the_provider_is_unreachable(settings: Settings, js: Any) -> None:
    from reform_node.servers import free_port

    runtime = awards_runtime(settings.model_copy(update={"service_name": "awards",
                                                          "oidc_issuer": f"http://127.0.0.1:{free_port()}"}))
    app = awards_app(runtime)
    token = jwt.encode({"sub": "x", "iss": "i", "aud": "reform"}, "k" * 64, algorithm="HS512", headers={"kid": "k"})
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://awards") as service:
        answer = await service.get(AWARDS, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503 and answer.headers.get("retry-after")
    assert answer.json()["error"]["code"] == "service_unavailable"


async def test_an_official_changes_their_password_of_their_own_accord(
        idp: Provider, browser: Browser, token_for: Callable[..., str]) -> None:
    verifier, challenge = pkce()
    refresh = (await exchange(idp.url, await browser.code_for("hung", "Cay-tre-2026!", challenge), verifier)
               ).json()["refresh_token"]
    form = await browser.http.get("/account/password", params={"login_hint": "hung"})
    assert form.status_code == 200 and '<html lang="vi">' in form.text and 'value="hung"' in form.text
    for name in ("username", "current_password", "new_password", "confirm_password"):
        assert f'for="{name}"' in form.text
    fields = {"request_id": hidden(form.text, "request_id"), "csrf": hidden(form.text, "csrf"), "username": "hung"}

    async def post(current: str, new: str, confirm: str) -> httpx.Response:
        return await browser.http.post("/account/password", data={
            **fields, "current_password": current, "new_password": new, "confirm_password": confirm})

    wrong = await post("not-it", "Lua-chin-2026", "Lua-chin-2026")
    assert wrong.status_code == 401 and 'aria-describedby="current_password-error"' in wrong.text
    differ = await post("Cay-tre-2026!", "Lua-chin-2026", "Lua-chin-2027")
    assert differ.status_code == 422 and 'id="confirm_password-error"' in differ.text
    weak = await post("Cay-tre-2026!", "hung-2026-abc", "hung-2026-abc")
    assert weak.status_code == 422 and 'aria-describedby="new_password-hint new_password-error"' in weak.text
    assert "tên đăng nhập" in weak.text
    done = await post("Cay-tre-2026!", "Lua-chin-2026", "Lua-chin-2026")
    assert done.status_code == 200 and "Đã đổi mật khẩu" in done.text, done.text
    replayed = await post("Lua-chin-2026", "Lua-chin-2027", "Lua-chin-2027")
    assert replayed.status_code == 400, "the form is used once"
    assert (await browser.sign_in(await browser.open_sign_in(challenge), "hung", "Cay-tre-2026!")).status_code == 401
    assert await browser.code_for("hung", "Lua-chin-2026", challenge)
    async with httpx.AsyncClient(base_url=idp.url) as http:
        revoked = await http.post("/token", data={"grant_type": "refresh_token", "client_id": PORTAL.client_id,
                                                  "refresh_token": refresh})
    assert revoked.status_code == 400, "the other sessions are signed out"
    changes = await audit(idp, token_for, subject="hung", kind="password_changed")
    assert changes and changes[0]["detail"]["via"] == "self"
    assert "Lua-chin" not in str(await audit(idp, token_for, subject="hung"))


async def test_the_console_sets_the_first_administrators_one_time_password(
        idp: Provider, browser: Browser, token_for: Callable[..., str]) -> None:
    from reform_identity.console import admin_password

    config = idp.app.state.wiring.config
    settings = idp.runtime.settings
    with pytest.raises(Forbidden):
        await admin_password(settings, config, COMMUNE, "lan")  # not an administrator in the directory
    with pytest.raises(NotFound):
        await admin_password(settings, config, COMMUNE, "nobody")
    made = await admin_password(settings, config, COMMUNE, "quan-tri")
    assert made["must_change"] is True
    page = await browser.sign_in(await browser.open_sign_in(pkce()[1]), "quan-tri", made["one_time_password"])
    assert page.status_code == 200 and 'action="/password"' in page.text  # to be changed at once
    resets = await audit(idp, token_for, subject="quan-tri", kind="password_reset")
    assert resets[0]["detail"]["via"] == "console" and resets[0]["by"].startswith("console")
    assert made["one_time_password"] not in str(resets)


async def test_a_rotated_key_signs_new_tokens_and_the_previous_one_stays_published(
        idp: Provider, browser: Browser) -> None:
    from reform_identity.console import rotate_key

    verifier, challenge = pkce()
    before = (await exchange(idp.url, await browser.code_for("lan", "Hoa-sen-2026!", challenge), verifier)).json()
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    rotated = await rotate_key(idp.runtime.settings, idp.app.state.wiring.config)  # another process, same file
    assert rotated["previous"] == old_kid and rotated["published"] == [rotated["kid"], old_kid]
    async with httpx.AsyncClient(base_url=idp.url) as http:
        published = [k["kid"] for k in (await http.get("/jwks.json")).json()["keys"]]
        assert published == [rotated["kid"], old_kid]
        old = await http.get("/userinfo", headers={"Authorization": f"Bearer {before['access_token']}"})
        assert old.status_code == 200, "a token of the previous key is good until it expires"
    verifier, challenge = pkce()
    after = (await exchange(idp.url, await browser.code_for("lan", "Hoa-sen-2026!", challenge), verifier)).json()
    assert jwt.get_unverified_header(after["access_token"])["kid"] == rotated["kid"]
    async with httpx.AsyncClient(base_url=idp.url) as http:
        new = await http.get("/userinfo", headers={"Authorization": f"Bearer {after['access_token']}"})
    assert new.status_code == 200


# -- brokering an external provider: a second identity instance plays the city's single sign-on --

ELSEWHERE = "an-lao"
UPSTREAM_PEOPLE = [  # the upstream's own people (another commune's directory on the same stream)
    OfficialEntry(official_id="lan", full_name="Nguyễn Thị Lan", unit_id="vp", roles=("submitter",)),
    OfficialEntry(official_id="hung", full_name="Trần Văn Hùng", unit_id="vp", roles=("submitter",)),
    OfficialEntry(official_id="khach", full_name="Người Lạ", unit_id="vp", roles=("submitter",)),
]
UPSTREAM_PASSWORD = "Mot-cua-SSO-2026"


@asynccontextmanager
async def broker_and_upstream(settings: Settings, tmp_path: Path, token_for: Callable[..., str], **upstream: Any
                              ) -> AsyncIterator[tuple[Provider, str]]:
    from reform_identity.config import Client

    up_port, broker_port = free_port(), free_port()
    callback = f"http://127.0.0.1:{broker_port}/upstream/callback"
    up_settings = settings.model_copy(update={"service_name": "identity_up", "port": up_port,
                                              "oidc_issuer": f"http://127.0.0.1:{up_port}",
                                              "database": settings.database_name + "_up"})
    up_runtime = build_runtime(up_settings)
    up_app = build_app(up_runtime, config=identity_config(tmp_path / "up", clients=[
        Client(client_id="reform-identity", redirect_uris=[callback], public=False)]))
    up_app.state.port = up_port
    broker_settings = settings.model_copy(update={"service_name": "identity", "port": broker_port,
                                                  "oidc_issuer": f"http://127.0.0.1:{broker_port}",
                                                  "database": settings.database_name + "_br"})
    broker_runtime = build_runtime(broker_settings)
    broker_app = build_app(broker_runtime, config=identity_config(
        tmp_path / "br", upstream_issuer=f"http://127.0.0.1:{up_port}", **upstream))
    broker_app.state.port = broker_port
    async with served(up_app) as up_url, served(broker_app) as broker_url:
        await append_directory(broker_runtime, *seed_payloads())
        await append_directory(broker_runtime, *(OfficialRegistered(effective=DAY, official=o)
                                                 for o in UPSTREAM_PEOPLE), commune=ELSEWHERE)
        broker = Provider(broker_url, broker_runtime, broker_app)
        await broker.wait_directory("lan")
        up_admin = {"Authorization": f"Bearer {token_for(['administrator'], commune=ELSEWHERE)}"}
        async with httpx.AsyncClient(base_url=up_url) as http:
            for person in UPSTREAM_PEOPLE:
                for _ in range(250):
                    answer = await http.put(f"/api/v1/communes/{ELSEWHERE}/accounts/{person.official_id}/password",
                                            json={"password": UPSTREAM_PASSWORD, "temporary": False}, headers=up_admin)
                    if answer.status_code != 404:
                        break
                    await asyncio.sleep(0.02)
                assert answer.status_code == 200, answer.text
        yield broker, up_url


async def through_upstream(broker: Provider, user: str, challenge: str) -> httpx.Response:
    """A browser following the flow: the broker's /authorize, the upstream's sign-in page, back to the broker's
    callback; the broker's last answer."""
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        sent = await browser.get(f"{broker.url}/authorize", params={
            "client_id": PORTAL.client_id, "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid",
            "state": "st-1", "nonce": "n-1", "code_challenge": challenge, "code_challenge_method": "S256"})
        assert sent.status_code == 303, sent.text
        page = await browser.get(sent.headers["location"])
        assert page.status_code == 200 and 'action="/authorize"' in page.text, page.text
        back = await browser.post(f"{sent.headers['location'].split('/authorize')[0]}/authorize", data={
            "request_id": hidden(page.text, "request_id"), "csrf": hidden(page.text, "csrf"),
            "username": user if "@" in user else f"{user}@{ELSEWHERE}", "password": UPSTREAM_PASSWORD})
        assert back.status_code == 303 and back.headers["location"].startswith(f"{broker.url}/upstream/callback")
        forged = await httpx.AsyncClient().get(back.headers["location"])  # another browser: no binding cookie
        assert forged.status_code == 400
        return await browser.get(back.headers["location"])


async def test_an_upstream_provider_signs_in_and_the_directory_gives_the_roles(
        settings: Settings, js: Any, token_for: Callable[..., str], tmp_path: Path) -> None:
    async with broker_and_upstream(settings, tmp_path, token_for, upstream_client_secret="bi-mat-cua-nut",
                                   upstream_commune=COMMUNE) as (broker, _):
        verifier, challenge = pkce()
        answer = await through_upstream(broker, "lan", challenge)
        assert answer.status_code == 303, answer.text
        tokens = await exchange(broker.url, code_of(answer), verifier)
        assert tokens.status_code == 200, tokens.text
        access = jwt.decode(tokens.json()["access_token"], options={"verify_signature": False})
        assert (access["iss"], access["sub"], access["commune"]) == (broker.url, "lan", COMMUNE)
        assert access["roles"] == ["submitter", "unit_head"]  # the broker's directory's, not the upstream's
        async with httpx.AsyncClient(base_url=broker.url) as http:
            info = await http.get("/userinfo", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"})
            assert info.status_code == 200 and info.json()["roles"] == ["submitter", "unit_head"]
            typed = await http.post("/authorize", data={"request_id": "x", "csrf": "x", "username": "lan",
                                                         "password": "x"})
            assert typed.status_code == 400, "no password is typed at the broker"

        unknown = await through_upstream(broker, "khach", pkce()[1])
        assert unknown.status_code == 403 and "không ứng với cán bộ nào" in unknown.text
        assert '<html lang="vi">' in unknown.text and 'role="alert"' in unknown.text
        await append_directory(broker.runtime, OfficialLeft(effective=DAY, official_id="hung", reason="thôi việc"))
        await broker.wait_directory("hung", present=False)
        left = await through_upstream(broker, "hung", pkce()[1])
        assert left.status_code == 403 and "không còn hiệu lực" in left.text
        kinds = [(e["kind"], e["detail"].get("via")) for e in await audit(broker, token_for, subject="lan")]
        assert ("sign_in", "upstream") in kinds


async def test_the_upstream_claim_may_be_the_subject_and_the_commune_found_by_it(
        settings: Settings, js: Any, token_for: Callable[..., str], tmp_path: Path) -> None:
    async with broker_and_upstream(settings, tmp_path, token_for, upstream_subject_claim="sub") as (broker, up_url):
        # a public client, no commune configured: the commune is the one whose directory knows the subject
        async with httpx.AsyncClient(base_url=up_url) as http:
            made = await http.put(f"/api/v1/communes/{COMMUNE}/accounts/ha/password", headers=admin(token_for),
                                  json={"password": UPSTREAM_PASSWORD, "temporary": False})
            assert made.status_code == 200, made.text
        verifier, challenge = pkce()
        answer = await through_upstream(broker, f"ha@{COMMUNE}", challenge)
        assert answer.status_code == 303, answer.text
        access = jwt.decode((await exchange(broker.url, code_of(answer), verifier)).json()["access_token"],
                            options={"verify_signature": False})
        assert (access["sub"], access["commune"], access["roles"]) == ("ha", COMMUNE, ["secretary"])
        ambiguous = await through_upstream(broker, "lan", pkce()[1])  # lan is in two communes' directories
        assert ambiguous.status_code == 403 and "nhiều cán bộ" in ambiguous.text
