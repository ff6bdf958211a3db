"""The awards API against a real stream holding the submission and evaluation events it reads."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reform_awards.bootstrap import build_app, build_runtime
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import (
    AuthorRef,
    CampaignLaunched,
    InitiativeContent,
    InitiativeRecognized,
    InitiativeSubmitted,
    ScoreResult,
    UnitRef,
)
from reform_shared.events.directory import DirectoryImported, OfficialEntry, OfficialLeft, UnitEntry
from reform_shared.ids import FixedClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_shared.store import AggregateHistory

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
BASE = "/api/v1/communes/ninh-giang"
RESULT = ScoreResult(mean_total=78, median_total=78, spread=4, scored=3, eligible=4,
                     criterion_means={"novelty": 8, "effectiveness": 8, "replicability": 7},
                     conditions={"novelty": True, "effectiveness": True})
AUTHORS = {"i-lan": ("lan", "Nguyễn Thị Lan", "tt-phvhcc"), "i-hung": ("hung", "Trần Văn Hùng", "vp"),
           "i-minh": ("minh", "Đỗ Minh", "kinh-te")}


class Awards:
    def __init__(self, http: httpx.AsyncClient, runtime: ServiceRuntime, clock: FixedClock, token_for: Any) -> None:
        self.http, self.runtime, self.clock, self.token_for = http, runtime, clock, token_for

    def as_(self, *roles: str, commune: str = "ninh-giang", user: str = "u") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(list(roles), commune=commune, subject=user)}"}

    async def propose(self, form: str, recipient: dict[str, Any], initiatives: list[str], **extra: Any
                      ) -> httpx.Response:
        body = {"form": form, "recipient": recipient, "year": 2026, "basis": {"initiative_ids": initiatives}, **extra}
        return await self.http.post(f"{BASE}/awards", json=body, headers=self.as_("secretary"))

    async def events(self) -> int:
        assert self.runtime.js is not None
        return (await self.runtime.js.stream_info(self.runtime.settings.stream_name)).state.messages


def individual(initiative: str) -> dict[str, Any]:
    user, name, unit = AUTHORS[initiative]
    return {"kind": "individual", "recipient_id": user, "name": name, "unit_id": unit}


def directory() -> DirectoryImported:
    """The commune's directory: the authors in their units from 1 January."""
    jan = dt.date(2026, 1, 1)
    return DirectoryImported(
        effective=jan, import_id="seed", units=tuple(UnitEntry(unit_id=u, name=u) for _, _, u in AUTHORS.values()),
        officials=tuple(OfficialEntry(official_id=user, full_name=name, unit_id=unit)
                        for user, name, unit in AUTHORS.values()))


async def seed(runtime: ServiceRuntime) -> None:
    """The submission and evaluation services' events the awards service reads."""
    store = runtime.store
    assert store is not None
    actor = Actor(user_id="seed", commune_id="ninh-giang", roles=("secretary",))
    at = dt.datetime(2026, 9, 30, tzinfo=VN)

    async def append(payload: EventPayload) -> None:
        envelope = make_envelope(payload, commune_id="ninh-giang", version=1, actor=actor, occurred_at=at,
                                 correlation_id="seed")
        await store.append(AggregateHistory("ninh-giang", payload.aggregate_type, payload.aggregate_id()), [envelope])

    await append(directory())
    await append(CampaignLaunched(campaign_id="cchc-2026", year=2026, title="CCHC 2026", fields=("c",),
                                  submission_opens_at=at - dt.timedelta(days=60), submission_closes_at=at))
    for initiative_id, (user, name, unit) in AUTHORS.items():
        content = InitiativeContent(title=f"Sáng kiến của {name}", unit=UnitRef(unit_id=unit, name=unit),
                                    author_kind="individual", authors=(AuthorRef(user_id=user, name=name),),
                                    field="c", summary="Tóm tắt")
        await append(InitiativeSubmitted(initiative_id=initiative_id, campaign_id="cchc-2026", content=content))
        await append(InitiativeRecognized(initiative_id=initiative_id, campaign_id="cchc-2026", result=RESULT))


@pytest.fixture
async def awards(settings: Settings, js, token_for) -> AsyncIterator[Awards]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "awards"}))
    clock = FixedClock(dt.datetime(2026, 11, 5, 9, 0, tzinfo=VN))
    app = build_app(runtime, clock)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://a") as http:
        await seed(runtime)
        yield Awards(http, runtime, clock, token_for)


async def test_a_recognised_author_is_proposed_granted_and_registered(awards: Awards) -> None:
    proposed = await awards.propose("giay-khen-xa", individual("i-lan"), ["i-lan"])
    assert proposed.status_code == 201, proposed.text
    award_id = proposed.json()["award_id"]
    assert proposed.json()["eligibility"][0]["met"] is True
    granted = await awards.http.post(f"{BASE}/awards/{award_id}/grant", headers=awards.as_("chairman"), json={
        "decision_number": "125/QĐ-UBND", "decision_date": "2026-11-25", "signer": "Vũ Văn Nam"})
    assert granted.status_code == 200, granted.text
    for _ in range(750):
        register = (await awards.http.get(f"{BASE}/awards", params={"year": 2026},
                                          headers=awards.as_("secretary"))).json()
        if register["count"] and register["items"][0]["status"] == "granted":
            break
        await asyncio.sleep(0.02)
    assert register["items"][0]["decision_number"] == "125/QĐ-UBND"

    import csv
    import io

    import docx
    import openpyxl

    exported = await awards.http.get(f"{BASE}/awards", params={"year": 2026, "format": "csv"},
                                     headers=awards.as_("secretary"))
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert any("Nguyễn Thị Lan" in cell for cell in rows[1])
    workbook = openpyxl.load_workbook(io.BytesIO((await awards.http.get(
        f"{BASE}/awards", params={"format": "xlsx"}, headers=awards.as_("secretary"))).content))
    assert any(cell.value == "Nguyễn Thị Lan" for row in workbook.active.iter_rows() for cell in row)
    printed = await awards.http.get(f"{BASE}/awards/{award_id}/certificate.docx", headers=awards.as_("secretary"))
    assert printed.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(printed.content)).paragraphs)
    assert "GIẤY KHEN" in text and "Nguyễn Thị Lan" in text


async def test_the_city_quota_holds_under_concurrent_proposals(awards: Awards) -> None:
    responses = await asyncio.gather(*[
        awards.propose("bang-khen-tp", individual(i), [i]) for i in ("i-lan", "i-hung", "i-minh")])
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 422, 422], [r.text for r in responses]
    refused = [r.json()["error"] for r in responses if r.status_code == 422]
    assert {e["rule"] for e in refused} == {"city_quota"}
    winner = next(r.json()["award_id"] for r in responses if r.status_code == 201)
    history = await awards.runtime.store.load("ninh-giang", "award", "city-2026")  # type: ignore[union-attr]
    proposals = [e for e in history.events if e.envelope.event_type == "AwardProposed"]
    assert [p.envelope.payload.award_id for p in proposals] == [winner]  # type: ignore[attr-defined]


async def test_a_collective_city_award_needs_a_top_par_rank_entered_by_the_city(awards: Awards) -> None:
    commune = {"kind": "collective", "recipient_id": "ninh-giang", "name": "UBND xã Ninh Giang"}
    explain = await awards.http.post(f"{BASE}/awards/eligibility", headers=awards.as_("secretary"), json={
        "form": "bang-khen-tp", "recipient": commune, "year": 2026, "basis": {"initiative_ids": ["i-minh"]}})
    assert explain.json()["eligible"] is False and explain.json()["conditions"][1]["met"] is False
    assert explain.json()["conditions"][1]["why"] == "Chưa đạt: chưa có xếp hạng Chỉ số CCHC của năm này cho đơn vị"
    ranked = await awards.http.post("/api/v1/city/par-rankings", headers=awards.as_("city_officer", commune="city"),
                                    json={"year": 2026, "category": "commune", "ranks": {"ninh-giang": 3}})
    assert ranked.status_code == 201, ranked.text
    proposed = await awards.propose("bang-khen-tp", commune, ["i-minh"])
    assert proposed.status_code == 201, proposed.text
    assert await awards.http.post("/api/v1/city/par-rankings", headers=awards.as_("secretary"), json={
        "year": 2026, "category": "commune", "ranks": {"ninh-giang": 1}}) is not None


async def test_one_achievement_grounds_one_award_across_forms(awards: Awards) -> None:
    assert (await awards.propose("giay-khen-xa", individual("i-lan"), ["i-lan"])).status_code == 201
    before = await awards.events()
    again = await awards.propose("bang-khen-tp", individual("i-lan"), ["i-lan"])
    assert again.status_code == 422 and again.json()["error"]["rule"] == "one_award_per_achievement"
    assert "Nguyễn Thị Lan" in again.json()["error"]["message_vi"]
    assert await awards.events() == before


async def test_late_unknown_and_undecided_are_refused(awards: Awards) -> None:
    stranger = {"kind": "individual", "recipient_id": "nobody", "name": "Không rõ"}
    unknown = await awards.propose("khen-dot-xuat", stranger, [], basis={"achievements": [
        {"kind": "responsibility", "description": "Trực đêm hỗ trợ người dân"}]})
    assert unknown.status_code == 422 and unknown.json()["error"]["rule"] == "recipient_in_directory"
    assert unknown.json()["error"]["field"] == "recipient.recipient_id"
    awards.clock.at = dt.datetime(2026, 11, 21, 9, 0, tzinfo=VN)
    late = await awards.propose("giay-khen-xa", individual("i-lan"), ["i-lan"])
    assert late.status_code == 422 and late.json()["error"]["rule"] == "dossier_deadline"
    adhoc = await awards.propose("khen-dot-xuat", individual("i-lan"), ["i-lan"])
    assert adhoc.status_code == 201
    for _ in range(750):
        if (await awards.http.get(f"{BASE}/awards", headers=awards.as_("secretary"))).json()["count"]:
            break
        await asyncio.sleep(0.02)
    unsigned = await awards.http.get(f"{BASE}/awards/{adhoc.json()['award_id']}/certificate.docx",
                                     headers=awards.as_("secretary"))
    assert unsigned.status_code == 409 and unsigned.json()["error"]["rule"] == "certificate_needs_grant"
    no_number = await awards.http.post(f"{BASE}/awards/{adhoc.json()['award_id']}/grant",
                                       headers=awards.as_("chairman"),
                                       json={"decision_date": "2026-11-25", "signer": "Vũ Văn Nam"})
    assert no_number.status_code == 422 and no_number.json()["error"]["field"] == "decision_number"


async def test_the_city_decides_city_awards_and_the_commune_chairman_cannot(awards: Awards) -> None:
    proposed = await awards.propose("bang-khen-tp", individual("i-hung"), ["i-hung"])
    award_id = proposed.json()["award_id"]
    decision = {"decision_number": "3001/QĐ-UBND", "decision_date": "2027-03-25", "signer": "Chủ tịch UBND TP"}
    commune_chair = await awards.http.post(f"{BASE}/awards/{award_id}/grant", json=decision,
                                           headers=awards.as_("chairman"))
    assert commune_chair.status_code == 403
    city = await awards.http.post(f"{BASE}/awards/{award_id}/grant", json=decision,
                                  headers=awards.as_("city_officer", commune="city"))
    assert city.status_code == 200, city.text
    for _ in range(750):
        listed = (await awards.http.get("/api/v1/city/home-affairs", params={"year": 2026},
                                        headers=awards.as_("city_officer", commune="city"))).json()
        if listed["communes"] and listed["communes"][0]["proposals"][0]["status"] == "granted":
            break
        await asyncio.sleep(0.02)
    assert listed["communes"][0]["commune_id"] == "ninh-giang"
    assert listed["communes"][0]["proposals"][0]["basis"]["initiative_ids"] == ["i-hung"]


async def test_a_commune_cannot_read_or_propose_for_another(awards: Awards) -> None:
    foreign = awards.as_("secretary", commune="an-lao")
    assert (await awards.http.get(f"{BASE}/awards", headers=foreign)).status_code == 403
    body = {"form": "giay-khen-xa", "recipient": individual("i-lan"), "year": 2026}
    assert (await awards.http.post(f"{BASE}/awards", json=body, headers=foreign)).status_code == 403


async def test_a_recipient_must_be_in_the_directory_on_the_proposal_date(awards: Awards) -> None:
    """Not in it: refused, nothing appended; one who left before the proposal date: refused; one in it (or a
    unit of it) on that date: accepted."""
    before = await awards.events()
    stranger = await awards.propose("giay-khen-xa", {"kind": "individual", "recipient_id": "nobody",
                                                     "name": "Không rõ"}, ["i-lan"])
    assert stranger.status_code == 422, stranger.text
    error = stranger.json()["error"]
    assert (error["field"], error["rule"]) == ("recipient.recipient_id", "recipient_in_directory")
    assert "danh bạ" in error["message_vi"] and "directory" in error["message_en"]
    unit = await awards.propose("giay-khen-xa", {"kind": "collective", "recipient_id": "phong-khong-co",
                                                 "name": "Phòng không có"}, ["i-lan"])
    assert unit.status_code == 422 and unit.json()["error"]["rule"] == "recipient_in_directory"
    assert await awards.events() == before

    store = awards.runtime.store
    assert store is not None
    history = await store.load("ninh-giang", "directory", "main")
    left = OfficialLeft(effective=dt.date(2026, 10, 31), official_id="hung", reason="Chuyển công tác")
    await store.append(history, [make_envelope(left, commune_id="ninh-giang", version=history.version + 1,
                                               actor=Actor(user_id="seed", commune_id="ninh-giang"),
                                               occurred_at=awards.clock.now(), correlation_id="seed")])
    db = awards.runtime.db
    assert db is not None
    for _ in range(750):  # the service's copy of the directory holds the departure (not only the record)
        doc = await db["directory_views"].find_one({"_id": "ninh-giang"})
        if doc and any(f["k"] == "left" for f in doc["facts"]):
            break
        await asyncio.sleep(0.02)
    gone = await awards.propose("giay-khen-xa", individual("i-hung"), ["i-hung"])
    assert gone.status_code == 422 and gone.json()["error"]["details"]["reason"] == "left", gone.text
    assert (await awards.propose("giay-khen-xa", individual("i-minh"), ["i-minh"])).status_code == 201
    centre = {"kind": "collective", "recipient_id": "tt-phvhcc", "name": "Trung tâm PVHCC"}
    assert (await awards.propose("giay-khen-xa", centre, ["i-lan"])).status_code == 201
