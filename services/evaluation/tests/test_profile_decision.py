"""The recognition decision carries the commune's profile in force on its date — name, number suffix, who
signs and under which heading — and is refused to a signer not in office that day: before and after a change
of chairman, read from the DOCX as a person reads it."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import unicodedata
from collections.abc import AsyncIterator
from typing import Any

import docx
import httpx
import pytest

from reform_evaluation.bootstrap import build_app, build_runtime
from reform_evaluation.domain.rubric import DEFAULT_RUBRIC
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import (
    AuthorRef,
    CampaignLaunched,
    CouncilConstituted,
    CouncilMember,
    InitiativeContent,
    InitiativeRecognized,
    InitiativeSubmitted,
    ScoreResult,
    UnitRef,
)
from reform_shared.events.profile import CommuneProfileSet, ProfileEntry, SignerAppointed, SignerEntry
from reform_shared.ids import FixedClock
from reform_shared.settings import Settings

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
BASE = "/api/v1/communes/ninh-giang/campaigns/cchc-2026"
HUE, DUC, BINH = "Nguyễn Thị Huê", "Phạm Văn Đức", "Trần Văn Bình"
RESULT = ScoreResult(mean_total=78, median_total=78, spread=4, scored=3, eligible=4,
                     criterion_means={"novelty": 8, "effectiveness": 8}, conditions={"novelty": True,
                                                                                     "effectiveness": True})


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def text_of(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    return [p.text for p in document.paragraphs] + [
        p.text for t in document.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]


async def seed(append: Any, at: dt.datetime) -> None:
    await append(CampaignLaunched(campaign_id="cchc-2026", year=2026, title="CCHC 2026", commune_name="xã Cũ",
                                  fields=("c",), submission_opens_at=at, submission_closes_at=at))
    await append(CouncilConstituted(
        campaign_id="cchc-2026", decision_number="210/QĐ-UBND", decision_date=dt.date(2026, 9, 20),
        members=(CouncilMember(user_id="chu-tich", name="Vũ Văn Nam", role="chair"),), rubric=DEFAULT_RUBRIC))
    content = InitiativeContent(title="Một cửa số", unit=UnitRef(unit_id="u-a", name="Văn phòng"),
                                author_kind="individual", authors=(AuthorRef(user_id="lan", name="Lan"),),
                                field="c", summary="Tóm tắt")
    await append(InitiativeSubmitted(initiative_id="i-1", campaign_id="cchc-2026", content=content))
    await append(InitiativeRecognized(initiative_id="i-1", campaign_id="cchc-2026", result=RESULT))
    start = dt.date(2026, 1, 1)
    await append(CommuneProfileSet(effective=start, profile=ProfileEntry(name="Ninh Giang", decision_suffix="QĐ-CT")))
    await append(SignerAppointed(effective=start, signer=SignerEntry(signer_id="hue", full_name=HUE)))
    await append(SignerAppointed(effective=start, signer=SignerEntry(signer_id="binh", full_name=BINH,
                                                                     role="vice_chairman")))
    await append(SignerAppointed(effective=dt.date(2026, 10, 1), signer=SignerEntry(signer_id="duc", full_name=DUC)))


@pytest.fixture
async def evaluation(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "evaluation"}))
    app = build_app(runtime, FixedClock(dt.datetime(2026, 9, 26, 9, 0, tzinfo=VN)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://e") as http:
        store = runtime.store
        assert store is not None
        at = dt.datetime(2026, 9, 5, 8, 0, tzinfo=VN)
        actor = Actor(user_id="seed", commune_id="ninh-giang", roles=("secretary",))

        async def append(payload: EventPayload) -> None:
            history = await store.load("ninh-giang", payload.aggregate_type, payload.aggregate_id())
            envelope = make_envelope(payload, commune_id="ninh-giang", version=history.version + 1, actor=actor,
                                     occurred_at=at, correlation_id="seed")
            await store.append(history, [envelope])

        await seed(append, at)
        yield http, lambda *roles: {"Authorization": f"Bearer {token_for(list(roles), subject='u')}"}


async def decision_text(http: httpx.AsyncClient, as_: Any, check: Any) -> list[str]:
    for _ in range(750):  # the council's board is a projection: it applies in the background
        answer = await http.get(f"{BASE}/decision.docx", headers=as_("secretary"))
        if answer.status_code == 200 and check(text := text_of(answer.content)):
            return text
        await asyncio.sleep(0.02)
    raise AssertionError(answer.text)


async def test_the_decision_before_and_after_a_change_of_chairman(
        evaluation: tuple[httpx.AsyncClient, Any]) -> None:
    http, as_ = evaluation
    draft = await decision_text(http, as_, lambda text: "Một cửa số" in text)
    assert nfc("ỦY BAN NHÂN DÂN XÃ NINH GIANG") in draft and "CHỦ TỊCH" in draft and HUE in draft  # in office today
    sign = {"decision_number": "215", "decision_date": "2026-10-05", "initiative_ids": ["i-1"]}
    refused = await http.post(f"{BASE}/decision", headers=as_("chairman"), json={**sign, "signer": HUE})
    assert refused.status_code == 409, refused.text  # replaced on 1 October: she signs nothing after
    error = refused.json()["error"]
    assert (error["field"], error["rule"]) == ("signer", "signer_in_office")
    assert DUC in error["message_vi"] and BINH in error["message_vi"] and error["message_en"]
    signed = await http.post(f"{BASE}/decision", headers=as_("chairman"), json={**sign, "signer": "tran van binh"})
    assert signed.status_code == 201, signed.text
    final = await decision_text(http, as_, lambda text: "DỰ THẢO" not in text)
    assert ["KT. CHỦ TỊCH", nfc("PHÓ CHỦ TỊCH"), BINH] == [line for line in final
                                                           if line in ("KT. CHỦ TỊCH", nfc("PHÓ CHỦ TỊCH"), BINH)]
    assert "Số: 215/QĐ-CT" in final and HUE not in final
    assert not any("Cũ" in line for line in final)  # the profile's name, not the campaign's
