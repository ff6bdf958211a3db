"""An identity service served over real HTTP (uvicorn on a free port), with the directory's events."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
from fastapi import FastAPI

from reform_identity.bootstrap import build_app, build_runtime
from reform_identity.config import PORTAL, IdentityConfig
from reform_node.servers import free_port
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events.directory import OfficialEntry, OfficialRegistered, UnitHeadAppointed
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
