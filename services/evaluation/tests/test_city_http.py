"""The city council's appraisal on real servers: a commune node and the city node on one stream.

The stream holds both subject prefixes, as the city stream does (it sources every commune's events)
and as a commune's stream does for the city's decisions about it: the commune writes under its
prefix, the city under its own, and each side's projections read both.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from reform_evaluation.bootstrap import build_app, build_runtime
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import Nominated, NominationWithdrawn, ScoreResult, build_registry
from reform_shared.ids import FixedClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
COMMUNE = "ninh-giang"
RESULT = ScoreResult(mean_total=78, median_total=78, spread=4, scored=3, eligible=4, criterion_means={},
                     conditions={"novelty": True, "effectiveness": True})
DECISION = {"decision_number": "3120/QĐ-UBND", "decision_date": "2026-12-15", "decided_by": "Chủ tịch UBND thành phố"}


def city_prefix_of(settings: Settings) -> str:
    return "c" + settings.subject_prefix[1:]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The conftest's fresh names, with a stream that holds the commune's and the city's subjects."""
    city = city_prefix_of(settings)
    return settings.model_copy(update={"stream_subjects": [f"{settings.subject_prefix}.>", f"{city}.>"],
                                       "read_prefixes": [settings.subject_prefix, city]})


class Node:
    def __init__(self, http: httpx.AsyncClient, runtime: ServiceRuntime, token_for: Any) -> None:
        self.http, self.runtime, self.token_for = http, runtime, token_for

    def as_(self, user: str, *roles: str, commune: str = "city") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(list(roles), commune=commune, subject=user)}"}

    async def score(self, member: str, initiative: str, effectiveness: float, replicability: float,
                    commune: str = "city") -> httpx.Response:
        return await self.http.put(f"/api/v1/city/appraisals/{COMMUNE}/{initiative}/scores/me",
                                   json={"effectiveness": effectiveness, "replicability": replicability,
                                         "comment": "Đã áp dụng tại 3 thôn"},
                                   headers=self.as_(member, "city_council", commune=commune))

    async def decide(self, initiative: str, **body: Any) -> httpx.Response:
        return await self.http.post(f"/api/v1/city/appraisals/{COMMUNE}/{initiative}/decision",
                                    json={**DECISION, **body}, headers=self.as_("tp-officer", "city_officer"))

    async def nominations(self, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        for _ in range(750):
            body: dict[str, Any] = (await self.http.get("/api/v1/city/nominations", params={"year": 2026},
                                                        headers=self.as_("tp-officer", "city_officer"))).json()
            if until(body):
                return body
            await asyncio.sleep(0.02)
        raise AssertionError(body)


class Federation:
    def __init__(self, city: Node, commune: Node, commune_store: JetStreamEventStore, settings: Settings) -> None:
        self.city, self.commune, self.commune_store, self.settings = city, commune, commune_store, settings

    async def nominate(self, initiative: str, *, withdraw: bool = False) -> None:
        """The commune node's nomination (and withdrawal), as the city stream receives it."""
        actor = Actor(user_id="thu-ky", commune_id=COMMUNE, roles=("secretary",))
        events: list[EventPayload] = [Nominated(
            slate_id="2026", initiative_id=initiative, campaign_id="cchc-2026", year=2026,
            title=f"Sáng kiến {initiative}", summary="Tóm tắt", field="c", result=RESULT, mean_score=78)]
        if withdraw:
            events.append(NominationWithdrawn(slate_id="2026", initiative_id=initiative, reason="Ưu tiên khác"))
        for payload in events:
            history = await self.commune_store.load(COMMUNE, "slate", "2026")
            envelope = make_envelope(payload, commune_id=COMMUNE, version=history.version + 1, actor=actor,
                                     occurred_at=dt.datetime(2026, 9, 29, 9, tzinfo=VN), correlation_id="slate")
            await self.commune_store.append(history, [envelope])

    async def events(self) -> int:
        assert self.city.runtime.js is not None
        return (await self.city.runtime.js.stream_info(self.settings.stream_name)).state.messages


async def _federation(settings: Settings, js: Any, token_for: Any, city_role: str) -> AsyncIterator[Federation]:
    clock = FixedClock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=VN))
    commune_rt = build_runtime(settings.model_copy(update={
        "service_name": "evaluation_commune", "federation_role": "commune",
        "database": settings.database_name + "_commune"}))
    city_rt = build_runtime(settings.model_copy(update={
        "service_name": "evaluation_city", "federation_role": city_role,
        "subject_prefix": city_prefix_of(settings) if city_role == "city" else settings.subject_prefix,
        "database": settings.database_name + "_city"}))
    commune_app, city_app = build_app(commune_rt, clock), build_app(city_rt, clock)
    async with AsyncExitStack() as stack:
        nodes = []
        for app, runtime in ((city_app, city_rt), (commune_app, commune_rt)):
            await stack.enter_async_context(app.router.lifespan_context(app))
            http = await stack.enter_async_context(httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                                     base_url="http://e"))
            nodes.append(Node(http, runtime, token_for))
        store = JetStreamEventStore(js, build_registry(), settings.stream_name, settings.subject_prefix)
        yield Federation(nodes[0], nodes[1], store, settings)


@pytest.fixture
async def fed(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[Federation]:
    async for federation in _federation(settings, js, token_for, "city"):
        yield federation


@pytest.fixture(params=["city", "standalone"])
async def deciding_node(request: Any, settings: Settings, js: Any, token_for: Any) -> AsyncIterator[Federation]:
    """The city node of a federation, or a standalone node (which decides city matters itself)."""
    async for federation in _federation(settings, js, token_for, request.param):
        yield federation


async def test_the_city_council_appraises_a_nomination_and_the_decision_flows_back_to_the_commune(
        fed: Federation) -> None:
    await fed.nominate("i-1")
    await fed.city.nominations(lambda b: b["count"] == 1)
    for member, effectiveness, replicability in (("tp-a", 6, 5), ("tp-b", 8, 7), ("tp-c", 9, 8), ("tp-a", 7, 6)):
        scored = await fed.city.score(member, "i-1", effectiveness, replicability)
        assert scored.status_code == 200, scored.text
    listed = await fed.city.nominations(lambda b: b["items"][0]["appraisals"] == 3
                                        and b["items"][0]["means"]["effectiveness"] == 8.0)
    item = listed["items"][0]
    assert (item["commune_id"], item["title"], item["status"], item["quorum_reached"]) == (
        COMMUNE, "Sáng kiến i-1", "ready_for_decision", True)
    assert item["means"] == {"effectiveness": 8.0, "replicability": 7.0}

    decided = await fed.city.decide("i-1", recognised=True)
    assert decided.status_code == 201, decided.text
    assert (decided.json()["recognised"], decided.json()["appraisals"]) == (True, 3)
    stored = await fed.city.runtime.store.read_at(decided.json()["stream_sequence"])  # type: ignore[union-attr]
    prefix = city_prefix_of(fed.settings)
    assert stored.subject == f"{prefix}.{COMMUNE}.cityappraisal.i-1.CityRecognitionDecided"
    assert stored.envelope.commune_id == COMMUNE and stored.envelope.actor.commune_id == "city"
    # causation: every appraisal follows the commune's Nominated event, the decision the last appraisal
    appraisal = (await fed.city.runtime.store.load(COMMUNE, "cityappraisal", "i-1")).envelopes  # type: ignore[union-attr]
    nominated = (await fed.commune_store.load(COMMUNE, "slate", "2026")).envelopes[0]
    assert [e.causation_id for e in appraisal[:-1]] == [nominated.event_id] * 4
    assert stored.envelope.causation_id == appraisal[-2].event_id

    again = await fed.city.decide("i-1", recognised=False, reason="Xem lại")
    assert again.status_code == 409 and again.json()["error"]["rule"] == "city_decided_once"
    late = await fed.city.score("tp-d", "i-1", 9, 9)
    assert late.status_code == 409 and late.json()["error"]["rule"] == "city_decided_is_fixed"

    # the commune node reads the city's prefix too: its nominations show the city's decision
    secretary = fed.commune.as_("thu-ky", "secretary", commune=COMMUNE)
    for _ in range(750):
        mine = (await fed.commune.http.get(f"/api/v1/communes/{COMMUNE}/nominations", params={"year": 2026},
                                           headers=secretary)).json()
        if mine["items"] and (mine["items"][0]["city"] or {}).get("status") == "recognised":
            break
        await asyncio.sleep(0.02)
    city_state = mine["items"][0]["city"]
    assert city_state["decision"]["decision_number"] == "3120/QĐ-UBND" and city_state["appraisals"] == 3
    detail = (await fed.city.http.get(f"/api/v1/city/appraisals/{COMMUNE}/i-1",
                                      headers=fed.city.as_("tp-b", "city_council"))).json()
    assert [(s["member_id"], s["revision"]) for s in detail["sheets"]] == [("tp-a", 2), ("tp-b", 1), ("tp-c", 1)]


async def test_a_decision_without_a_quorum_is_refused_and_appends_nothing(deciding_node: Federation) -> None:
    node = deciding_node
    await node.nominate("i-2")
    await node.city.nominations(lambda b: b["count"] == 1)
    for member in ("tp-a", "tp-b"):
        assert (await node.city.score(member, "i-2", 8, 8)).status_code == 200
    before = await node.events()
    refused = await node.city.decide("i-2", recognised=True)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["rule"] == "city_decision_needs_quorum" and error["details"] == {"appraisals": 2, "needed": 3}
    assert error["message_vi"].startswith("Chưa đủ túc số") and "quorum" in error["message_en"]
    assert await node.events() == before


async def test_an_initiative_not_nominated_or_withdrawn_is_not_appraised(fed: Federation) -> None:
    before = await fed.events()
    unknown = await fed.city.score("tp-a", "i-unknown", 8, 8)
    assert unknown.status_code == 422, unknown.text
    assert (unknown.json()["error"]["rule"], unknown.json()["error"]["field"]) == (
        "city_appraises_nominated_only", "initiative_id")
    assert await fed.events() == before
    await fed.nominate("i-3", withdraw=True)
    for _ in range(750):  # until the withdrawal is projected
        seen = await fed.city.http.get(f"/api/v1/city/appraisals/{COMMUNE}/i-3",
                                       headers=fed.city.as_("tp-a", "city_council"))
        if seen.status_code == 200 and seen.json()["status"] == "withdrawn":
            break
        await asyncio.sleep(0.02)
    withdrawn = await fed.city.score("tp-a", "i-3", 8, 8)
    assert withdrawn.status_code == 422 and withdrawn.json()["error"]["rule"] == "city_appraises_nominated_only"
    assert "rút đề nghị" in withdrawn.json()["error"]["message_vi"]
    out_of_range = await fed.city.score("tp-a", "i-unknown", 12, 8)
    assert out_of_range.status_code == 422


async def test_a_commune_node_refuses_the_city_routes_with_409(fed: Federation) -> None:
    await fed.nominate("i-4")
    before = await fed.events()
    commune = fed.commune
    responses = [
        await commune.score("tp-a", "i-4", 8, 8),
        await commune.decide("i-4", recognised=True),
        await commune.http.get("/api/v1/city/nominations", params={"year": 2026},
                               headers=commune.as_("tp", "city_officer")),
    ]
    for response in responses:
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert error["rule"] == "decided_at_city"
        assert error["message_vi"].startswith("Quyết định cấp thành phố được thực hiện tại nút thành phố")
        assert "city node" in error["message_en"]
    assert await fed.events() == before


async def test_city_actions_need_a_city_account_with_the_right_role(fed: Federation) -> None:
    await fed.nominate("i-5")
    await fed.city.nominations(lambda b: b["count"] == 1)
    secretary = await fed.city.http.put(f"/api/v1/city/appraisals/{COMMUNE}/i-5/scores/me",
                                        json={"effectiveness": 8, "replicability": 8},
                                        headers=fed.city.as_("thu-ky", "secretary", commune=COMMUNE))
    assert secretary.status_code == 403 and secretary.json()["error"]["rule"] == "role_required"
    communal = await fed.city.score("tp-a", "i-5", 8, 8, commune=COMMUNE)
    assert communal.status_code == 403 and communal.json()["error"]["rule"] == "city_account_only"
    member_decides = await fed.city.http.post(f"/api/v1/city/appraisals/{COMMUNE}/i-5/decision",
                                              json={**DECISION, "recognised": True},
                                              headers=fed.city.as_("tp-a", "city_council"))
    assert member_decides.status_code == 403
    anonymous = await fed.city.http.get("/api/v1/city/nominations", params={"year": 2026})
    assert anonymous.status_code == 401


async def test_each_council_member_reads_whether_his_own_sheet_is_in(fed: Federation) -> None:
    await fed.nominate("i-9")
    await fed.city.nominations(lambda b: b["count"] == 1)
    scored = await fed.city.score("tp-a", "i-9", 7, 6)
    assert scored.status_code == 200, scored.text
    await fed.city.nominations(lambda b: b["items"][0]["appraisals"] == 1)

    def listed_for(member: str, *roles: str) -> Any:
        return fed.city.http.get("/api/v1/city/nominations", params={"year": 2026},
                                 headers=fed.city.as_(member, *roles))

    scorer = (await listed_for("tp-a", "city_council")).json()["items"][0]
    other = (await listed_for("tp-b", "city_council")).json()["items"][0]
    officer = (await listed_for("tp-officer", "city_officer")).json()["items"][0]
    assert (scorer["my_sheet"], other["my_sheet"]) == (True, False)
    assert "my_sheet" not in officer and "sheets" not in other  # the others' sheets stay unnamed
