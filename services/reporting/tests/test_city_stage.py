"""The city's decisions in a commune's reports: the `city_recognised` stage, live and as of a moment,
and the city view's nominations received, city recognitions and city awards per commune."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reform_reporting.bootstrap import build_app, build_runtime
from reform_reporting.domain.pipeline import PIPELINE, service_of, updates
from reform_reporting.domain.summary import STAGES, Period, summarise
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import (
    AuthorRef,
    AwardGranted,
    AwardProposed,
    Basis,
    CampaignLaunched,
    CityAppraisalScored,
    CityRecognitionDecided,
    InitiativeContent,
    InitiativeRecognized,
    InitiativeSubmitted,
    Nominated,
    Recipient,
    ScoreResult,
    UnitRef,
    build_registry,
)
from reform_shared.ids import FixedClock
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

VN = dt.timezone(dt.timedelta(hours=7))
C = "ninh-giang"
RESULT = ScoreResult(mean_total=80, median_total=80, spread=2, scored=3, eligible=3, criterion_means={},
                     conditions={})


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, 0, tzinfo=VN)


def decided(initiative: str, recognised: bool) -> CityRecognitionDecided:
    return CityRecognitionDecided(
        initiative_id=initiative, campaign_id="cchc-2026", year=2026, title=f"Sáng kiến {initiative}",
        recognised=recognised, decision_number="3120/QĐ-UBND", decision_date=dt.date(2026, 12, 10),
        mean_effectiveness=8.0, mean_replicability=7.0 if recognised else 3.0, appraisals=3,
        reason="" if recognised else "Khó nhân rộng", decided_by="Chủ tịch UBND thành phố")


def sheet(initiative: str, member: str) -> CityAppraisalScored:
    return CityAppraisalScored(initiative_id=initiative, campaign_id="cchc-2026", year=2026, member_id=member,
                               effectiveness=8, replicability=7)


# -- the pure fold ---------------------------------------------------------------------------------
def _envelope(payload: EventPayload, when: dt.datetime) -> Any:
    return make_envelope(payload, commune_id=C, version=1, occurred_at=when, correlation_id="c",
                         actor=Actor(user_id="tp.officer", commune_id="city", roles=("city_officer",)))


@pytest.mark.domain
def test_the_citys_appraisal_and_decision_land_on_the_initiatives_document() -> None:
    ((collection, key, fields, entry),) = updates(_envelope(sheet("i1", "tp.a"), at(12, 1)), 70)
    assert (collection, key) == (PIPELINE, f"{C}:i1")
    assert fields == {"city_appraised": True, "last_city_appraised_at": at(12, 1), "city_sheets.tp%2Ea": at(12, 1)}
    assert entry is not None and entry["service"] == "evaluation"
    ((_, _, fields, _),) = updates(_envelope(decided("i1", True), at(12, 10)), 71)
    assert fields["city_recognised"] is True and fields["city_recognised_at"] == at(12, 10)
    assert fields["city_decision"]["decision_number"] == "3120/QĐ-UBND"
    ((_, _, declined, _),) = updates(_envelope(decided("i2", False), at(12, 10)), 72)
    assert declined["city_recognised"] is False and "city_recognised_at" not in declined
    assert declined["city_decision"]["reason"] == "Khó nhân rộng"
    assert service_of("CityRecognitionDecided") == "evaluation"


@pytest.mark.domain
def test_the_funnel_has_a_city_recognised_stage_and_ignores_documents_without_a_submission() -> None:
    assert STAGES.index("city_recognised") == STAGES.index("nominated") + 1
    base = {"campaign_id": "k", "unit_id": "vp", "unit_name": "VP", "field": "c", "submitted_at": at(7, 1),
            "last_submitted_at": at(7, 1), "status": "submitted", "scored": True, "recognised": True}
    pipeline = [{**base, "initiative_id": "a", "nominated": True, "city_recognised": True},
                {**base, "initiative_id": "b", "nominated": True, "city_recognised": False},
                {**base, "initiative_id": "c"},
                {"initiative_id": "d", "city_recognised": True}]  # the city's decision before the submission
    figures = summarise(pipeline, [{"campaign_id": "k", "year": 2026}], [], Period(2026))
    assert {k: figures["total"][k] for k in STAGES} == {
        "submitted": 3, "scored": 3, "recognised": 3, "nominated": 2, "city_recognised": 1, "awarded": 0}
    assert figures["by_unit"][0]["city_recognised"] == 1


# -- on real servers: a commune node reading its own prefix and the city's ---------------------------
def city_prefix_of(settings: Settings) -> str:
    return "c" + settings.subject_prefix[1:]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    city = city_prefix_of(settings)
    return settings.model_copy(update={"stream_subjects": [f"{settings.subject_prefix}.>", f"{city}.>"],
                                       "read_prefixes": [settings.subject_prefix, city],
                                       "federation_role": "commune"})


class Log:
    def __init__(self, store: JetStreamEventStore, actor: Actor) -> None:
        self.store, self.actor = store, actor

    async def add(self, payload: EventPayload, when: dt.datetime, commune: str = C) -> None:
        history = await self.store.load(commune, payload.aggregate_type, payload.aggregate_id())
        envelope = make_envelope(payload, commune_id=commune, version=history.version + 1, occurred_at=when,
                                 actor=self.actor, correlation_id=f"corr-{payload.aggregate_id()}")
        await self.store.append(history, [envelope])


async def two_nodes_story(js: Any, settings: Settings) -> None:
    """Ninh Giang nominates two initiatives; the city recognises one, declines the other, grants a Bằng khen."""
    registry = build_registry()
    commune = Log(JetStreamEventStore(js, registry, settings.stream_name, settings.subject_prefix),
                  Actor(user_id="thu-ky", commune_id=C, roles=("secretary",)))
    city = Log(JetStreamEventStore(js, registry, settings.stream_name, city_prefix_of(settings)),
               Actor(user_id="tp", commune_id="city", roles=("city_officer",)))
    await commune.add(CampaignLaunched(campaign_id="cchc-2026", year=2026, title="CCHC 2026", fields=("c",),
                                       commune_name="xã Ninh Giang", submission_opens_at=at(7, 1),
                                       submission_closes_at=at(9, 25)), at(7, 1))
    for iid in ("i1", "i2", "i3"):
        await commune.add(InitiativeSubmitted(initiative_id=iid, campaign_id="cchc-2026", content=InitiativeContent(
            title=f"Sáng kiến {iid}", unit=UnitRef(unit_id="vp", name="Văn phòng"), author_kind="individual",
            authors=(AuthorRef(user_id="lan", name="Nguyễn Thị Lan"),), field="c", summary="Tóm tắt")), at(8, 1))
        await commune.add(InitiativeRecognized(initiative_id=iid, campaign_id="cchc-2026", result=RESULT), at(9, 28))
    for iid in ("i1", "i2"):
        await commune.add(Nominated(slate_id="2026", initiative_id=iid, campaign_id="cchc-2026", year=2026,
                                    title=f"Sáng kiến {iid}", summary="", field="c"), at(9, 29))
    await commune.add(CampaignLaunched(campaign_id="cchc-2026", year=2026, title="CCHC 2026", fields=("c",),
                                       commune_name="xã An Lão", submission_opens_at=at(7, 1),
                                       submission_closes_at=at(9, 25)), at(7, 1), commune="an-lao")
    for iid in ("i1", "i2"):
        for member in ("tp-a", "tp-b", "tp-c"):
            await city.add(sheet(iid, member), at(11, 20))
    await city.add(decided("i1", True), at(12, 10))
    await city.add(decided("i2", False), at(12, 10))
    collective = Recipient(kind="collective", recipient_id=C, name="UBND xã Ninh Giang")
    await city.add(AwardProposed(award_id="bktp2026-x", level="city", year=2026, form="bang-khen-tp",
                                 recipient=collective, basis=Basis(initiative_ids=("i1",), par_year=2026)), at(12, 12))
    await city.add(AwardGranted(award_id="bktp2026-x", level="city", year=2026, form="bang-khen-tp",
                                recipient=collective, decision_number="400/QĐ-UBND",
                                decision_date=dt.date(2026, 12, 20), signer="Chủ tịch UBND thành phố"), at(12, 20))


@pytest.fixture
async def reports(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[httpx.AsyncClient]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "reporting"}))
    app = build_app(runtime, FixedClock(dt.datetime(2027, 1, 5, 9, 0, tzinfo=VN)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://r",
            headers={"Authorization": f"Bearer {token_for(['secretary'], commune=C)}"}) as http:
        await two_nodes_story(js, settings)
        runner = runtime.runner("pipeline")
        last = (await js.stream_info(settings.stream_name)).state.last_seq
        for _ in range(400):
            if (await runner.status())["last_applied_sequence"] >= last:
                break
            await asyncio.sleep(0.025)
        yield http


@pytest.mark.service
async def test_a_commune_report_shows_the_citys_decisions_live_and_as_of(reports: httpx.AsyncClient,
                                                                         token_for: Any) -> None:
    doc = (await reports.get(f"/api/v1/communes/{C}/initiatives/i1")).json()
    assert doc["city_recognised"] is True and doc["city_decision"]["decision_number"] == "3120/QĐ-UBND"
    assert doc["city_recognised_at"].startswith("2026-12-10")
    assert (await reports.get(f"/api/v1/communes/{C}/initiatives/i2")).json()["city_recognised"] is False

    url = f"/api/v1/communes/{C}/reports/2026"
    live = (await reports.get(url)).json()
    assert {k: live["total"][k] for k in STAGES} == {
        "submitted": 3, "scored": 0, "recognised": 3, "nominated": 2, "city_recognised": 1, "awarded": 1}
    before = (await reports.get(url, params={"as_of": "2026-12-01T00:00:00+07:00"})).json()
    assert before["source"] == "event log replay" and before["total"]["city_recognised"] == 0
    after = (await reports.get(url, params={"as_of": "2026-12-31T00:00:00+07:00"})).json()
    assert after["total"] == live["total"]
    assert (await reports.get(url, params={"as_of": "2026-12-01T00:00:00+07:00"})).json() == before

    trace = (await reports.get(f"/api/v1/communes/{C}/initiatives/i1/trace")).json()
    types = [e["event_type"] for e in trace["events"]]
    assert types[-3:] == ["CityRecognitionDecided", "AwardProposed", "AwardGranted"]
    assert [s["stage"] for s in trace["stages"]][-2:] == ["Thành phố thẩm định", "Thành phố quyết định"]

    city_officer = {"Authorization": f"Bearer {token_for(['city_officer'], commune='city')}"}
    city = (await reports.get("/api/v1/city/2026", headers=city_officer)).json()
    rows = {r["commune_id"]: r for r in city["communes"]}
    assert {k: rows[C][k] for k in ("nominations_received", "city_recognised", "city_awards_proposed",
                                    "city_awards_granted")} == {
        "nominations_received": 2, "city_recognised": 1, "city_awards_proposed": 1, "city_awards_granted": 1}
    assert rows["an-lao"]["nominations_received"] == 0 and city["totals"]["city_recognised"] == 1
    open_data = (await reports.get(f"/api/v1/communes/{C}/open-data/2026")).json()
    # i3 is recognised by the council but no signed decision lists it and it went nowhere: not published
    assert {r["initiative_id"]: r["city_recognised"] for r in open_data} == {"i1": True, "i2": False}
