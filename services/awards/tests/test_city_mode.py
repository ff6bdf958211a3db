"""Awards in a federation: a commune node refuses city-level awards (409 decided_at_city), the city node
proposes and decides them on the record of both sides, and accepts the city's recognition of an
initiative as the "recognised, replicable initiative" a collective Bằng khen needs."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reform_awards.bootstrap import build_app, build_runtime
from reform_awards.domain.catalogue import FORMS
from reform_awards.domain.eligibility import Facts, assess
from reform_awards.domain.sources import initiative_fact
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import (
    AuthorRef,
    AwardProposed,
    Basis,
    BasisClaimed,
    CampaignLaunched,
    CityRecognitionDecided,
    InitiativeContent,
    InitiativeRecognized,
    InitiativeSubmitted,
    Recipient,
    ScoreResult,
    UnitRef,
    build_registry,
)
from reform_shared.events.directory import DirectoryImported, OfficialEntry, UnitEntry
from reform_shared.ids import FixedClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

VN = dt.timezone(dt.timedelta(hours=7))
C = "ninh-giang"
BASE = f"/api/v1/communes/{C}"
NOT_REPLICABLE = ScoreResult(mean_total=70, median_total=70, spread=4, scored=3, eligible=3,
                             criterion_means={"novelty": 8, "effectiveness": 7, "replicability": 4},
                             conditions={"novelty": True, "effectiveness": True})
COMMUNE = {"kind": "collective", "recipient_id": C, "name": "UBND xã Ninh Giang"}
LAN = Recipient(kind="individual", recipient_id="lan", name="Nguyễn Thị Lan", unit_id="vp")
DECISION = {"decision_number": "3001/QĐ-UBND", "decision_date": "2027-03-25", "signer": "Chủ tịch UBND thành phố"}


def city_decision(recognised: bool = True) -> CityRecognitionDecided:
    return CityRecognitionDecided(
        initiative_id="i-1", campaign_id="cchc-2026", year=2026, recognised=recognised,
        decision_number="3120/QĐ-UBND", decision_date=dt.date(2026, 10, 20), mean_effectiveness=8,
        mean_replicability=7, appraisals=3, decided_by="Chủ tịch UBND thành phố")


def _env(payload: EventPayload) -> Any:
    return make_envelope(payload, commune_id=C, version=1, correlation_id="c", occurred_at=dt.datetime(
        2026, 10, 20, tzinfo=VN), actor=Actor(user_id="u", commune_id="city"))


# -- pure --------------------------------------------------------------------------------------------
def _fact(*city: CityRecognitionDecided) -> Any:
    content = InitiativeContent(title="Một cửa điện tử", unit=UnitRef(unit_id="vp", name="VP"),
                                author_kind="individual", authors=(AuthorRef(user_id="lan", name="Lan"),),
                                field="c", summary="Tóm tắt")
    recognised = _env(InitiativeRecognized(initiative_id="i-1", campaign_id="cchc-2026", result=NOT_REPLICABLE))
    return initiative_fact("i-1", content, 2026, ("ev-submitted",), [recognised], [_env(c) for c in city]), recognised


@pytest.mark.domain
def test_the_citys_recognition_counts_as_a_recognised_replicable_initiative_with_its_event_as_evidence() -> None:
    commune_only, _ = _fact()
    assert (commune_only.recognised, commune_only.replicable, commune_only.city_recognised) == (True, False, False)
    form, recipient = FORMS["bang-khen-tp"], Recipient(kind="collective", recipient_id=C, name="UBND xã")
    basis = Basis(initiative_ids=("i-1",), par_year=2026)
    refused = assess(form, recipient, basis, Facts(C, (commune_only,), 2, "commune", "ev-par"))
    assert [c["met"] for c in refused.explain()] == [False, True]

    at_city, recognised = _fact(city_decision())
    assert at_city.city_recognised is True and at_city.event_ids[:2] == ("ev-submitted", recognised.event_id)
    accepted = assess(form, recipient, basis, Facts(C, (at_city,), 2, "commune", "ev-par"))
    assert accepted.eligible and accepted.explain()[0]["evidence"] == list(at_city.event_ids)
    assert len(at_city.event_ids) == 3  # the submission, the commune's recognition, the city's decision

    declined, _ = _fact(city_decision(recognised=False))
    assert declined.city_recognised is False and len(declined.event_ids) == 2
    assert not assess(form, recipient, basis, Facts(C, (declined,), 2, "commune", "ev-par")).eligible


# -- on real servers ---------------------------------------------------------------------------------
def city_prefix_of(settings: Settings) -> str:
    return "c" + settings.subject_prefix[1:]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    city = city_prefix_of(settings)
    return settings.model_copy(update={"stream_subjects": [f"{settings.subject_prefix}.>", f"{city}.>"],
                                       "read_prefixes": [settings.subject_prefix, city]})


class Side:
    """Appends as one side of the federation writes: the commune under its prefix, the city under its own."""

    def __init__(self, js: Any, settings: Settings, prefix: str, actor: Actor) -> None:
        self.store = JetStreamEventStore(js, build_registry(), settings.stream_name, prefix)
        self.actor = actor

    async def add(self, payload: EventPayload, commune: str = C) -> str:
        history = await self.store.load(commune, payload.aggregate_type, payload.aggregate_id())
        envelope = make_envelope(payload, commune_id=commune, version=history.version + 1, actor=self.actor,
                                 occurred_at=dt.datetime(2026, 10, 1, tzinfo=VN), correlation_id="seed")
        await self.store.append(history, [envelope])
        return envelope.event_id


class Node:
    def __init__(self, http: httpx.AsyncClient, runtime: ServiceRuntime, token_for: Any, settings: Settings,
                 js: Any) -> None:
        self.http, self.runtime, self.token_for = http, runtime, token_for
        self.commune = Side(js, settings, settings.subject_prefix, Actor(user_id="thu-ky", commune_id=C))
        self.city = Side(js, settings, city_prefix_of(settings), Actor(user_id="tp", commune_id="city"))
        self.stream = settings.stream_name

    def as_(self, *roles: str, commune: str = C) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(list(roles), commune=commune)}"}

    async def propose(self, form: str, recipient: dict[str, Any], initiatives: list[str], **extra: Any
                      ) -> httpx.Response:
        body = {"form": form, "recipient": recipient, "basis": {"initiative_ids": initiatives}, **extra}
        body.setdefault("year", 2026)
        return await self.http.post(f"{BASE}/awards", json=body, headers=self.as_("secretary"))

    async def events(self) -> int:
        assert self.runtime.js is not None
        return (await self.runtime.js.stream_info(self.stream)).state.messages

    async def registered(self, award_id: str) -> dict[str, Any]:
        for _ in range(750):
            items = (await self.http.get(f"{BASE}/awards", headers=self.as_("secretary"))).json()["items"]
            found = [i for i in items if i["award_id"] == award_id]
            if found:
                return found[0]
            await asyncio.sleep(0.02)
        raise AssertionError(f"{award_id} not registered")


async def _node(role: str, settings: Settings, js: Any, token_for: Any) -> AsyncIterator[Node]:
    prefix = city_prefix_of(settings) if role == "city" else settings.subject_prefix
    runtime = build_runtime(settings.model_copy(update={
        "service_name": f"awards_{role}", "federation_role": role, "subject_prefix": prefix}))
    app = build_app(runtime, FixedClock(dt.datetime(2026, 11, 5, 9, 0, tzinfo=VN)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://a") as http:
        node = Node(http, runtime, token_for, settings, js)
        await node.commune.add(DirectoryImported(  # the commune's directory, read on both nodes
            effective=dt.date(2026, 1, 1), import_id="seed", units=(UnitEntry(unit_id="vp", name="Văn phòng"),),
            officials=(OfficialEntry(official_id="lan", full_name="Nguyễn Thị Lan", unit_id="vp"),)))
        await node.commune.add(CampaignLaunched(
            campaign_id="cchc-2026", year=2026, title="CCHC 2026", fields=("c",), commune_name="xã Ninh Giang",
            submission_opens_at=dt.datetime(2026, 7, 1, tzinfo=VN),
            submission_closes_at=dt.datetime(2026, 9, 25, tzinfo=VN)))
        for iid in ("i-1", "i-2"):
            await node.commune.add(InitiativeSubmitted(initiative_id=iid, campaign_id="cchc-2026",
                                                       content=InitiativeContent(
                title=f"Sáng kiến {iid}", unit=UnitRef(unit_id="vp", name="Văn phòng"), author_kind="individual",
                authors=(AuthorRef(user_id="lan", name="Nguyễn Thị Lan"),), field="c", summary="Tóm tắt")))
            await node.commune.add(InitiativeRecognized(initiative_id=iid, campaign_id="cchc-2026",
                                                        result=NOT_REPLICABLE))
        yield node


@pytest.fixture
async def commune_node(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[Node]:
    async for node in _node("commune", settings, js, token_for):
        yield node


@pytest.fixture
async def city_node(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[Node]:
    async for node in _node("city", settings, js, token_for):
        yield node


@pytest.mark.service
async def test_a_commune_node_refuses_city_level_awards_and_keeps_its_own(commune_node: Node) -> None:
    node = commune_node
    before = await node.events()
    for form, extra in (("bang-khen-tp", {}), ("khen-giai-doan-2026-2030", {"year": None, "period": "2026-2030"})):
        refused = await node.propose(form, COMMUNE, ["i-1"], **extra)
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["rule"] == "decided_at_city" and error["message_vi"].startswith("Khen thưởng cấp thành phố")
        assert "city node" in error["message_en"]
    par = await node.http.post("/api/v1/city/par-rankings", headers=node.as_("city_officer", commune="city"),
                               json={"year": 2026, "category": "commune", "ranks": {C: 1}})
    assert par.status_code == 409 and par.json()["error"]["rule"] == "decided_at_city"
    assert await node.events() == before

    # a Bằng khen the city proposed flows back: the commune sees it, and cannot decide it
    await node.city.add(AwardProposed(award_id="bktp2026-x", level="city", year=2026, form="bang-khen-tp",
                                      recipient=LAN, basis=Basis(initiative_ids=("i-2",))))
    assert (await node.registered("bktp2026-x"))["status"] == "proposed"
    before = await node.events()
    city_officer = node.as_("city_officer", commune="city")
    for action, body in (("grant", DECISION), ("reject", {"reason": "Chưa đủ hồ sơ"}),
                         ("revoke", {**DECISION, "reason": "Sai phạm"})):
        response = await node.http.post(f"{BASE}/awards/bktp2026-x/{action}", json=body, headers=city_officer)
        assert response.status_code == 409 and response.json()["error"]["rule"] == "decided_at_city", response.text
    assert await node.events() == before

    giay_khen = await node.propose("giay-khen-xa", LAN.model_dump(), ["i-1"])
    assert giay_khen.status_code == 201, giay_khen.text
    granted = await node.http.post(f"{BASE}/awards/{giay_khen.json()['award_id']}/grant", headers=node.as_(
        "chairman"), json={"decision_number": "125/QĐ-UBND", "decision_date": "2026-11-25", "signer": "Vũ Văn Nam"})
    assert granted.status_code == 200, granted.text


@pytest.mark.service
async def test_the_city_node_proposes_a_bang_khen_on_the_citys_recognition(city_node: Node) -> None:
    node = city_node
    officer = node.as_("city_officer", commune="city")
    ranked = await node.http.post("/api/v1/city/par-rankings", headers=officer,
                                  json={"year": 2026, "category": "commune", "ranks": {C: 2}})
    assert ranked.status_code == 201, ranked.text
    body = {"form": "bang-khen-tp", "recipient": COMMUNE, "year": 2026, "basis": {"initiative_ids": ["i-1"]}}
    before = (await node.http.post(f"{BASE}/awards/eligibility", json=body, headers=node.as_("secretary"))).json()
    assert before["eligible"] is False and [c["met"] for c in before["conditions"]] == [False, True]

    decision_id = await node.city.add(city_decision())
    explained = (await node.http.post(f"{BASE}/awards/eligibility", json=body, headers=node.as_("secretary"))).json()
    assert explained["eligible"] is True and decision_id in explained["conditions"][0]["evidence"]

    proposed = await node.propose("bang-khen-tp", COMMUNE, ["i-1"])
    assert proposed.status_code == 201, proposed.text
    stored = await node.runtime.store.read_at(proposed.json()["stream_sequence"])  # type: ignore[union-attr]
    assert stored.subject == f"{city_prefix_of(node.runtime.settings)}.{C}.award.city-2026.AwardProposed"
    granted = await node.http.post(f"{BASE}/awards/{proposed.json()['award_id']}/grant", json=DECISION,
                                   headers=officer)
    assert granted.status_code == 200, granted.text


@pytest.mark.service
async def test_the_city_node_honours_awards_decided_on_the_commune_node(city_node: Node) -> None:
    node = city_node
    # the commune node granted a Giấy khen on i-2 and claimed it as its basis; the city stream received both
    await node.commune.add(AwardProposed(award_id="gkx2026-z", year=2026, form="giay-khen-xa", recipient=LAN,
                                         basis=Basis(initiative_ids=("i-2",))))
    await node.commune.add(BasisClaimed(initiative_id="i-2", award_id="gkx2026-z", form="giay-khen-xa"))
    before = await node.events()
    again = await node.propose("bang-khen-tp", LAN.model_dump(), ["i-2"])
    assert again.status_code == 422 and again.json()["error"]["rule"] == "one_award_per_achievement", again.text
    assert "gkx2026-z" in again.json()["error"]["message_vi"]
    assert await node.events() == before
    elsewhere = await node.http.post(f"{BASE}/awards/gkx2026-z/grant", headers=node.as_("chairman"), json={
        "decision_number": "125/QĐ-UBND", "decision_date": "2026-11-25", "signer": "Vũ Văn Nam"})
    assert elsewhere.status_code == 409 and elsewhere.json()["error"]["rule"] == "decided_on_its_node"
