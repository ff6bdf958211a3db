"""Causation ids on the awards path, on a real stream (issue 17): an award proposal follows the claim of its basis
initiative (made in the same command), a grant follows the proposal it decides — and the audit view shows both."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reform_awards.bootstrap import build_app, build_runtime
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor
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
from reform_shared.ids import FixedClock
from reform_shared.ports import AggregateHistory
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings

pytestmark = pytest.mark.service
VN = dt.timezone(dt.timedelta(hours=7))
BASE = "/api/v1/communes/ninh-giang"
RESULT = ScoreResult(mean_total=78, median_total=78, spread=4, scored=3, eligible=4, criterion_means={},
                     conditions={"novelty": True, "effectiveness": True})


async def seed(runtime: ServiceRuntime) -> None:
    """What the awards service reads: the directory, the campaign, Lan's recognised initiative."""
    actor = Actor(user_id="seed", commune_id="ninh-giang", roles=("secretary",))
    at = dt.datetime(2026, 9, 30, tzinfo=VN)
    content = InitiativeContent(title="Chữ ký số hộ tịch", unit=UnitRef(unit_id="tt", name="Trung tâm PVHCC"),
                                author_kind="individual", authors=(AuthorRef(user_id="lan", name="Nguyễn Thị Lan"),),
                                field="c", summary="Tóm tắt")
    for payload in (
        DirectoryImported(effective=dt.date(2026, 1, 1), import_id="seed", units=(UnitEntry(unit_id="tt", name="tt"),),
                          officials=(OfficialEntry(official_id="lan", full_name="Nguyễn Thị Lan", unit_id="tt"),)),
        CampaignLaunched(campaign_id="cchc-2026", year=2026, title="CCHC 2026", fields=("c",),
                         submission_opens_at=at - dt.timedelta(days=60), submission_closes_at=at),
        InitiativeSubmitted(initiative_id="i-lan", campaign_id="cchc-2026", content=content),
        InitiativeRecognized(initiative_id="i-lan", campaign_id="cchc-2026", result=RESULT),
    ):
        envelope = make_envelope(payload, commune_id="ninh-giang", version=1, actor=actor, occurred_at=at,
                                 correlation_id="seed")
        history = AggregateHistory("ninh-giang", payload.aggregate_type, payload.aggregate_id())
        await runtime.store.append(history, [envelope])


@pytest.fixture
async def awards(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "awards"}))
    app = build_app(runtime, FixedClock(dt.datetime(2026, 11, 5, 9, 0, tzinfo=VN)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://a") as http:
        await seed(runtime)
        yield http, token_for


async def test_a_proposal_follows_its_basis_claim_and_a_grant_its_proposal(awards: tuple[Any, Any]) -> None:
    http, token_for = awards

    def as_(*roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(list(roles))}"}

    proposed = await http.post(f"{BASE}/awards", headers=as_("secretary"), json={
        "form": "giay-khen-xa", "year": 2026, "basis": {"initiative_ids": ["i-lan"]},
        "recipient": {"kind": "individual", "recipient_id": "lan", "name": "Nguyễn Thị Lan", "unit_id": "tt"}})
    assert proposed.status_code == 201, proposed.text
    award_id = proposed.json()["award_id"]
    granted = await http.post(f"{BASE}/awards/{award_id}/grant", headers=as_("chairman"), json={
        "decision_number": "125/QĐ-UBND", "decision_date": "2026-11-25", "signer": "Vũ Văn Nam"})
    assert granted.status_code == 200, granted.text

    audit = (await http.get(f"{BASE}/audit/award/{award_id}", headers=as_("secretary"))).json()
    proposal, grant = audit["events"]
    claim = (await http.get(f"{BASE}/audit/basis/i-lan", headers=as_("operator"))).json()["events"][-1]
    assert claim["what"]["event_type"] == "BasisClaimed" and claim["what"]["facts"]["award_id"] == award_id
    assert proposal["causation_id"] == claim["event_id"], "the proposal follows the claim of its basis"
    assert grant["causation_id"] == proposal["event_id"], "the grant follows the proposal it decides"
    assert grant["who"]["user_id"] == "user-1" and grant["what"]["facts"]["decision_number"] == "125/QĐ-UBND"
