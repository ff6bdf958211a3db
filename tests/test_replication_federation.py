"""Replication across a local federation of three communes on three nodes (the third hosting two): a recognition
at A reaches B's and C's catalogue through the city; its documents, sent by A while the hub is down, reach every
node once after it returns, checked against their SHA-256 (a tampered one is never served, a withdrawn dossier's
file never leaves A); B adopts it and reports results while the hub is down;
after the link returns the city and A see the adoption once; the city's replication report equals its rebuild;
the evidence pack as of a past moment reproduces the same numbers."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import nats
import pytest
from support import eventually as support_eventually
from support import pdf_of_size

from reform_node.demo import load_demo, token
from reform_node.demo_communes import demo_commune
from reform_node.demo_flow import advance_to_nominations
from reform_node.federation import LocalFederation, Ports
from reform_node.node import CommuneNode, wait_ready
from reform_node.servers import free_port
from reform_replication.domain.files import to_send
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor
from reform_shared.events import build_registry
from reform_shared.events.replication import file_id_of
from reform_shared.events.submission import AttachmentRef
from reform_shared.federation import FederatedNode
from reform_shared.ids import new_id
from reform_shared.ports import AggregateHistory
from reform_shared.store import JetStreamEventStore
from reform_shared.text import fold

pytestmark = pytest.mark.system

A, B, C, D = "ninh-giang", "an-lao", "tien-lang", "kien-thuy"
NODES = [FederatedNode(node_id=A, communes=[A]), FederatedNode(node_id=B, communes=[B]),
         FederatedNode(node_id=C, communes=[C, D])]
NEEDED = ("submission", "evaluation", "directory", "replication")
"""The services this test drives (a node's other services add nothing here but start-up time)."""
FILES: dict[str, Any] = {}
"""What the fixture uploaded at A: the recognised dossier's two files, the withdrawn one's file."""


class LeanFederation(LocalFederation):
    """The local federation with only the services its nodes' ports name."""

    def start_city(self) -> None:
        self.city = CommuneNode(self.city_config())
        self.city.start_nats()
        self.city.provision(linked=set())
        for service in self.city.config.service_ports:
            self.city.start_service(service)

    def start_node(self, node: FederatedNode) -> CommuneNode:
        commune = CommuneNode(self.node_config(node))
        commune.start_infrastructure()
        for service in commune.config.service_ports:
            commune.start_service(service)
        self.nodes[node.node_id] = commune
        return commune


def lean_ports() -> Ports:
    return Ports(free_port(), free_port(), {s: free_port() for s in NEEDED})




@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFederation]:
    fed = LeanFederation(tmp_path_factory.mktemp("replication"), free_port(), free_port(), lean_ports())
    try:
        fed.start(NODES, {n.node_id: lean_ports() for n in NODES})
        member = fed.nodes[A]
        urls = {"submission_url": member.config.url("submission"), "evaluation_url": member.config.url("evaluation")}
        demo = load_demo(member.config.settings(), commune=A, directory_url=member.config.url("directory"), **urls)
        member.services["replication"].kill()  # A sends nothing until the files test starts it again
        FILES.update(submit_with_files(member, demo["campaign_id"]))
        advance_to_nominations(member.config.settings(), commune=A, **urls)
        yield fed
    finally:
        fed.stop()


def submit_with_files(member: CommuneNode, campaign_id: str) -> dict[str, Any]:
    """At A: a dossier with two files (the council recognises it) and one with a third file, withdrawn."""
    settings, base = member.config.settings(), f"{member.config.url('submission')}/api/v1/communes/{A}"
    template = demo_commune(A).initiatives[0]
    author = template["authors"][0]
    bearer = token(settings, author["user_id"], author["name"], ["submitter"], commune=A)
    headers = {"Authorization": f"Bearer {bearer}"}

    def upload(size: int, name: str) -> dict[str, Any]:
        sent = httpx.post(f"{base}/attachments", headers=headers, timeout=30,
                          files={"file": (name, pdf_of_size(size), "application/pdf")})
        assert sent.status_code == 201, sent.text
        return dict(sent.json())

    def submit(title: str, files: list[dict[str, Any]]) -> str:
        body = {**template, "title": title, "attachment_ids": [f["attachment_id"] for f in files]}
        sent = httpx.post(f"{base}/campaigns/{campaign_id}/initiatives", json=body, headers=headers, timeout=30)
        assert sent.status_code == 201, sent.text
        return str(sent.json()["id"])

    good, tampered = upload(700_001, "Quy trình số hóa.pdf"), upload(300_001, "Mẫu phiếu.pdf")
    home = upload(90_001, "Nháp.pdf")
    recognised = submit("Quy trình số hóa hồ sơ một cửa, có tài liệu kèm theo", [good, tampered])
    withdrawn = submit("Bản nháp sáng kiến rút lại", [home])
    out = httpx.post(f"{base}/initiatives/{withdrawn}/withdraw", json={"reason": "Rút để hoàn thiện"}, headers=headers,
                     timeout=30)
    assert out.status_code in (200, 201), out.text
    return {"initiative": recognised, "good": good, "tampered": tampered, "home": home, "withdrawn": withdrawn}


def member_of(fed: LocalFederation, commune: str | None) -> CommuneNode:
    if commune is None:
        assert fed.city is not None
        return fed.city
    return fed.nodes[next(n.node_id for n in NODES if commune in n.communes)]


def call(fed: LocalFederation, commune: str | None, method: str, path: str, roles: tuple[str, ...] = ("secretary",),
         **kw: Any) -> httpx.Response:
    member = member_of(fed, commune)
    auth = token(member.config.settings(), "thu-ky", "Thư ký", list(roles), commune=commune or "city")
    headers = {"Authorization": f"Bearer {auth}", **kw.pop("headers", {})}
    return httpx.request(method, f"{member.config.url('replication')}{path}", headers=headers, timeout=30, **kw)


def catalogue_of(fed: LocalFederation, commune: str, **params: Any) -> dict[str, Any]:
    response = call(fed, commune, "GET", "/api/v1/catalogue", params={"commune_id": A, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def city_view(fed: LocalFederation) -> dict[str, Any]:
    response = call(fed, None, "GET", "/api/v1/city/replication", roles=("city_officer",))
    assert response.status_code == 200, response.text
    return dict(response.json())


def evidence(fed: LocalFederation, commune: str, year: int, as_of: str | None = None) -> dict[str, Any]:
    params = {"as_of": as_of} if as_of else {}
    response = call(fed, commune, "GET", f"/api/v1/communes/{commune}/evidence/{year}", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_recognition_at_a_appears_in_the_catalogue_of_b_and_c(federation: LocalFederation) -> None:
    for commune in (B, C, D):
        found = eventually(lambda c=commune: catalogue_of(federation, c), lambda r: r["count"] >= 1)
        entry = found["items"][0]
        assert entry["origin_commune_id"] == A and entry["recognition_number"]
        assert "authors" not in entry and "author_kind" not in entry  # no personal data
        words = " ".join(fold(entry["title"]).split()[:3])  # without diacritics
        assert entry["entry_id"] in [i["entry_id"] for i in catalogue_of(federation, commune, q=words)["items"]]


def forge(fed: LocalFederation, ref: dict[str, Any], entry_id: str) -> None:
    """At A, with the operator's rights: the file's events written with other bytes under its true SHA-256."""
    async def run() -> None:
        nc = await nats.connect(member_of(fed, A).config.nats_url)
        try:
            store = JetStreamEventStore(nc.jetstream(), build_registry(), "REFORM_EVENTS", "reform-files")
            file_id = file_id_of(A, ref["attachment_id"])
            payloads = to_send(file_id, entry_id, A, AttachmentRef(**ref), b"%PDF-1.4 forged" * 100, [])
            actor = Actor(user_id="forger", name="Forger", commune_id=A, roles=("service",))
            now = dt.datetime.now(dt.UTC)
            await store.append(AggregateHistory(A, "catalogfile", file_id), [
                make_envelope(p, commune_id=A, version=i, actor=actor, occurred_at=now, correlation_id=new_id())
                for i, p in enumerate(payloads, start=1)])
        finally:
            await nc.close()

    asyncio.run(run())


def files_of(fed: LocalFederation, commune: str | None, entry_id: str) -> dict[str, bool]:
    answer = call(fed, commune, "GET", f"/api/v1/catalogue/{entry_id}/files")
    assert answer.status_code == 200, answer.text
    return {f["attachment_id"]: f["on_this_node"] for f in answer.json()["files"]}


def download(fed: LocalFederation, commune: str | None, entry_id: str, ref: dict[str, Any]) -> httpx.Response:
    return call(fed, commune, "GET", f"/api/v1/catalogue/{entry_id}/files/{ref['attachment_id']}",
                roles=("submitter",))


def copies(fed: LocalFederation, commune: str | None, prefix: str, origin: str, ref: dict[str, Any]) -> list[str]:
    """The event types of one file's aggregate in a node's stream (read directly)."""
    async def run() -> list[str]:
        member = member_of(fed, commune)
        nc = await nats.connect(member.config.nats_url)
        try:
            stream = "CITY_EVENTS" if commune is None else "REFORM_EVENTS"
            store = JetStreamEventStore(nc.jetstream(), build_registry(), stream, prefix)
            history = await store.load(origin, "catalogfile", file_id_of(A, ref["attachment_id"]))
            return [e.envelope.event_type for e in history.events]
        finally:
            await nc.close()

    return asyncio.run(run())


def test_the_documents_sent_while_the_hub_is_down_reach_every_node_once_checked(federation: LocalFederation) -> None:
    good, tampered, home = FILES["good"], FILES["tampered"], FILES["home"]
    entry_id = f"{A}--{FILES['initiative']}"
    entry = eventually(lambda: call(federation, B, "GET", f"/api/v1/catalogue/{entry_id}"),
                       lambda r: r.status_code == 200).json()
    assert [a["attachment_id"] for a in entry["attachments"]] == [good["attachment_id"], tampered["attachment_id"]]
    assert call(federation, B, "GET", f"/api/v1/catalogue/{A}--{FILES['withdrawn']}").status_code == 404
    waiting = download(federation, B, entry_id, good)
    assert waiting.status_code == 404 and waiting.json()["error"]["rule"] == "not_yet_on_this_node"
    federation.stop_hub(kill=True)
    forge(federation, tampered, entry_id)
    member = member_of(federation, A)
    wait_ready(member.config.url("replication"), 60, member.start_service("replication"))
    eventually(lambda: files_of(federation, A, entry_id), lambda f: f[good["attachment_id"]])  # sent, hub down
    here = download(federation, A, entry_id, good)
    assert here.status_code == 200 and here.content == pdf_of_size(good["size"])
    refused = download(federation, A, entry_id, tampered)  # what A's record holds is not the catalogue's file
    assert refused.status_code == 409 and refused.json()["error"]["rule"] == "checksum_matches"
    federation.start_hub()

    for commune in (B, C, D, None):
        eventually(lambda c=commune: files_of(federation, c, entry_id), lambda f: f[good["attachment_id"]])
        got = download(federation, commune, entry_id, good)
        assert got.status_code == 200, got.text
        assert got.content == pdf_of_size(good["size"]) and hashlib.sha256(got.content).hexdigest() == good["sha256"]
        assert got.headers["x-checksum-sha256"] == good["sha256"]
    chunks = ["CatalogueFileChunk"] * 3 + ["CatalogueFileSent"]  # 700 kB in chunks of 256 KiB, once
    assert copies(federation, None, "reform-files", A, good) == chunks  # A's copy at the city
    assert copies(federation, None, "city-files", "city", good) == chunks  # the city's, checked
    for commune in (B, C, A):
        assert copies(federation, commune, "city-files", "city", good) == chunks
    # The tampered file was refused at the city: relayed nowhere, never served.
    assert copies(federation, None, "city-files", "city", tampered) == []
    assert files_of(federation, B, entry_id)[tampered["attachment_id"]] is False
    assert download(federation, C, entry_id, tampered).json()["error"]["rule"] == "not_yet_on_this_node"
    # The city's evidence pack of A now holds the file it checked; the tampered one is missing, said so.
    pack = call(federation, None, "GET", f"/api/v1/communes/{A}/evidence/{entry['year']}", roles=("city_officer",),
                params={"format": "zip"})
    assert pack.status_code == 200, pack.text
    bundle = zipfile.ZipFile(io.BytesIO(pack.content))
    manifest = {d["attachment_id"]: d for d in json.loads(bundle.read("so-lieu.json"))["documents"]}
    assert bundle.read(manifest[good["attachment_id"]]["path"]) == pdf_of_size(good["size"])
    assert manifest[tampered["attachment_id"]]["included"] is False
    # The withdrawn dossier's file never left A (nor was it written as a catalogue file there).
    assert copies(federation, A, "reform-files", A, home) == []
    assert copies(federation, None, "reform-files", A, home) == []


def test_b_adopts_and_reports_while_the_hub_is_down_and_the_city_and_a_see_it_once(
        federation: LocalFederation) -> None:
    entry = catalogue_of(federation, B)["items"][0]
    indicator = entry["indicators"][0]
    before = dt.datetime.now(dt.UTC).isoformat()
    this_year = dt.date.today().year  # the adoption's year (its `since`)
    pack_before = evidence(federation, A, this_year, as_of=before)
    assert pack_before["adoptions_received"] == []
    federation.stop_hub(kill=True)
    today = dt.date.today().isoformat()
    body = {"entry_id": entry["entry_id"], "unit": {"unit_id": "bp-mot-cua", "name": "Bộ phận một cửa"},
            "responsible": "Phó Chủ tịch UBND xã", "since": today, "adaptation": "Áp dụng cho thủ tục hộ tịch"}
    path = f"/api/v1/communes/{B}/adoptions"
    first = call(federation, B, "POST", path, json=body, headers={"Idempotency-Key": "adopt-1"})
    assert first.status_code == 201, first.text
    again = call(federation, B, "POST", path, json=body, headers={"Idempotency-Key": "adopt-1"})
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    twice = call(federation, B, "POST", path, json=body, headers={"Idempotency-Key": "adopt-2"})
    assert twice.status_code == 409 and twice.json()["error"]["rule"] == "adopted_once"
    results = f"{path}/{entry['entry_id']}/results"
    wrong = call(federation, B, "POST", results, json={"measured_on": today, "indicators": [
        {"name": "Số cây xanh", "before": 1, "after": 2}]})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "indicators[0].name"
    measured = {**indicator, "before": indicator["before"], "after": indicator["before"] / 2}
    reported = call(federation, B, "POST", results, json={"measured_on": today, "indicators": [measured]},
                    headers={"Idempotency-Key": "results-1"})
    assert reported.status_code == 201, reported.text
    mine = eventually(lambda: call(federation, B, "GET", path).json(),  # offline: from its own projection
                      lambda m: bool(m["made"]) and m["made"][0]["measured_on"] is not None)
    assert [m["adoption_id"] for m in mine["made"]] == [entry["entry_id"]]
    federation.start_hub()

    view = eventually(lambda: city_view(federation), lambda v: v["totals"]["with_results"] == 1)
    assert view["totals"]["adoptions"] == 1
    assert [(a["commune_id"], a["entry_id"]) for a in view["adoptions"]] == [(B, entry["entry_id"])]
    assert view["adoptions"][0]["effect"][0]["change_pct"] == -50.0
    assert view["most_adopted"][0]["entry_id"] == entry["entry_id"]
    assert A in view["communes_adopting_nothing"] and B not in view["communes_adopting_nothing"]

    def received() -> list[dict[str, Any]]:
        answer = call(federation, A, "GET", f"/api/v1/communes/{A}/adoptions").json()
        return [a for r in answer["received"] for a in r["adoptions"]]

    seen = eventually(received, lambda r: len(r) == 1 and r[0].get("measured_on") is not None)
    assert seen[0]["commune_id"] == B and seen[0]["indicators"][0]["after"] == measured["after"]

    # The evidence pack of A as of before the adoption reproduces the same numbers; now it counts it.
    assert evidence(federation, A, this_year, as_of=before) == pack_before
    now = evidence(federation, A, this_year)
    assert [(a["commune_id"], a["adoption_id"]) for a in now["adoptions_received"]] == [(B, entry["entry_id"])]
    made = evidence(federation, B, this_year)
    assert [a["adoption_id"] for a in made["adoptions_made"]] == [entry["entry_id"]]
    assert made["adoptions_made"][0]["results_reported"] == 1


def test_the_replication_report_equals_a_rebuild(federation: LocalFederation) -> None:
    live = city_view(federation)
    assert live["totals"]["adoptions"] == 1
    entry_id = f"{A}--{FILES['initiative']}"
    documents = files_of(federation, None, entry_id)
    assert list(documents.values()) == [True, False]  # the checked file here, the tampered one refused
    rebuilt = call(federation, None, "POST", "/ops/projections/replication/rebuild", roles=("operator",))
    assert rebuilt.status_code == 202, rebuilt.text

    def status() -> dict[str, Any]:
        answer = call(federation, None, "GET", "/ops/projections", roles=("operator",)).json()
        return dict(next(p for p in answer if p["projection"] == "replication"))

    eventually(status, lambda s: s.get("lag") == 0 and s.get("running"))
    assert eventually(lambda: city_view(federation), lambda v: v == live, timeout=30) == live
    assert files_of(federation, None, entry_id) == documents
    assert download(federation, None, entry_id, FILES["good"]).content == pdf_of_size(FILES["good"]["size"])


def test_the_evidence_pack_as_of_a_past_moment_is_reproducible(federation: LocalFederation) -> None:
    year = int(catalogue_of(federation, B)["items"][0]["year"])
    moment = dt.datetime.now(dt.UTC).isoformat()
    first = evidence(federation, A, year, as_of=moment)
    assert first["proposed"] >= 1 and first["recognition_decisions"] and first["proposed_per_unit"]
    assert evidence(federation, A, year, as_of=moment) == first
    response = call(federation, A, "GET", f"/api/v1/communes/{A}/evidence/{year}",
                    params={"as_of": moment, "format": "zip"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"bao-cao-minh-chung.docx", "so-lieu-minh-chung.xlsx", "so-lieu.json"} <= set(bundle.namelist())
    figures = json.loads(bundle.read("so-lieu.json"))
    assert figures["proposed"] == first["proposed"] and figures["recognition_decisions"] == first[
        "recognition_decisions"]
    future = call(federation, A, "GET", f"/api/v1/communes/{A}/evidence/{year}",
                  params={"as_of": "2100-01-01T00:00:00+07:00"})
    assert future.status_code == 422 and future.json()["error"]["rule"] == "as_of_not_in_future"


def eventually(fetch: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 90.0) -> Any:
    """The three-commune federation's own pace: a longer wait, polled every 0.3 s."""
    return support_eventually(fetch, until, timeout, interval=0.3)
