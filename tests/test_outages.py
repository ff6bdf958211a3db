"""A dependency killed under a running service: 503 with Retry-After and the bilingual body, never a 500;
/ready tells the truth; everything works again once it is back. Real processes, real SIGKILL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from pydantic import SecretStr

from conftest import TEST_SECRET
from reform_node.servers import ChildProcess, free_port, mongo_url, start_mongo, start_nats
from reform_shared.auth.tokens import issue_token
from reform_shared.provisioning import provision
from reform_shared.settings import Settings
from reform_submission.bootstrap import build_app, build_runtime

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
SERVER_IDLE_SECONDS = 3
MAX_IDLE_MS = SERVER_IDLE_SECONDS * 1000 // 2
BASE = "/api/v1/communes/ninh-giang"
NOW = dt.datetime.now(VN)
CAMPAIGN = {
    "campaign_id": "cchc-outage", "year": NOW.year, "title": "Phát động sáng kiến cải cách hành chính",
    "fields": ["g"], "submission_opens_at": (NOW - dt.timedelta(days=1)).isoformat(),
    "submission_closes_at": (NOW + dt.timedelta(days=30)).isoformat(), "max_nominations": 2,
}


class Node:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.nats_port, self.http_port, self.mongo_port = free_port(), free_port(), free_port()
        self.nats: ChildProcess | None = None
        self.mongo: ChildProcess | None = None

    def start_nats(self) -> None:
        self.nats = start_nats(self.tmp / "nats", self.nats_port, self.http_port, "outage-node")

    def start_mongo(self) -> None:
        # The server closes connections idle for 3 s here (300 s by default), to show the pools close theirs first.
        self.mongo = start_mongo(self.tmp / "mongo" / "data", self.mongo_port,
                                 env={"REFORM_SECANTUS_CLIENT_IDLE": str(SERVER_IDLE_SECONDS)})

    def stop(self) -> None:
        for child in (self.nats, self.mongo):
            if child is not None:
                child.stop()


def auth(roles: list[str]) -> dict[str, str]:
    token = issue_token(TEST_SECRET, subject="user-1", name="Nguyễn Văn An", commune_id="ninh-giang", roles=roles,
                        issuer="reform-node", audience="reform")
    return {"Authorization": f"Bearer {token}"}


def initiative(title: str) -> dict[str, Any]:
    return {"title": title, "unit": {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
            "authors": [{"user_id": "user-1", "name": "Nguyễn Văn An"}], "field": "g",
            "summary": "Tóm tắt sáng kiến cải cách hành chính."}


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Node, httpx.AsyncClient]]:
    node = Node(tmp_path)
    node.start_nats()
    node.start_mongo()
    tag = uuid.uuid4().hex[:8]
    settings = Settings(environment="test", service_name="submission", nats_url=f"nats://127.0.0.1:{node.nats_port}",
                        mongo_url=mongo_url(node.mongo_port), jwt_secret=SecretStr(TEST_SECRET),
                        database=f"outage_{tag}", mongo_max_idle_ms=MAX_IDLE_MS)
    nc = await nats.connect(settings.nats_url)
    await provision(nc.jetstream(), settings)
    await nc.close()
    app = build_app(build_runtime(settings))
    transport = httpx.ASGITransport(app=app)
    try:
        async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t",
                                                                        timeout=30) as http:
            created = await http.post(f"{BASE}/campaigns", json=CAMPAIGN, headers=auth(["secretary"]))
            assert created.status_code == 201, created.text
            yield node, http
    finally:
        node.stop()


def assert_unavailable(response: httpx.Response, dependency: str) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "service_unavailable" and error["details"]["dependency"] == dependency
    assert error["message_vi"] and error["message_en"]


async def eventually_status(call: Any, status: int, within: float = 30.0) -> httpx.Response:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        response: httpx.Response = await call()
        if response.status_code == status or loop.time() > deadline:
            return response
        await asyncio.sleep(0.3)


async def test_nats_killed_commands_are_503_and_work_again_once_it_is_back(running) -> None:
    node, http = running
    assert node.nats is not None
    node.nats.kill()
    headers = {**auth(["submitter"]), "Idempotency-Key": "outage-1"}
    refused = await http.post(f"{BASE}/campaigns/cchc-outage/initiatives", json=initiative("Sổ tay thủ tục"),
                              headers=headers)
    assert_unavailable(refused, "nats")
    ready = await http.get("/ready")
    assert ready.status_code == 503 and ready.json()["checks"]["nats"] is False
    listed = await http.get(f"{BASE}/initiatives", headers=auth(["secretary"]))
    assert listed.status_code == 200  # reads come from the projection's database, which is up

    node.start_nats()
    assert (await eventually_status(lambda: http.get("/ready"), 200)).status_code == 200
    accepted = await eventually_status(lambda: http.post(f"{BASE}/campaigns/cchc-outage/initiatives",
                                                         json=initiative("Sổ tay thủ tục"), headers=headers), 201)
    assert accepted.status_code == 201, accepted.text


async def test_the_database_killed_reads_are_503_and_work_again_once_it_is_back(running) -> None:
    node, http = running
    assert node.mongo is not None
    node.mongo.kill()
    listed = await http.get(f"{BASE}/initiatives", headers=auth(["secretary"]))
    assert_unavailable(listed, "mongo")
    ready = await http.get("/ready")
    assert ready.status_code == 503 and ready.json()["checks"]["mongo"] is False

    node.start_mongo()
    assert (await eventually_status(lambda: http.get("/ready"), 200)).status_code == 200
    listed = await eventually_status(lambda: http.get(f"{BASE}/initiatives", headers=auth(["secretary"])), 200)
    assert listed.status_code == 200


async def test_ready_does_not_flap_after_the_database_closed_idle_connections(running) -> None:
    """The embedded server closes connections idle for its limit; the service's pool closes them first (at
    half the limit here, as 60 s against 300 s on a node), so probes after idle periods all succeed."""
    _, http = running
    answers = []
    for _ in range(4):
        await asyncio.sleep(SERVER_IDLE_SECONDS + 0.5)  # longer than the server keeps an idle connection
        answers += [(await http.get("/ready")).status_code for _ in range(3)]
        answers.append((await http.get(f"{BASE}/initiatives", headers=auth(["secretary"]))).status_code)
    assert answers == [200] * len(answers)
