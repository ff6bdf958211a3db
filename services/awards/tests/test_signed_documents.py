"""What an award's signer signs, read as a person reads it: the certificate names the recipient's unit and the
commune (from the directory copy and the campaigns), never their ids; a revocation is a decision of its own."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import docx
import httpx
import pytest

from reform_awards.bootstrap import build_app, build_runtime
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import (
    AuthorRef,
    CampaignAmended,
    CampaignLaunched,
    InitiativeContent,
    InitiativeRecognized,
    InitiativeSubmitted,
    ScoreResult,
    UnitRef,
)
from reform_shared.events.directory import DirectoryImported, OfficialEntry, UnitEntry
from reform_shared.ids import FixedClock
from reform_shared.settings import Settings

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
BASE = "/api/v1/communes/ninh-giang"
UNIT = "Trung tâm Phục vụ hành chính công"
RESULT = ScoreResult(mean_total=78, median_total=78, spread=4, scored=3, eligible=4,
                     criterion_means={"novelty": 8, "effectiveness": 8}, conditions={"novelty": True,
                                                                                     "effectiveness": True})
LAN = {"kind": "individual", "recipient_id": "u-lan", "name": "Nguyễn Thị Lan", "unit_id": "u-a"}
ONE_DOOR = {"kind": "collective", "recipient_id": "u-mot-cua", "name": "Bộ phận Một cửa", "unit_id": "u-mot-cua"}
GRANT = {"decision_number": "125/QĐ-UBND", "decision_date": "2026-11-25", "signer": "Vũ Văn Nam"}
REVOKE = {"reason": "Quyết định ghi sai người nhận", "decision_number": "140/QĐ-UBND",
          "decision_date": "2026-12-10", "signer": "Vũ Văn Nam"}
Headers = Callable[..., dict[str, str]]


async def seed(append: Callable[[EventPayload], Any], at: dt.datetime) -> None:
    await append(DirectoryImported(
        effective=dt.date(2026, 1, 1), import_id="seed",
        units=(UnitEntry(unit_id="u-a", name=UNIT),
               UnitEntry(unit_id="u-mot-cua", name="Bộ phận Một cửa", parent_id="u-a")),
        officials=(OfficialEntry(official_id="u-lan", full_name="Nguyễn Thị Lan", unit_id="u-a"),)))
    terms: dict[str, Any] = {"campaign_id": "cchc-2026", "title": "CCHC 2026", "commune_name": "xã Ninh Gang",
                             "fields": ("c",), "submission_opens_at": at - dt.timedelta(days=60),
                             "submission_closes_at": at}
    await append(CampaignLaunched(year=2026, **terms))
    await append(CampaignAmended(**{**terms, "commune_name": "xã Ninh Giang"}))  # a typo corrected
    for initiative_id, unit in (("i-1", "u-a"), ("i-2", "u-mot-cua")):
        content = InitiativeContent(title=f"Sáng kiến {initiative_id}", unit=UnitRef(unit_id=unit, name=unit),
                                    author_kind="individual", authors=(AuthorRef(user_id="u-lan", name="Lan"),),
                                    field="c", summary="Tóm tắt")
        await append(InitiativeSubmitted(initiative_id=initiative_id, campaign_id="cchc-2026", content=content))
        await append(InitiativeRecognized(initiative_id=initiative_id, campaign_id="cchc-2026", result=RESULT))


@pytest.fixture
async def node(settings: Settings, js, token_for) -> AsyncIterator[tuple[httpx.AsyncClient, Headers]]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "awards"}))
    app = build_app(runtime, FixedClock(dt.datetime(2026, 11, 5, 9, 0, tzinfo=VN)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://a") as http:
        store = runtime.store
        assert store is not None
        at = dt.datetime(2026, 9, 30, tzinfo=VN)
        actor = Actor(user_id="seed", commune_id="ninh-giang", roles=("secretary",))

        async def append(payload: EventPayload) -> None:
            history = await store.load("ninh-giang", payload.aggregate_type, payload.aggregate_id())
            envelope = make_envelope(payload, commune_id="ninh-giang", version=history.version + 1, actor=actor,
                                     occurred_at=at, correlation_id="seed")
            await store.append(history, [envelope])

        await seed(append, at)
        yield http, lambda *roles: {"Authorization": f"Bearer {token_for(list(roles), subject='u')}"}


async def granted(http: httpx.AsyncClient, as_: Headers, recipient: dict[str, Any], initiative: str) -> str:
    proposed = await http.post(f"{BASE}/awards", headers=as_("secretary"), json={
        "form": "giay-khen-xa", "recipient": recipient, "year": 2026, "basis": {"initiative_ids": [initiative]}})
    assert proposed.status_code == 201, proposed.text
    award_id = str(proposed.json()["award_id"])
    answer = await http.post(f"{BASE}/awards/{award_id}/grant", headers=as_("chairman"), json=GRANT)
    assert answer.status_code == 200, answer.text
    await shown(http, as_, award_id, "granted")
    return award_id


async def shown(http: httpx.AsyncClient, as_: Headers, award_id: str, status: str) -> dict[str, Any]:
    for _ in range(750):  # the register is a projection: it applies in the background
        items = (await http.get(f"{BASE}/awards", headers=as_("secretary"))).json()["items"]
        found = [a for a in items if a["award_id"] == award_id and a["status"] == status]
        if found:
            return dict(found[0])
        await asyncio.sleep(0.02)
    raise AssertionError(f"{award_id} never {status}")


async def certificate_text(http: httpx.AsyncClient, as_: Headers, award_id: str) -> list[str]:
    printed = await http.get(f"{BASE}/awards/{award_id}/certificate.docx", headers=as_("secretary"))
    assert printed.status_code == 200, printed.text
    document = docx.Document(io.BytesIO(printed.content))
    return [p.text for p in document.paragraphs] + [
        p.text for table in document.tables for row in table.rows for cell in row.cells for p in cell.paragraphs]


async def test_the_certificate_names_the_unit_and_the_commune_never_their_ids(
        node: tuple[httpx.AsyncClient, Headers]) -> None:
    http, as_ = node
    lan = await certificate_text(http, as_, await granted(http, as_, LAN, "i-1"))
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ NINH GIANG" in lan and "Ninh Giang, ngày 25 tháng 11 năm 2026" in lan
    assert lan[lan.index("Ông/Bà Nguyễn Thị Lan") + 1] == UNIT
    one_door = await certificate_text(http, as_, await granted(http, as_, ONE_DOOR, "i-2"))
    assert one_door[one_door.index("Tập thể Bộ phận Một cửa") + 1] == UNIT  # a collective: its parent unit
    for text in (lan, one_door):
        assert not any(ident in line for line in text for ident in ("u-a", "u-lan", "u-mot-cua", "ninh-giang"))
        assert not any("Ninh Gang" in line for line in text)  # the amended name, not the launched one


async def test_a_revocation_is_a_decision_with_its_number_date_and_signer(
        node: tuple[httpx.AsyncClient, Headers]) -> None:
    http, as_ = node
    award_id = await granted(http, as_, LAN, "i-1")
    revoke = f"{BASE}/awards/{award_id}/revoke"
    bare = await http.post(revoke, headers=as_("chairman"), json={"reason": REVOKE["reason"]})
    assert bare.status_code == 422, bare.text
    missing = {(e["field"], e["rule"]) for e in bare.json()["error"]["errors"]}
    assert missing == {("decision_number", "missing"), ("decision_date", "missing"), ("signer", "missing")}
    early = await http.post(revoke, headers=as_("chairman"), json={**REVOKE, "decision_date": "2026-11-20"})
    assert early.status_code == 422 and early.json()["error"]["rule"] == "revoked_after_granted", early.text
    assert early.json()["error"]["field"] == "decision_date"
    same = await http.post(revoke, headers=as_("chairman"), json={**REVOKE, "decision_number": "125/QĐ-UBND"})
    assert same.status_code == 422 and same.json()["error"]["field"] == "decision_number", same.text
    done = await http.post(revoke, headers=as_("chairman"), json=REVOKE)
    assert done.status_code == 200, done.text
    view = await shown(http, as_, award_id, "revoked")
    assert view["revocation"] == {"decision_number": "140/QĐ-UBND", "decision_date": "2026-12-10",
                                  "signer": "Vũ Văn Nam"}
    assert view["reason"] == REVOKE["reason"] and view["decision_number"] == "125/QĐ-UBND"  # the grant's kept
