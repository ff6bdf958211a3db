"""The portal with its production sign-in: the real identity service (the node's OpenID Connect provider) and
the real directory on the session's nats-server and SecantusDB, a submission service that verifies tokens
through the provider's JWKS, and the portal's `OidcSignIn` — no test adapter anywhere. Each is served by
uvicorn on a free port; the identity service registers the portal's test address as the `reform-portal`
client's redirect. Its access tokens live 30 s, within the portal's refresh margin: every page refreshes them
(the provider rotates refresh tokens)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats
from dev_sign_in import Person
from portal_live import LiveServer

from reform_directory import bootstrap as directory
from reform_identity import bootstrap as identity
from reform_identity.config import Client, IdentityConfig
from reform_portal.bootstrap import build_app as build_portal
from reform_portal.settings import PortalSettings
from reform_shared.auth.tokens import issue_token
from reform_shared.provisioning import provision
from reform_shared.settings import Settings
from reform_submission import bootstrap as submission

COMMUNE = "ninh-giang"
SECRETARY = Person("pham-thu-ha", "Phạm Thu Hà", ("secretary",))
AUTHOR = Person("nguyen-thi-lan", "Nguyễn Thị Lan", ("submitter",), unit_id="tt-phvhcc")
PASSWORDS = {SECRETARY.user_id: "Song-Cam-2026!", AUTHOR.user_id: "Hoa-sen-2026!"}
OFFICIALS_CSV = (
    "Mã cán bộ,Họ và tên,Chức vụ,Đơn vị,Email,Vai trò\n"
    f"{SECRETARY.user_id},{SECRETARY.name},Công chức Văn hóa – Xã hội,Văn phòng HĐND và UBND,"
    "ha@ninhgiang.gov.vn,Thư ký\n"
    f"{AUTHOR.user_id},{AUTHOR.name},Viên chức,Trung tâm Phục vụ hành chính công,,Tác giả\n"
)


@dataclass
class IdentityStack:
    portal: LiveServer
    identity: LiveServer
    directory: LiveServer
    submission: LiveServer
    settings: Settings

    def node_token(self, roles: tuple[str, ...], subject: str = "quan-tri") -> str:
        """The node secret's HS256 token (scripts and tests): only to set the scene, never to sign in."""
        return issue_token(self.settings.jwt_secret.get_secret_value(), subject=subject, name="Quản trị",
                           commune_id=COMMUNE, roles=roles, issuer="reform-node", audience="reform",
                           ttl=dt.timedelta(hours=1))

    def audit(self, official_id: str, kind: str) -> list[dict[str, Any]]:
        """The provider's audit record of one official (its administrator API)."""
        answer = httpx.get(f"{self.identity.url}/api/v1/communes/{COMMUNE}/audit",
                           params={"subject": official_id, "kind": kind},
                           headers={"Authorization": f"Bearer {self.node_token(('administrator',))}"}, timeout=10)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


async def _provision(settings: Settings) -> None:
    nc = await nats.connect(settings.nats_url)
    try:
        await provision(nc.jetstream(timeout=10), settings)
    finally:
        await nc.close()


def _load_people(stack: IdentityStack) -> None:
    """The officials into the directory (its spreadsheet import), then their passwords through identity's
    administrator API once identity's projection of the directory knows them."""
    base = f"{stack.directory.url}/api/v1/communes/{COMMUNE}/directory"
    secretary = {"Authorization": f"Bearer {stack.node_token(('secretary',), 'thu-ky')}"}
    imported = httpx.post(f"{base}/import", headers=secretary, timeout=15,
                          files={"file": ("can-bo.csv", OFFICIALS_CSV.encode(), "text/csv")})
    assert imported.status_code == 201, imported.text
    admin = {"Authorization": f"Bearer {stack.node_token(('administrator',))}"}
    accounts = f"{stack.identity.url}/api/v1/communes/{COMMUNE}/accounts"
    for official_id, password in PASSWORDS.items():
        deadline = time.monotonic() + 20
        while True:
            answer = httpx.put(f"{accounts}/{official_id}/password", headers=admin, timeout=10,
                               json={"password": password, "temporary": False})
            if answer.status_code == 200:
                break
            assert answer.status_code == 404 and time.monotonic() < deadline, answer.text
            time.sleep(0.1)


def running_identity_stack(settings_for: Callable[..., Settings], keys: Path) -> Iterator[IdentityStack]:
    base = settings_for()
    asyncio.run(_provision(base))
    portal_port_server = LiveServer("portal-oidc", lambda: None)  # type: ignore[arg-type,return-value]
    started: list[LiveServer] = []

    def service(name: str) -> Settings:
        return base.model_copy(update={"service_name": name, "database": f"{base.database}_{name}"})

    try:
        id_server = LiveServer("identity", lambda: None)  # type: ignore[arg-type,return-value]
        issuer = id_server.url
        portal_url = portal_port_server.url
        config = IdentityConfig(key_file=keys / "signing-keys.json", key_bits=2048, argon2_time_cost=1,
                                argon2_memory_kib=1024, argon2_parallelism=1, access_token_seconds=30,
                                clients=[Client(
                                    client_id="reform-portal", name="Cổng cán bộ",
                                    redirect_uris=[f"{portal_url}/callback"],
                                    post_logout_redirect_uris=[f"{portal_url}/"])])
        id_settings = service("identity").model_copy(update={"oidc_issuer": issuer, "port": id_server.port})
        id_server.build = lambda: identity.build_app(identity.build_runtime(id_settings), config=config)
        dir_settings = service("directory")
        dir_server = LiveServer("directory", lambda: directory.build_app(directory.build_runtime(dir_settings)))
        sub_settings = service("submission").model_copy(update={"oidc_issuer": issuer})
        sub_server = LiveServer("submission", lambda: submission.build_app(submission.build_runtime(sub_settings)))
        for server in (id_server, dir_server, sub_server):
            started.append(server.start())
        portal_settings = PortalSettings(environment="test", jwt_secret=base.jwt_secret, oidc_issuer=issuer,
                                         public_url=portal_url, submission_url=sub_server.url,
                                         directory_url=dir_server.url, evaluation_url="http://127.0.0.1:9",
                                         awards_url="http://127.0.0.1:9", reporting_url="http://127.0.0.1:9")
        portal_port_server.build = lambda: build_portal(portal_settings)  # the production adapter: OidcSignIn
        started.append(portal_port_server.start())
        stack = IdentityStack(portal_port_server, id_server, dir_server, sub_server, base)
        _load_people(stack)
        yield stack
    finally:
        for server in reversed(started):
            server.stop()
