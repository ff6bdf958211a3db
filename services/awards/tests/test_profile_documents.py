"""Award certificates carry the names of the commune's profile in force on the decision's date, and a commune
decision is signed only by someone holding office that day: before and after a change of chairman (and of the
commune's level), read from the DOCX as a person reads it."""

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
    CampaignLaunched,
    InitiativeContent,
    InitiativeRecognized,
    InitiativeSubmitted,
    ScoreResult,
    UnitRef,
)
from reform_shared.events.directory import DirectoryImported, OfficialEntry, UnitEntry
from reform_shared.events.profile import CommuneProfileSet, ProfileEntry, SignerAppointed, SignerEntry
from reform_shared.ids import FixedClock
from reform_shared.settings import Settings

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
BASE = "/api/v1/communes/ninh-giang"
RESULT = ScoreResult(mean_total=78, median_total=78, spread=4, scored=3, eligible=4,
                     criterion_means={"novelty": 8, "effectiveness": 8}, conditions={"novelty": True,
                                                                                     "effectiveness": True})
LAN = {"kind": "individual", "recipient_id": "u-lan", "name": "Nguyễn Thị Lan", "unit_id": "u-a"}
HUE, DUC = "Nguyễn Thị Huê", "Phạm Văn Đức"
CHANGE = dt.date(2026, 11, 15)
"""Phạm Văn Đức is chairman from 15/11 (Nguyễn Thị Huê's term ends on 14/11), and the commune a ward."""
Headers = Callable[..., dict[str, str]]


def profile(level: str) -> ProfileEntry:
    return ProfileEntry(name="Ninh Giang", level=level, address="Thôn Đông")  # type: ignore[arg-type]


async def seed(append: Callable[[EventPayload], Any], at: dt.datetime) -> None:
    await append(DirectoryImported(
        effective=dt.date(2026, 1, 1), import_id="seed", units=(UnitEntry(unit_id="u-a", name="Văn phòng"),),
        officials=(OfficialEntry(official_id="u-lan", full_name="Nguyễn Thị Lan", unit_id="u-a"),)))
    await append(CampaignLaunched(year=2026, campaign_id="cchc-2026", title="CCHC 2026", commune_name="xã Cũ",
                                  fields=("c",), submission_opens_at=at - dt.timedelta(days=60),
                                  submission_closes_at=at))
    for initiative_id in ("i-1", "i-2"):
        content = InitiativeContent(title=f"Sáng kiến {initiative_id}", unit=UnitRef(unit_id="u-a", name="VP"),
                                    author_kind="individual", authors=(AuthorRef(user_id="u-lan", name="Lan"),),
                                    field="c", summary="Tóm tắt")
        await append(InitiativeSubmitted(initiative_id=initiative_id, campaign_id="cchc-2026", content=content))
        await append(InitiativeRecognized(initiative_id=initiative_id, campaign_id="cchc-2026", result=RESULT))
    start = dt.date(2026, 1, 1)
    await append(CommuneProfileSet(effective=start, profile=profile("xa")))
    await append(SignerAppointed(effective=start, signer=SignerEntry(signer_id="hue", full_name=HUE)))
    await append(SignerAppointed(effective=CHANGE, signer=SignerEntry(signer_id="duc", full_name=DUC)))
    await append(CommuneProfileSet(effective=CHANGE, profile=profile("phuong")))


@pytest.fixture
async def node(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Headers]]:
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


async def proposed(http: httpx.AsyncClient, as_: Headers, initiative: str) -> str:
    answer = await http.post(f"{BASE}/awards", headers=as_("secretary"), json={
        "form": "giay-khen-xa", "recipient": LAN, "year": 2026, "basis": {"initiative_ids": [initiative]}})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["award_id"])


async def certificate_text(http: httpx.AsyncClient, as_: Headers, award_id: str) -> list[str]:
    for _ in range(750):  # the register is a projection: it applies in the background
        printed = await http.get(f"{BASE}/awards/{award_id}/certificate.docx", headers=as_("secretary"))
        if printed.status_code == 200:
            document = docx.Document(io.BytesIO(printed.content))
            return [p.text for p in document.paragraphs] + [
                p.text for t in document.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
        await asyncio.sleep(0.02)
    raise AssertionError(printed.text)


async def test_certificates_before_and_after_a_change_of_chairman(node: tuple[httpx.AsyncClient, Headers]) -> None:
    http, as_ = node
    before, after = await proposed(http, as_, "i-1"), await proposed(http, as_, "i-2")
    signed = await http.post(f"{BASE}/awards/{before}/grant", headers=as_("chairman"), json={
        "decision_number": "120/QĐ-UBND", "decision_date": "2026-11-10", "signer": HUE})
    assert signed.status_code == 200, signed.text
    late = await http.post(f"{BASE}/awards/{after}/grant", headers=as_("chairman"), json={
        "decision_number": "130/QĐ-UBND", "decision_date": "2026-11-25", "signer": HUE})
    assert late.status_code == 409, late.text  # replaced on 15/11: she signs nothing after
    error = late.json()["error"]
    assert (error["field"], error["rule"]) == ("signer", "signer_in_office") and DUC in error["message_vi"]
    assert (await http.post(f"{BASE}/awards/{after}/grant", headers=as_("chairman"), json={
        "decision_number": "130/QĐ-UBND", "decision_date": "2026-11-25", "signer": "pham van duc"})).status_code == 200

    old = await certificate_text(http, as_, before)
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ NINH GIANG" in old and HUE in old
    new = await certificate_text(http, as_, after)
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG NINH GIANG" in new and DUC in new and HUE not in new
    assert not any("Cũ" in line for line in old + new)  # the profile's name, not the campaign's
