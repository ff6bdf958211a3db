"""The commune node as processes: nats-server, SecantusDB and the four services."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from first_start_kit import sign_in_tokens as sign_in

from reform_node.demo import COMMUNE, load_demo, token
from reform_node.demo_accounts import demo_accounts, demo_password, print_accounts
from reform_node.node import SERVICES, CommuneNode, NodeConfig, wait_ready
from reform_node.servers import free_port

pytestmark = pytest.mark.system

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommuneNode]:
    config = NodeConfig(
        data_dir=tmp_path_factory.mktemp("node"),
        nats_port=free_port(),
        nats_http_port=free_port(),
        mongo_port=free_port(),
        service_ports={service: free_port() for service in SERVICES},
    )
    commune_node = CommuneNode(config)
    commune_node.start()
    try:
        yield commune_node
    finally:
        commune_node.stop()


def auth(node: CommuneNode, roles: list[str], subject: str = "nguyen-thi-lan", commune: str = COMMUNE
         ) -> dict[str, str]:
    return {"Authorization": "Bearer " + token(node.config.settings(), subject, "Nguyễn Thị Lan", roles,
                                               commune=commune)}


def wait_for(fetch: Any, timeout: float = 15.0, until: Any = None) -> httpx.Response:
    """Until the answer is a 200 (and `until(answer)` holds): the projections read are eventually consistent."""
    deadline = time.monotonic() + timeout
    while True:
        response = fetch()
        if (response.status_code == 200 and (until is None or until(response))) or time.monotonic() > deadline:
            return response
        time.sleep(0.02)


def reporting_items(node: CommuneNode) -> list[dict[str, Any]]:
    url = f"{node.config.url('reporting')}/api/v1/communes/{COMMUNE}/initiatives"
    response = httpx.get(url, headers=auth(node, ["secretary"]))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_demo_data_loads_and_every_service_is_ready(node: CommuneNode) -> None:
    report = load_demo(node.config.settings(), node.config.url("submission"),
                       evaluation_url=node.config.url("evaluation"), directory_url=node.config.url("directory"))
    assert report["loaded"] is True and len(report["initiatives"]) == 3
    head = wait_for(lambda: httpx.get(f"{node.config.url('directory')}/api/v1/communes/{COMMUNE}/directory/units/"
                                      "vh-xh/head", headers=auth(node, ["submitter"])),
                    # the demo adds the units first and imports the people and heads after: the copy may hold the
                    # unit before its head
                    until=lambda answer: answer.json()["official_id"] is not None)
    assert head.json()["official_id"] == "do-minh"  # the demo directory: seed 000's people and units
    council = wait_for(lambda: httpx.get(
        f"{node.config.url('evaluation')}/api/v1/communes/{COMMUNE}/campaigns/{report['campaign_id']}/council",
        headers=auth(node, ["secretary"])))
    assert council.status_code == 200 and len(council.json()["members"]) == 5
    for service in SERVICES:
        assert httpx.get(f"{node.config.url(service)}/ready").json()["ready"] is True
    assert len(wait_for(lambda: httpx.get(
        f"{node.config.url('reporting')}/api/v1/communes/{COMMUNE}/initiatives/{report['initiatives'][-1]}",
        headers=auth(node, ["secretary"]))).json()["title"]) > 0


def test_make_run_prints_one_account_per_role_and_a_printed_one_signs_in(
        node: CommuneNode, capsys: pytest.CaptureFixture[str]) -> None:
    accounts = demo_accounts(node.config)  # what `reform-node run` does once the demo is loaded
    print_accounts(accounts, node.config.url("identity"), demo_password(node.config.data_dir), COMMUNE)
    printed = capsys.readouterr().out
    assert f"{node.config.url('identity')}" in printed
    rows = {line.split()[0]: line.split() for line in printed.splitlines()
            if line.startswith("  ") and len(line.split()) >= 3}
    assert {"secretary", "submitter", "unit_head", "council_member", "council_chair", "chairman", "operator",
            "administrator"} <= set(rows)
    _, user, password = rows["secretary"][:3]
    assert password.startswith("Demo-") and password == demo_password(node.config.data_dir)
    tokens = sign_in(node.config.url("identity"), user, password)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    listed = httpx.get(f"{node.config.url('reporting')}/api/v1/communes/{COMMUNE}/initiatives", headers=bearer)
    assert listed.status_code == 200, listed.text  # a real service verifies the RS256 token through the JWKS
    _, head, _ = rows["unit_head"][:3]
    roles = httpx.get(f"{node.config.url('identity')}/userinfo", headers={
        "Authorization": f"Bearer {sign_in(node.config.url('identity'), head, password)['access_token']}"}).json()
    assert "unit_head" in roles["roles"]  # by appointment in the directory, not a role typed anywhere


def test_the_first_administrator_gets_a_one_time_password_on_the_nodes_machine(node: CommuneNode) -> None:
    cfg = node.config
    load_demo(cfg.settings(), cfg.url("submission"), evaluation_url=cfg.url("evaluation"),
              directory_url=cfg.url("directory"))  # quan-tri is the demo directory's administrator (loaded once)
    made = subprocess.run([sys.executable, "-m", "reform_node", "--data-dir", str(cfg.data_dir), "admin-password",
                           "--official", "quan-tri", "--nats-port", str(cfg.nats_port), "--mongo-port",
                           str(cfg.mongo_port)], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr[-2000:]
    one_time = json.loads(made.stdout)["one_time_password"]
    refused = subprocess.run([sys.executable, "-m", "reform_node", "--data-dir", str(cfg.data_dir), "admin-password",
                              "--official", "nguyen-thi-lan", "--nats-port", str(cfg.nats_port), "--mongo-port",
                              str(cfg.mongo_port)], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "administrator" in refused.stderr
    with pytest.raises(AssertionError, match="Đổi mật khẩu"):
        sign_in(cfg.url("identity"), "quan-tri", one_time)  # signs in, then must change it at once


def test_a_communes_first_administrator_is_registered_on_the_nodes_machine_once(node: CommuneNode) -> None:
    cfg = node.config
    ports = ["--nats-port", str(cfg.nats_port), "--mongo-port", str(cfg.mongo_port)]

    def first(official: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "reform_node", "--data-dir", str(cfg.data_dir),
                               "first-administrator", "--commune", "xa-moi", "--official", official,
                               "--name", "Lương Văn Quản", *ports], capture_output=True, text=True, timeout=60)

    made = first("luong-van-quan")
    assert made.returncode == 0, made.stderr[-2000:]
    assert json.loads(made.stdout)["roles"] == ["administrator"]
    again = first("nguoi-khac")  # the start only: the administrator now resets passwords
    assert again.returncode == 2 and "first_administrator_only" in again.stderr
    looked = wait_for(lambda: httpx.get(
        f"{cfg.url('directory')}/api/v1/communes/xa-moi/directory/lookup",
        params={"official_id": "luong-van-quan"}, headers=auth(node, ["secretary"], commune="xa-moi")))
    assert looked.status_code == 200, looked.text
    for _ in range(100):  # until the identity service's projection has read the registration
        password = subprocess.run([sys.executable, "-m", "reform_node", "--data-dir", str(cfg.data_dir),
                                   "admin-password", "--commune", "xa-moi", "--official", "luong-van-quan", *ports],
                                  capture_output=True, text=True, timeout=60)
        if password.returncode == 0:
            break
        time.sleep(0.1)
    assert password.returncode == 0, password.stderr[-2000:]
    assert json.loads(password.stdout)["must_change"] is True


def test_an_initiative_posted_to_submission_appears_in_reporting_with_its_trace(node: CommuneNode) -> None:
    campaign = load_demo(node.config.settings(), node.config.url("submission"))["campaign_id"]
    body = {
        "title": "Chữ ký số cho hồ sơ hộ tịch",
        "unit": {"unit_id": "tt-phvhcc", "name": "Trung tâm Phục vụ hành chính công xã"},
        "authors": [{"user_id": "nguyen-thi-lan", "name": "Nguyễn Thị Lan"}],
        "field": "g",
        "summary": "Ký số kết quả giải quyết thủ tục hộ tịch, trả kết quả điện tử.",
    }
    headers = {**auth(node, ["submitter"]), "traceparent": TRACEPARENT, "X-Correlation-Id": "demo-corr-1"}
    created = httpx.post(
        f"{node.config.url('submission')}/api/v1/communes/{COMMUNE}/campaigns/{campaign}/initiatives",
        json=body, headers=headers,
    )
    assert created.status_code == 201, created.text
    initiative_id = created.json()["id"]

    seen = wait_for(lambda: httpx.get(
        f"{node.config.url('reporting')}/api/v1/communes/{COMMUNE}/initiatives/{initiative_id}",
        headers=auth(node, ["secretary"])))

    assert seen.status_code == 200, seen.text
    doc = seen.json()
    assert doc["title"] == "Chữ ký số cho hồ sơ hộ tịch"
    assert doc["submitted_by"] == "nguyen-thi-lan"
    assert doc["trace_id"] == TRACE_ID  # W3C context: HTTP -> event metadata -> projection
    operator = auth(node, ["operator"], subject="ops")
    board = httpx.get(f"{node.config.url('evaluation')}/ops/projections", headers=operator).json()[0]
    assert board["projection"] == "board" and board["parked"] == 0
    assert board["last_applied_sequence"] >= created.json()["stream_sequence"] or board["lag"] > 0


def test_a_stopped_reporting_service_rebuilds_offline_to_the_same_projection(node: CommuneNode) -> None:
    before = reporting_items(node)
    node.services["reporting"].stop()
    env = {**os.environ, **node.config.service_env("reporting")}
    rebuilt = subprocess.run([sys.executable, "-m", "reform_reporting", "rebuild", "all"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    report = json.loads(rebuilt.stdout)  # both projections, each rebuilt in a process of its own
    assert set(report) == {"pipeline", "event_audit"}
    assert all(status["lag"] == 0 and status["parked"] == 0 for status in report.values()), report
    wait_ready(node.config.url("reporting"), 60, node.start_service("reporting"))
    assert reporting_items(node) == before


def test_the_node_keeps_its_data_across_a_restart(node: CommuneNode) -> None:
    before = reporting_items(node)
    node.stop()
    node.start()
    again = load_demo(node.config.settings(), node.config.url("submission"),
                      directory_url=node.config.url("directory"))  # the directory again: nothing changes
    assert again["loaded"] is False  # the demo is not loaded twice
    assert reporting_items(node) == before
    operator = auth(node, ["operator"], subject="ops")
    status = httpx.get(f"{node.config.url('reporting')}/ops/projections", headers=operator).json()
    assert status[0]["parked"] == 0 and status[0]["last_applied_sequence"] >= len(before)
