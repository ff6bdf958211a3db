"""Backup while the node runs → wipe its data folder → restore → start: the same reports, byte for byte in JSON.

A commune node as processes with the demo's whole cycle (directory, campaign, initiatives, council, scores,
recognition decision, a nomination) and an attachment; `reform-node backup` while it runs; the data folder
removed; `reform-node restore` into it (empty); the node started again with empty databases: once its
projections have caught up, every report answers the same bytes, the attachment the same file, a retried
command its first answer — and a restore into the now full node is refused.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from reform_node.backup_file import verify
from reform_node.demo import COMMUNE, SECRETARY_ID, demo_campaign, demo_commune, load_demo, token
from reform_node.demo_flow import advance_to_nominations
from reform_node.node import SERVICES, CommuneNode, NodeConfig
from reform_node.servers import free_port

pytestmark = pytest.mark.system

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
NODE = [sys.executable, "-m", "reform_node"]


def reform_node(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NODE, *args], capture_output=True, text=True, timeout=300, check=False)


def bearer(node: CommuneNode, roles: list[str], sub: str = "ops") -> dict[str, str]:
    return {"Authorization": "Bearer " + token(node.config.settings(), sub, "Trực vận hành", roles, commune=COMMUNE)}


def caught_up(node: CommuneNode, timeout: float = 120) -> None:
    """Every service's projections have applied the whole stream (lag 0 everywhere)."""
    deadline = time.monotonic() + timeout
    while True:
        lags: dict[str, Any] = {}
        for service in ("submission", "evaluation", "awards", "reporting", "directory"):
            answer = httpx.get(f"{node.config.url(service)}/ops/projections", headers=bearer(node, ["operator"]),
                               timeout=10)
            lags[service] = [p.get("lag") for p in answer.json()] if answer.status_code == 200 else answer.text
        if all(isinstance(v, list) and all(lag == 0 for lag in v) for v in lags.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"projections not caught up after {timeout}s: {lags}")
        time.sleep(0.5)


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def reports(node: CommuneNode, year: int, initiative: str, as_of: dt.datetime) -> dict[str, bytes]:
    """The reporting service's JSON answers as canonical JSON bytes (keys sorted: a projection's document keeps
    its fields in the order they were first written, which a rebuild's writes need not repeat), the report
    once at a fixed `as_of` and once now without the moment it was made."""
    base = f"{node.config.url('reporting')}/api/v1/communes/{COMMUNE}"
    moment = as_of.isoformat().replace("+00:00", "Z")
    paths = {"initiatives": "/initiatives", "report": f"/reports/{year}?as_of={moment}",
             "report-now": f"/reports/{year}", "open-data": f"/open-data/{year}",
             "initiative": f"/initiatives/{initiative}", "trace": f"/initiatives/{initiative}/trace"}
    answers = {}
    for name, path in paths.items():
        response = httpx.get(base + path, headers=bearer(node, ["secretary", "operator"]), timeout=30)
        assert response.status_code == 200, (name, response.text)
        body = response.json()
        if name == "report-now":
            body.pop("as_of", None)  # made now: the one field that must differ
        answers[name] = canonical(body)
    return answers


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def relaunch(node: CommuneNode) -> httpx.Response:
    """The demo's campaign launch sent again with its Idempotency-Key: the first answer, nothing appended."""
    demo = demo_commune(COMMUNE, None)
    campaign = demo_campaign(NOW, demo.commune_name, demo.units)
    headers = {"Authorization": "Bearer " + token(node.config.settings(), SECRETARY_ID, demo.secretary_name,
                                                  ["secretary"], commune=COMMUNE),
               "Idempotency-Key": f"demo-{campaign['campaign_id']}-campaign"}
    return httpx.post(f"{node.config.url('submission')}/api/v1/communes/{COMMUNE}/campaigns", json=campaign,
                      headers=headers, timeout=30)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> NodeConfig:
    return NodeConfig(data_dir=tmp_path_factory.mktemp("restored") / "node", nats_port=free_port(),
                      nats_http_port=free_port(), mongo_port=free_port(),
                      service_ports={service: free_port() for service in SERVICES})


@pytest.fixture(scope="module")
def node(config: NodeConfig) -> Iterator[CommuneNode]:
    running = CommuneNode(config)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_backup_wipe_restore_gives_the_same_reports(node: CommuneNode, config: NodeConfig, tmp_path: Path) -> None:
    urls = {"submission_url": config.url("submission"), "evaluation_url": config.url("evaluation")}
    load_demo(config.settings(), now=NOW, directory_url=config.url("directory"), **urls)
    done = advance_to_nominations(config.settings(), **urls)
    upload = httpx.post(f"{config.url('submission')}/api/v1/communes/{COMMUNE}/attachments",
                        files={"file": ("so-do.png", png(), "image/png")},
                        headers=bearer(node, ["submitter"], "nguyen-thi-lan"), timeout=30)
    assert upload.status_code == 201, upload.text
    attachment = upload.json()["attachment_id"]
    first = relaunch(node)
    assert first.status_code in (200, 201), first.text
    caught_up(node)
    as_of = dt.datetime.now(dt.UTC).replace(microsecond=0)
    time.sleep(1)
    before = reports(node, as_of.year, done["nominated"][0], as_of)

    backup = tmp_path / "ninh-giang.reform-backup.jsonl"
    made = reform_node("backup", "--data-dir", str(config.data_dir), "--out", str(backup))  # the node runs
    assert made.returncode == 0, made.stderr
    counts = verify(backup)["messages"]
    assert counts["REFORM_EVENTS"] > 30 and counts["OBJ_REFORM_ATTACHMENTS"] >= 2 and counts["KV_REFORM_IDEMPOTENCY"]

    node.stop()
    shutil.rmtree(config.data_dir)
    restored = reform_node("restore", "--data-dir", str(config.data_dir), "--from", str(backup))
    assert restored.returncode == 0, restored.stderr
    node.start()  # empty databases: every projection rebuilds from the restored stream
    caught_up(node)

    assert reports(node, as_of.year, done["nominated"][0], as_of) == before
    file = httpx.get(f"{config.url('submission')}/api/v1/communes/{COMMUNE}/attachments/{attachment}",
                     headers=bearer(node, ["secretary"]), timeout=30)
    assert file.status_code == 200 and file.content == png()
    again = relaunch(node)
    assert (again.status_code, again.json()) == (first.status_code, first.json())

    refused = reform_node("restore", "--data-dir", str(config.data_dir), "--from", str(backup))  # it runs
    assert refused.returncode == 2 and "is running" in refused.stderr, refused.stderr
    node.stop()
    refused = reform_node("restore", "--data-dir", str(config.data_dir), "--from", str(backup))
    assert refused.returncode == 2 and "already holds databases" in refused.stderr, refused.stderr
    shutil.rmtree(config.data_dir / "mongo")  # the stream alone, restored and used: refused all the same
    refused = reform_node("restore", "--data-dir", str(config.data_dir), "--from", str(backup))
    assert refused.returncode == 2 and "không trống" in refused.stderr and "not empty" in refused.stderr
