"""The replication API on a standalone node against a real nats-server and a real Mongo-wire server: the node's
relay publishes a recognised initiative to its own catalogue, once per revision; another commune adopts it
(a refusal names its field in Vietnamese and English); the entry shows the adoption; a rebuild of the
projection gives the same catalogue and publishes nothing again."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from reform_replication.application.relay import Relay
from reform_replication.bootstrap import build_app, build_runtime
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import (
    AttachmentRef,
    AuthorRef,
    CampaignLaunched,
    Effectiveness,
    Indicator,
    InitiativeContent,
    InitiativeRecognized,
    InitiativeSubmitted,
    RecognitionDecisionSigned,
    ScoreResult,
    UnitRef,
    build_registry,
)
from reform_shared.ids import FixedClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
A, B = "ninh-giang", "an-lao"
NOW = dt.datetime(2026, 12, 1, 9, tzinfo=VN)
CONTENT = InitiativeContent(
    title="Số hóa kết quả thủ tục hành chính", unit=UnitRef(unit_id="pvhcc", name="Trung tâm PVHCC"),
    author_kind="individual", authors=(AuthorRef(user_id="lan", name="Nguyễn Thị Lan"),), field="c",
    summary="Số hóa", problem="Người dân chờ lâu", solution="Kho dữ liệu số",
    effectiveness=Effectiveness(indicators=(Indicator(name="Thời gian tra cứu", unit="giờ", before=16, after=4),)))

RESULT = ScoreResult(mean_total=70, median_total=70, spread=4, scored=3, eligible=3,
                     criterion_means={"novelty": 8, "effectiveness": 7}, conditions={"novelty": True})


class Node:
    def __init__(self, http: httpx.AsyncClient, runtime: ServiceRuntime, token_for: Any, js: Any,
                 settings: Settings) -> None:
        self.http, self.runtime, self.token_for = http, runtime, token_for
        self.store = JetStreamEventStore(js, build_registry(), settings.stream_name, settings.subject_prefix)
        self.js, self.settings = js, settings

    def as_(self, *roles: str, commune: str = B) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(list(roles), commune=commune)}"}

    async def add(self, payload: EventPayload, commune: str = A) -> None:
        history = await self.store.load(commune, payload.aggregate_type, payload.aggregate_id())
        envelope = make_envelope(payload, commune_id=commune, version=history.version + 1, correlation_id="scene",
                                 actor=Actor(user_id="thu-ky", commune_id=commune), occurred_at=NOW)
        await self.store.append(history, [envelope])

    async def eventually(self, path: str, until: Callable[[Any], bool], headers: dict[str, str]) -> Any:
        body: Any = None
        for _ in range(300):
            response = await self.http.get(path, headers=headers)
            body = response.json()
            if response.status_code == 200 and until(body):
                return body
            await asyncio.sleep(0.05)
        raise AssertionError(body)

    async def catalogue_events(self) -> list[int]:
        history = await self.store.load("city", "catalogue", f"{A}--i1")
        return [e.envelope.payload.revision for e in history.events]  # type: ignore[attr-defined]


@pytest.fixture
async def node(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[Node]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "replication"}))
    app = build_app(runtime, FixedClock(NOW))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://r") as http:
        yield Node(http, runtime, token_for, js, settings)


async def test_the_relay_publishes_each_revision_once_and_a_rebuild_publishes_nothing(node: Node) -> None:
    await node.add(CampaignLaunched(campaign_id="cchc-2027", year=2027, title="Phát động", fields=("c",),
                                    submission_opens_at=NOW, submission_closes_at=NOW + dt.timedelta(days=9)))
    await node.add(InitiativeSubmitted(initiative_id="i1", campaign_id="cchc-2027", content=CONTENT))
    await node.add(RecognitionDecisionSigned(campaign_id="cchc-2027", decision_number="15/QĐ-UBND",
                                             decision_date=dt.date(2026, 11, 30), signer="Chủ tịch",
                                             initiative_ids=("i1",)))
    reader = node.as_("submitter")
    found = await node.eventually("/api/v1/catalogue?q=thu tuc", lambda b: b["count"] == 1, reader)
    entry = found["items"][0]
    assert (entry["entry_id"], entry["year"], entry["recognition_number"]) == (f"{A}--i1", 2027, "15/QĐ-UBND")
    assert "Nguyễn Thị Lan" not in str(entry)

    body = {"entry_id": f"{A}--i1", "unit": {"unit_id": "mot-cua", "name": "Bộ phận một cửa"},
            "responsible": "Phó Chủ tịch UBND xã", "since": "2026-11-15"}
    refused = await node.http.post(f"/api/v1/communes/{B}/adoptions", json=body, headers=node.as_("secretary"))
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "adaptation" and error["message_vi"] and error["message_en"]
    not_allowed = await node.http.post(f"/api/v1/communes/{B}/adoptions", json={**body, "adaptation": "x"},
                                       headers=node.as_("submitter"))
    assert not_allowed.status_code == 403
    adopted = await node.http.post(f"/api/v1/communes/{B}/adoptions", json={**body, "adaptation": "Cho hộ tịch"},
                                   headers=node.as_("secretary") | {"Idempotency-Key": "a1"})
    assert adopted.status_code == 201, adopted.text

    shown = await node.eventually(f"/api/v1/catalogue/{A}--i1", lambda e: e["adoptions"], reader)
    assert [a["commune_id"] for a in shown["adoptions"]] == [B]
    published = await node.catalogue_events()
    assert published == sorted(set(published)) and published[-1] == shown["revision"]  # each revision once

    operator = node.as_("operator", commune=A)
    assert (await node.http.post("/ops/projections/replication/rebuild", headers=operator)).status_code == 202
    await node.eventually("/ops/projections", lambda s: s[0]["lag"] == 0 and s[0]["running"], operator)
    again = await node.eventually(f"/api/v1/catalogue/{A}--i1", lambda e: e["adoptions"], reader)
    c = node.runtime.connections
    assert await Relay(c.db, c.bus(), FixedClock(NOW)).run_once() == 0  # a relay round after the rebuild
    assert again == shown and await node.catalogue_events() == published


async def test_the_evidence_pack_bundles_the_recognised_initiatives_files_and_names_those_missing(
        node: Node) -> None:
    data = b"%PDF-1.4 minh chung"
    present, missing = str(uuid.uuid4()), str(uuid.uuid4())
    store = await node.js.object_store(node.settings.attachments_bucket)
    await store.put(f"{A}/{present}", data)
    refs = (AttachmentRef(attachment_id=present, filename="bao-cao.pdf", media_type="application/pdf",
                          size=len(data), sha256=hashlib.sha256(data).hexdigest()),
            AttachmentRef(attachment_id=missing, filename="anh.png", media_type="image/png", size=3, sha256="0" * 64))
    await node.add(CampaignLaunched(campaign_id="cchc-2027", year=2027, title="Phát động", fields=("c",),
                                    submission_opens_at=NOW, submission_closes_at=NOW + dt.timedelta(days=9)))
    await node.add(InitiativeSubmitted(initiative_id="i1", campaign_id="cchc-2027",
                                       content=CONTENT.model_copy(update={"attachments": refs})))
    await node.add(InitiativeRecognized(initiative_id="i1", campaign_id="cchc-2027", result=RESULT))
    path = f"/api/v1/communes/{A}/evidence/2027"
    figures = (await node.http.get(path, headers=node.as_("secretary", commune=A))).json()
    assert figures["proposed_per_unit"] == {"Trung tâm PVHCC": 1} and figures["recognised_by_council"] == 1
    other = await node.http.get(path, headers=node.as_("secretary", commune=B))
    assert other.status_code == 403 and other.json()["error"]["rule"] == "same_commune_or_city"
    zipped = await node.http.get(path, params={"format": "zip"}, headers=node.as_("secretary", commune=A))
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(zipped.content))
    assert bundle.read(f"tai-lieu/i1/{present}-bao-cao.pdf") == data
    manifest = {d["attachment_id"]: d["included"] for d in json.loads(bundle.read("so-lieu.json"))["documents"]}
    assert manifest == {present: True, missing: False}
    for moment in ("1970-01-01T00:00:00+00:00", "1999-12-31T23:59:59+07:00"):  # found by the fuzz tier: a 500
        early = await node.http.get(path, params={"format": "zip", "as_of": moment},
                                    headers=node.as_("secretary", commune=A))
        assert early.status_code == 422 and early.json()["error"]["field"] == "as_of", early.text
        assert early.json()["error"]["rule"] == "as_of_in_range"


async def test_the_projections_page_answers_503_when_a_consumer_does_not_answer(
        node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    """As while the stream elects a leader after a hub server was lost: the operator is told to retry, at once."""
    operator = node.as_("operator", commune=A)
    assert (await node.http.get("/ops/projections", headers=operator)).status_code == 200
    runner = node.runtime.runner("replication")

    async def stalled() -> dict[str, Any]:
        await asyncio.sleep(60)
        raise AssertionError("never answered")

    monkeypatch.setattr(runner, "status", stalled)
    monkeypatch.setattr("reform_shared.http.app.STATUS_SECONDS", 0.2)
    answer = await node.http.get("/ops/projections", headers=operator)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "2", answer.text
    assert answer.json()["error"]["details"]["dependency"] == "nats"


async def test_the_relay_reads_recognised_sources_only_and_nothing_while_the_projection_has_not_moved(
        node: Node) -> None:
    """A round costs what changed: it reads only sources marked recognised (not every initiative of the city, and a
    campaign for each), and nothing at all while the projection applied nothing since a round that finished."""
    await node.add(CampaignLaunched(campaign_id="cchc-2027", year=2027, title="Phát động", fields=("c",),
                                    submission_opens_at=NOW, submission_closes_at=NOW + dt.timedelta(days=9)))
    await node.add(InitiativeSubmitted(initiative_id="i1", campaign_id="cchc-2027", content=CONTENT))
    await node.add(InitiativeSubmitted(initiative_id="i2", campaign_id="cchc-2027", content=CONTENT))
    await node.add(RecognitionDecisionSigned(campaign_id="cchc-2027", decision_number="15/QĐ-UBND",
                                             decision_date=dt.date(2026, 11, 30), signer="Chủ tịch",
                                             initiative_ids=("i1",)))
    reader = node.as_("submitter")
    await node.eventually("/api/v1/catalogue?q=thu tuc", lambda b: b["count"] == 1, reader)
    c = node.runtime.connections
    sources = c.db["sources"]
    assert {d["_id"]: d.get("recognised") for d in await sources.find({}).to_list()} == {
        f"{A}--i1": True, f"{A}--i2": None}

    relay = Relay(c.db, c.bus(), FixedClock(NOW))
    scans: list[list[str]] = []
    read = relay.pending

    async def counted() -> list[Any]:
        found = await read()
        scans.append([e.entry_id for e in found])
        return found

    relay.pending = counted  # type: ignore[method-assign]
    assert await relay.run_once() == 0 and scans == [[]]  # i1 published already; i2 never read
    assert await relay.run_once() == 0 and scans == [[]]  # nothing applied since: no read at all
    await node.add(InitiativeSubmitted(initiative_id="i3", campaign_id="cchc-2027", content=CONTENT))
    for _ in range(300):  # committed with the book's checkpoint (a consumer's lag of 0 can come before its delivery)
        if await sources.find_one({"_id": f"{A}--i3"}) is not None:
            break
        await asyncio.sleep(0.05)
    assert await relay.run_once() == 0 and scans == [[], []]  # the projection moved: one more round
