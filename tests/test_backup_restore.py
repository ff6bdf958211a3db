"""Backup while the node runs → wipe its data folder → restore → start: the same reports, byte for byte in JSON,
and not one old e-mail again.

A commune node as processes, its notifications service mailing through a real SMTP server (aiosmtpd), with the
demo's whole cycle (directory, campaign, initiatives, council, scores, recognition decision, a nomination) and an
attachment; `reform-node backup` while it runs; the data folder removed; `reform-node restore` into it (empty); the
node started again with empty databases: once its projections have caught up, every report answers the same bytes,
the attachment the same file, a retried command its first answer; the notifications service has rebuilt every
inbox from the restored stream but mailed none of that history (the restore marked itself in the record: a
`NodeRestored`), and a command after the restore is mailed once to each person it concerns — and a restore into
the now full node is refused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from PIL import Image
from support import eventually

sys.path.append(str(Path(__file__).resolve().parents[1] / "services" / "notifications" / "tests"))

from nt_scene import Mailbox

from reform_node.backup_file import verify
from reform_node.demo import COMMUNE, SECRETARY_ID, constitute_council, demo_campaign, demo_commune, load_demo, token
from reform_node.demo import bearer as bearer_of
from reform_node.demo_flow import advance_to_nominations
from reform_node.node import SERVICES, CommuneNode, NodeConfig
from reform_node.servers import free_port
from reform_shared.provisioning import NOTIFICATIONS_CONSUMER

pytestmark = [pytest.mark.system, pytest.mark.timeout(420)]
"""The journey (two node starts, two catch-ups, a backup and a restore) is set up by the first test."""

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


def notifications_settled(node: CommuneNode) -> None:
    """The notifications service's consumer has handled and acknowledged the whole stream."""
    async def pending() -> tuple[int, int]:
        nc = await nats.connect(node.config.nats_url, connect_timeout=5)
        try:
            info = await nc.jetstream(timeout=10).consumer_info(node.config.stream_name, NOTIFICATIONS_CONSUMER)
            return info.num_pending, info.num_ack_pending
        finally:
            await nc.close()
    eventually(lambda: asyncio.run(pending()), lambda counts: counts == (0, 0), timeout=120, interval=0.5)


def inboxes(node: CommuneNode, people: set[str]) -> dict[str, list[tuple[str, str, str]]]:
    """Each person's in-app notifications as (id, kind, subject), sorted: the ids derive from the events."""
    found = {}
    for user in sorted(people):
        answer = httpx.get(f"{node.config.url('notifications')}/api/v1/notifications/me",
                           headers=bearer(node, ["submitter"], user), timeout=30)
        assert answer.status_code == 200, answer.text
        found[user] = sorted((n["id"], n["kind"], n["subject"]) for n in answer.json())
    return found


def recipients(mails: list[tuple[list[str], Any]]) -> list[str]:
    """The officials mailed (`<official>@<commune>.gov.vn`), once per e-mail."""
    return sorted(address.split("@")[0] for to, _ in mails for address in to)


def new_council(node: CommuneNode) -> tuple[str, set[str]]:
    """After the restore: next year's campaign and its council, whose members are told (and mailed) once."""
    demo = demo_commune(COMMUNE, None)
    launched = demo_campaign(NOW, demo.commune_name, demo.units)
    year = int(launched["year"]) + 1
    title = f"Sáng kiến cải cách hành chính năm {year}"
    campaign = {**launched, "campaign_id": f"cchc-{year}", "year": year, "title": title,
                "submission_closes_at": f"{year}-09-25T17:00:00+07:00", "recognition_deadline": f"{year}-09-30",
                "nomination_deadline": f"{year}-09-30"}
    secretary = bearer_of(token(node.config.settings(), SECRETARY_ID, demo.secretary_name, ["secretary"],
                                commune=COMMUNE))
    with httpx.Client(timeout=30) as http:
        created = http.post(f"{node.config.url('submission')}/api/v1/communes/{COMMUNE}/campaigns", json=campaign,
                            headers={**secretary, "Idempotency-Key": f"after-restore-{year}"})
        assert created.status_code in (200, 201), created.text
        assert constitute_council(http, node.config.settings(), node.config.url("evaluation"), demo,
                                  campaign["campaign_id"], NOW.date())
    return title, {m["user_id"] for m in demo.council["members"]}


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with Mailbox.running() as box:
        yield box


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> NodeConfig:
    return NodeConfig(data_dir=tmp_path_factory.mktemp("restored") / "node", nats_port=free_port(),
                      nats_http_port=free_port(), mongo_port=free_port(),
                      service_ports={service: free_port() for service in SERVICES})


@pytest.fixture(scope="module")
def node(config: NodeConfig, mailbox: Mailbox) -> Iterator[CommuneNode]:
    running = CommuneNode(config)
    with pytest.MonkeyPatch.context() as env:  # the notifications service mails, as a production node does
        env.setenv("REFORM_SMTP_HOST", "127.0.0.1")
        env.setenv("REFORM_SMTP_PORT", str(mailbox.port))
        env.setenv("REFORM_DISPATCH_INTERVAL_SECONDS", "0.5")
        running.start()
        try:
            yield running
        finally:
            running.stop()


@dataclass
class Journey:
    """What the node answered before the backup and after the restore."""

    done: dict[str, Any]
    attachment: str
    first: httpx.Response
    as_of: dt.datetime
    before: dict[str, bytes]
    after: dict[str, bytes]
    restored: subprocess.CompletedProcess[str]
    mailed_before: list[tuple[list[str], Any]]
    inboxes_before: dict[str, list[tuple[str, str, str]]]
    inboxes_after: dict[str, list[tuple[str, str, str]]]
    council_title: str
    council: set[str]
    mailed_after: list[tuple[list[str], Any]]


@pytest.fixture(scope="module")
def journey(node: CommuneNode, config: NodeConfig, mailbox: Mailbox,
            tmp_path_factory: pytest.TempPathFactory) -> Journey:
    urls = {"submission_url": config.url("submission"), "evaluation_url": config.url("evaluation")}
    load_demo(config.settings(), now=NOW, directory_url=config.url("directory"), **urls)
    done = advance_to_nominations(config.settings(), **urls)
    upload = httpx.post(f"{config.url('submission')}/api/v1/communes/{COMMUNE}/attachments",
                        files={"file": ("so-do.png", png(), "image/png")},
                        headers=bearer(node, ["submitter"], "nguyen-thi-lan"), timeout=30)
    assert upload.status_code == 201, upload.text
    first = relaunch(node)
    assert first.status_code in (200, 201), first.text
    caught_up(node)
    notifications_settled(node)
    as_of = dt.datetime.now(dt.UTC).replace(microsecond=0)
    time.sleep(1)
    before = reports(node, as_of.year, done["nominated"][0], as_of)
    eventually(lambda: len(mailbox.received), lambda n: n > 0)  # the history was mailed once, when it happened
    people = set(recipients(mailbox.received))
    inboxes_before = inboxes(node, people)

    backup = tmp_path_factory.mktemp("backup") / "ninh-giang.reform-backup.jsonl"
    made = reform_node("backup", "--data-dir", str(config.data_dir), "--out", str(backup))  # the node runs
    assert made.returncode == 0, made.stderr
    counts = verify(backup)["messages"]
    assert counts["REFORM_EVENTS"] > 30 and counts["OBJ_REFORM_ATTACHMENTS"] >= 2 and counts["KV_REFORM_IDEMPOTENCY"]

    node.stop()
    mailed_before = list(mailbox.received)
    shutil.rmtree(config.data_dir)
    restored = reform_node("restore", "--data-dir", str(config.data_dir), "--from", str(backup))
    assert restored.returncode == 0, restored.stderr
    node.start()  # empty databases, SMTP configured: every projection and every inbox rebuilds from the stream
    caught_up(node)
    notifications_settled(node)
    after = reports(node, as_of.year, done["nominated"][0], as_of)
    inboxes_after = inboxes(node, people)

    title, council = new_council(node)
    eventually(lambda: len(mailbox.received) - len(mailed_before), lambda n: n >= len(council), timeout=120)
    notifications_settled(node)
    return Journey(done, upload.json()["attachment_id"], first, as_of, before, after, restored, mailed_before,
                   inboxes_before, inboxes_after, title, council, mailbox.received[len(mailed_before):])


def test_the_restored_node_gives_the_same_reports_files_and_first_answers(node: CommuneNode, config: NodeConfig,
                                                                         journey: Journey) -> None:
    assert journey.after == journey.before
    file = httpx.get(f"{config.url('submission')}/api/v1/communes/{COMMUNE}/attachments/{journey.attachment}",
                     headers=bearer(node, ["secretary"]), timeout=30)
    assert file.status_code == 200 and file.content == png()
    again = relaunch(node)
    assert (again.status_code, again.json()) == (journey.first.status_code, journey.first.json())


def test_the_restored_node_rebuilds_every_inbox_and_mails_none_of_its_history(journey: Journey) -> None:
    assert "NodeRestored" in journey.restored.stdout and "không gửi lại e-mail" in journey.restored.stdout
    assert journey.mailed_before and journey.inboxes_before
    assert journey.inboxes_after == journey.inboxes_before
    old_subjects = {str(m["Subject"]) for _, m in journey.mailed_before}
    assert not [m["Subject"] for _, m in journey.mailed_after if str(m["Subject"]) in old_subjects]


def test_a_command_after_the_restore_is_mailed_once_to_each_person_it_concerns(journey: Journey) -> None:
    subjects = {str(m["Subject"]) for _, m in journey.mailed_after}
    assert subjects == {f"Anh/chị được phân công vào hội đồng đánh giá: {journey.council_title}"}
    assert recipients(journey.mailed_after) == sorted(journey.council)


def test_a_restore_into_a_used_node_is_refused(node: CommuneNode, config: NodeConfig, journey: Journey,
                                               tmp_path: Path) -> None:
    backup = tmp_path / "again.reform-backup.jsonl"
    made = reform_node("backup", "--data-dir", str(config.data_dir), "--out", str(backup))
    assert made.returncode == 0, made.stderr
    refused = reform_node("restore", "--data-dir", str(config.data_dir), "--from", str(backup))  # it runs
    assert refused.returncode == 2 and "is running" in refused.stderr, refused.stderr
    node.stop()
    refused = reform_node("restore", "--data-dir", str(config.data_dir), "--from", str(backup))
    assert refused.returncode == 2 and "already holds databases" in refused.stderr, refused.stderr
    shutil.rmtree(config.data_dir / "mongo")  # the stream alone, restored and used: refused all the same
    refused = reform_node("restore", "--data-dir", str(config.data_dir), "--from", str(backup))
    assert refused.returncode == 2 and "không trống" in refused.stderr and "not empty" in refused.stderr
