"""The portal's test stack: the submission, evaluation, awards, reporting and directory services on the
session's real nats-server and SecantusDB, the test login page, and the portal, each served by uvicorn on a
free port (the `stack` fixture, registered by this folder's conftest)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import nats
from dev_sign_in import DevSignIn, Person
from portal_live import LiveServer

from reform_awards import bootstrap as awards
from reform_directory import bootstrap as directory
from reform_evaluation import bootstrap as evaluation
from reform_portal.bootstrap import build_app as build_portal
from reform_portal.settings import PortalSettings
from reform_replication import bootstrap as replication
from reform_reporting import bootstrap as reporting
from reform_shared.auth.tokens import issue_token
from reform_shared.provisioning import provision
from reform_shared.settings import Settings
from reform_submission import bootstrap as submission

COMMUNE = "ninh-giang"
AUTHOR = Person("nguyen-thi-lan", "Nguyễn Thị Lan", ("submitter",), unit_id="vh-xh")
SECRETARY = Person("tran-van-binh", "Trần Văn Bình", ("secretary",))
CHAIRMAN = Person("le-van-chu", "Lê Văn Chủ", ("chairman",))
MEMBER = Person("pham-thi-mai", "Phạm Thị Mai", ("council_member",))
MEMBER_2 = Person("do-van-hai", "Đỗ Văn Hải", ("council_member",))
MEMBER_3 = Person("vu-thi-thu", "Vũ Thị Thu", ("council_member",))
CHAIR = Person("hoang-van-an", "Hoàng Văn An", ("council_chair",))
OPERATOR = Person("ngo-van-hanh", "Ngô Văn Hành", ("operator",))
ACCOUNTS = [AUTHOR, SECRETARY, CHAIRMAN, MEMBER, MEMBER_2, MEMBER_3, CHAIR, OPERATOR]


@dataclass
class Stack:
    portal: LiveServer
    login: LiveServer
    services: dict[str, LiveServer]
    sign_in: DevSignIn
    settings: Settings

    def token(self, account: Person) -> str:
        return issue_token(self.settings.jwt_secret.get_secret_value(), subject=account.user_id, name=account.name,
                           commune_id=account.commune_id, roles=account.roles, issuer="reform-node",
                           audience="reform", ttl=dt.timedelta(hours=1), unit_id=account.unit_id)

    def api(self, account: Person, method: str, service: str, rest: str, **kwargs: Any) -> httpx.Response:
        """A direct call to a service, to set the scene of a test (never what the test checks)."""
        url = f"{self.services[service].url}/api/v1/communes/{COMMUNE}{rest}"
        return httpx.request(method, url, headers={"Authorization": f"Bearer {self.token(account)}"}, timeout=10,
                             **kwargs)

    def launch(self, campaign_id: str, **terms: Any) -> None:
        now = dt.datetime.now(dt.UTC)
        body = {"campaign_id": campaign_id, "year": now.year, "title": f"Đợt sáng kiến {campaign_id}",
                "fields": ["a", "c", "g"], "submission_opens_at": (now - dt.timedelta(days=1)).isoformat(),
                "submission_closes_at": (now + dt.timedelta(days=20)).isoformat(),
                "expected_units": [{"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"}], **terms}
        answer = self.api(SECRETARY, "POST", "submission", "/campaigns", json=body)
        assert answer.status_code == 201, answer.text


    def council(self, campaign_id: str, titles: list[str]) -> list[str]:
        """A campaign whose dossiers are in, its submissions closed, a council of three members and a chair,
        scoring open: the initiatives' ids, in the order of `titles`."""
        self.launch(campaign_id)
        ids = []
        for title in titles:
            created = self.api(AUTHOR, "POST", "submission", f"/campaigns/{campaign_id}/initiatives", json={
                "title": title, "unit": {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"}, "field": "g",
                "authors": [{"user_id": AUTHOR.user_id, "name": AUTHOR.name}],
                "summary": f"{title}: giảm thời gian chờ của người dân khi làm thủ tục."})
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        closed = self.api(SECRETARY, "POST", "submission", f"/campaigns/{campaign_id}/close", json={"reason": ""})
        assert closed.status_code == 200, closed.text
        members = [{"user_id": CHAIR.user_id, "name": CHAIR.name, "role": "chair"},
                   *({"user_id": p.user_id, "name": p.name} for p in (MEMBER, MEMBER_2, MEMBER_3))]
        constituted = self.api(SECRETARY, "POST", "evaluation", f"/campaigns/{campaign_id}/council", json={
            "decision_number": "15/QĐ-UBND", "decision_date": dt.date.today().isoformat(), "members": members})
        assert constituted.status_code == 201, constituted.text
        self.eventually(lambda: self.api(SECRETARY, "POST", "evaluation",
                                         f"/campaigns/{campaign_id}/council/open-scoring"))
        self.eventually(lambda: self.api(MEMBER, "GET", "evaluation", f"/campaigns/{campaign_id}/my-queue"),
                        lambda body: len(body["to_score"]) == len(titles))
        return ids

    @staticmethod
    def eventually(call: Callable[[], httpx.Response], until: Callable[[Any], bool] = lambda _: True,
                   seconds: float = 15) -> Any:
        """The evaluation service learns of dossiers and closings from the stream, a moment later."""
        deadline = time.monotonic() + seconds
        while True:
            answer = call()
            if answer.status_code < 300 and until(answer.json()):
                return answer.json()
            if time.monotonic() > deadline:
                raise AssertionError(answer.text)
            time.sleep(0.1)


async def _provision(settings: Settings) -> None:
    nc = await nats.connect(settings.nats_url)
    try:
        await provision(nc.jetstream(timeout=10), settings)
    finally:
        await nc.close()


def portal_settings(stack_services: dict[str, LiveServer], settings: Settings, **overrides: Any) -> PortalSettings:
    values: dict[str, Any] = {"environment": "test", "jwt_secret": settings.jwt_secret,
                              **{f"{name}_url": server.url for name, server in stack_services.items()}}
    return PortalSettings(**{**values, **overrides})


def running_stack(settings_for: Callable[..., Settings]) -> Iterator[Stack]:
    base = settings_for()
    asyncio.run(_provision(base))
    services: dict[str, LiveServer] = {}
    started: list[LiveServer] = []
    try:
        for name, module in (("submission", submission), ("evaluation", evaluation), ("awards", awards),
                             ("reporting", reporting), ("directory", directory), ("replication", replication)):
            settings = base.model_copy(update={"service_name": name, "database": f"{base.database}_{name}"})
            services[name] = LiveServer(name, lambda m=module, s=settings: m.build_app(m.build_runtime(s)))
            started.append(services[name].start())
        seed_directory(services["directory"].url, base)
        sign_in = DevSignIn(base.jwt_secret.get_secret_value(), ACCOUNTS)
        login = LiveServer("login", sign_in.login_app)
        started.append(login.start())
        sign_in.login_url = f"{login.url}/login"
        settings = portal_settings(services, base)
        portal = LiveServer("portal", lambda: build_portal(settings, sign_in=sign_in))
        started.append(portal.start())
        yield Stack(portal, login, services, sign_in, base)
    finally:
        for server in reversed(started):
            server.stop()


def seed_directory(directory_url: str, settings: Settings) -> None:
    """The commune keeps its directory from the start, as a node does (then the services check units and authors
    against it): the unit vh-xh and every test account, whatever test runs first."""
    stack = Stack(None, None, {}, None, settings)  # type: ignore[arg-type]  # only its tokens
    headers = {"Authorization": f"Bearer {stack.token(SECRETARY)}"}
    url = f"{directory_url}/api/v1/communes/{COMMUNE}/directory"
    unit = httpx.post(f"{url}/units", json={"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội", "kind": "phong"},
                      headers=headers, timeout=10)
    assert unit.status_code == 201, unit.text
    for person in (p for p in ACCOUNTS if p.commune_id == COMMUNE):
        official = httpx.post(f"{url}/officials", headers=headers, timeout=10, json={
            "official_id": person.user_id, "full_name": person.name, "unit_id": "vh-xh", "roles": list(person.roles)})
        assert official.status_code == 201, official.text


def sign_in_over_http(client: httpx.Client, portal_url: str, account: Person) -> None:
    """The whole redirect dance without a browser: sign-in page, provider's page, callback."""
    page = client.get(f"{portal_url}/dang-nhap")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, page.text
    to_provider = client.post(f"{portal_url}/dang-nhap", data={"csrf_token": csrf.group(1), "next": "/"})
    assert to_provider.status_code == 303, to_provider.text
    login_page = client.get(to_provider.headers["location"])
    fields = dict(re.findall(r'name="(redirect_uri|state|code_challenge)" value="([^"]+)"', login_page.text))
    login_url = to_provider.headers["location"].split("?")[0]
    back = client.post(login_url, data={**fields, "user_id": account.user_id})
    done = client.get(back.headers["location"])
    assert done.status_code == 303 and done.headers["location"] == "/", done.text


def in_directory(stack: Stack) -> None:
    """The author an official of the commune's directory, in her unit (the awards service reads its recipients
    there; once the commune keeps a directory, the submission service holds dossiers to it too)."""
    for unit_id, name in (("vh-xh", "Phòng Văn hóa – Xã hội"), ("aw-mot-cua", "Bộ phận một cửa")):
        added = stack.api(SECRETARY, "POST", "directory", "/directory/units", json={"unit_id": unit_id, "name": name})
        assert added.status_code in (201, 409), added.text
    registered = stack.api(SECRETARY, "POST", "directory", "/directory/officials", json={
        "official_id": AUTHOR.user_id, "full_name": AUTHOR.name, "unit_id": "vh-xh", "roles": ["submitter"]})
    assert registered.status_code in (201, 409), registered.text
# -- the city's accounts (commune `city`: only a city account may hold a city role) -------------------------
CITY_OFFICER = Person("le-minh-tuan", "Lê Minh Tuấn", ("city_officer",), commune_id="city")
CITY_COUNCIL = [Person("trinh-van-khai", "Trịnh Văn Khải", ("city_council",), commune_id="city"),
                Person("ngo-van-duc", "Ngô Văn Đức", ("city_council",), commune_id="city"),
                Person("bui-thi-hoa", "Bùi Thị Hoa", ("city_council",), commune_id="city")]
ACCOUNTS.extend([CITY_OFFICER, *CITY_COUNCIL])


# -- the home page's people of communes of their own (the ids city_scene.people_of gives them) -------------
HOME_SECRETARY = Person("xa-viec-can-lam-thu-ky", "Thư ký xã", ("secretary",), commune_id="xa-viec-can-lam")
HOME_ADMINISTRATOR = Person("xa-danh-ba-trong-quan-tri", "Quản trị xã", ("administrator",),
                            commune_id="xa-danh-ba-trong")
ACCOUNTS.extend([HOME_SECRETARY, HOME_ADMINISTRATOR])


def csrf_of(html: str) -> str:
    """The CSRF token of the page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def as_(stack: Stack, clients: dict[str, httpx.Client], person: Person) -> httpx.Client:
    """A portal client signed in as `person`, one per person for the test (the `clients` fixture closes them)."""
    if person.user_id not in clients:
        clients[person.user_id] = httpx.Client(base_url=stack.portal.url, timeout=15)
        sign_in_over_http(clients[person.user_id], stack.portal.url, person)
    return clients[person.user_id]
