"""The city's PAR Index rankings read back: the one in force per category for a year (service tier)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reform_awards.bootstrap import build_app, build_runtime
from reform_shared.ids import FixedClock
from reform_shared.settings import Settings

pytestmark = pytest.mark.service
RANKINGS = "/api/v1/city/par-rankings"


class Awards:
    def __init__(self, http: httpx.AsyncClient, token_for: Any) -> None:
        self.http, self.token_for = http, token_for

    def as_(self, *roles: str, commune: str = "ninh-giang", user: str = "u") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(list(roles), commune=commune, subject=user)}"}


@pytest.fixture
async def awards(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[Awards]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "awards"}))
    app = build_app(runtime, FixedClock(dt.datetime(2026, 11, 5, 9, 0, tzinfo=dt.UTC)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://a") as http:
        yield Awards(http, token_for)


async def test_the_ranking_in_force_for_a_year_is_read_back_best_first(awards: Awards) -> None:
    officer = awards.as_("city_officer", commune="city", user="tuan")
    none = await awards.http.get(RANKINGS, params={"year": 2026}, headers=officer)
    assert none.status_code == 200 and none.json() == {"year": 2026, "recorded": False, "rankings": []}
    for ranks in ({"ninh-giang": 3, "an-lao": 1}, {"ninh-giang": 2, "an-lao": 1, "tien-lang": 5}):
        posted = await awards.http.post(RANKINGS, headers=officer,
                                        json={"year": 2026, "category": "commune", "ranks": ranks})
        assert posted.status_code == 201, posted.text
    await awards.http.post(RANKINGS, headers=officer, json={"year": 2025, "category": "ward", "ranks": {"p-1": 1}})

    body = (await awards.http.get(RANKINGS, params={"year": 2026}, headers=officer)).json()
    assert body["recorded"] is True and [r["category"] for r in body["rankings"]] == ["commune"]
    commune = body["rankings"][0]
    assert commune["ranks"] == [{"unit_id": "an-lao", "rank": 1}, {"unit_id": "ninh-giang", "rank": 2},
                                {"unit_id": "tien-lang", "rank": 5}]
    assert commune["revisions"] == 2 and commune["event_id"] and commune["recorded_by"]
    assert [r["category"] for r in (await awards.http.get(RANKINGS, params={"year": 2025},
                                                          headers=officer)).json()["rankings"]] == ["ward"]


async def test_only_a_city_officer_reads_the_rankings_and_the_year_is_checked(awards: Awards) -> None:
    refused = await awards.http.get(RANKINGS, params={"year": 2026}, headers=awards.as_("secretary"))
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "role_required"
    officer = awards.as_("city_officer", commune="city")
    assert (await awards.http.get(RANKINGS, params={"year": 1999}, headers=officer)).status_code == 422
    assert (await awards.http.get(RANKINGS, headers=officer)).status_code == 422
