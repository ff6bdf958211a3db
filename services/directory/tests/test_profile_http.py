"""The commune's profile API against a real nats-server and a real Mongo-wire server: set, dated history,
signers' terms, the refusals naming their field and rule, retries answered once."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reform_directory.bootstrap import build_app, build_runtime
from reform_shared.ids import FixedClock
from reform_shared.settings import Settings

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
BASE = "/api/v1/communes/ninh-giang/profile"
PROFILE = {"effective": "2026-01-01", "name": "Ninh Giang", "level": "xa", "address": "Thôn Đông, xã Ninh Giang",
           "secretariat": "Phòng Văn hóa - Xã hội", "decision_suffix": "QĐ-UBND", "letter_suffix": "UBND-VHXH",
           "deadlines": {"submission_deadline": "09-25", "nomination_deadline": "09-30"}}


@pytest.fixture
async def http(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "directory"}))
    app = build_app(runtime, FixedClock(dt.datetime(2026, 8, 1, 9, 0, tzinfo=VN)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://d") as client:
        yield client, token_for


def as_(token_for: Any, *roles: str, commune: str = "ninh-giang") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(list(roles), commune=commune, subject='admin')}"}


async def test_a_profile_and_a_change_of_chairman_are_dated_and_kept(http: tuple[httpx.AsyncClient, Any]) -> None:
    client, token_for = http
    admin = as_(token_for, "administrator") | {"Idempotency-Key": "p-1"}
    first = await client.put(BASE, json=PROFILE, headers=admin)
    assert first.status_code == 200, first.text
    again = await client.put(BASE, json=PROFILE, headers=admin)
    assert again.headers.get("Idempotent-Replayed") == "true"
    hue = {"effective": "2026-01-01", "signer_id": "nguyen-thi-hue", "full_name": "Nguyễn Thị Huê"}
    assert (await client.post(f"{BASE}/signers", json=hue, headers=as_(token_for, "administrator"))).status_code == 201
    vice = {"effective": "2026-01-01", "signer_id": "tran-van-binh", "full_name": "Trần Văn Bình",
            "role": "vice_chairman"}
    assert (await client.post(f"{BASE}/signers", json=vice, headers=as_(token_for, "secretary"))).status_code == 201
    new = {"effective": "2026-07-01", "signer_id": "pham-van-duc", "full_name": "Phạm Văn Đức"}
    assert (await client.post(f"{BASE}/signers", json=new, headers=as_(token_for, "administrator"))).status_code == 201
    renamed = {**PROFILE, "effective": "2026-07-01", "name": "Ninh Giang Mới"}
    assert (await client.put(BASE, json=renamed, headers=as_(token_for, "administrator"))).status_code == 200

    june = (await client.get(BASE, params={"on": "2026-06-30"}, headers=as_(token_for, "submitter"))).json()
    assert june["commune_name"] == "xã Ninh Giang"
    assert [(s["full_name"], s["title"]) for s in june["signers"]] == [("Nguyễn Thị Huê", "Chủ tịch"),
                                                                       ("Trần Văn Bình", "Phó Chủ tịch")]
    july = (await client.get(BASE, headers=as_(token_for, "submitter"))).json()
    assert july["on"] == "2026-08-01" and july["commune_name"] == "xã Ninh Giang Mới"
    assert [s["full_name"] for s in july["signers"]] == ["Phạm Văn Đức", "Trần Văn Bình"]
    hue_term = next(t for t in july["terms"] if t["signer_id"] == "nguyen-thi-hue")
    assert (hue_term["from"], hue_term["to"]) == ("2026-01-01", "2026-06-30")
    assert [h["effective"] for h in july["history"]] == ["2026-01-01", "2026-07-01"]


async def test_refusals_name_the_field_and_the_rule(http: tuple[httpx.AsyncClient, Any]) -> None:
    client, token_for = http
    admin = as_(token_for, "administrator")
    early = await client.post(f"{BASE}/signers", json={"signer_id": "a", "full_name": "A"}, headers=admin)
    assert early.status_code == 409 and early.json()["error"]["rule"] == "profile_first"
    bad = await client.put(BASE, json={**PROFILE, "level": "tinh", "deadlines": {"submission_deadline": "25/09"}},
                           headers=admin)
    assert bad.status_code == 422, bad.text
    error = bad.json()["error"]
    assert error["message_vi"] and error["message_en"] and error["field"] in ("level", "deadlines.submission_deadline")
    submitter = await client.put(BASE, json=PROFILE, headers=as_(token_for, "submitter"))
    assert submitter.status_code == 403
    other = await client.put(BASE, json=PROFILE, headers=as_(token_for, "administrator", commune="an-lao"))
    assert other.status_code == 403
    assert (await client.put(BASE, json=PROFILE, headers=admin)).status_code == 200
    nobody = await client.post(f"{BASE}/signers/nobody/end", json={}, headers=admin)
    assert nobody.status_code == 409 and nobody.json()["error"]["field"] == "signer_id"


async def test_names_longer_than_the_record_keeps_are_refused_naming_their_field(
        http: tuple[httpx.AsyncClient, Any]) -> None:
    """Found by the fuzz tier (a 500): the request took 200 characters where the profile's contract keeps 120."""
    client, token_for = http
    long = "0" * 121
    for path, body, field in (
            (BASE, {**PROFILE, "secretariat": long}, "secretariat"),
            (BASE, {**PROFILE, "name": long}, "name"),
            (f"{BASE}/signers", {"effective": "2026-01-01", "signer_id": "nguyen-thi-hue",
                                 "full_name": "Nguyễn Thị Huê", "title": long}, "title")):
        method = client.put if path == BASE else client.post
        refused = await method(path, json=body, headers=as_(token_for, "administrator"))
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["field"].endswith(field), refused.json()
