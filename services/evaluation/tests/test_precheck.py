"""The conflict pre-check of the council set-up (issue 21), on the real stream: each kind of conflict named from
the directory and the dossiers, and the secretary's keep/exclude decision, recorded with its reason."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from test_http import BASE, GOOD, VN, Council, initiative, open_scoring

from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events.directory import DirectoryImported, OfficialEntry, UnitEntry, UnitHeadAppointed

pytestmark = pytest.mark.service

PROPOSED = [{"user_id": u, "name": u} for u in ("lan", "truong-vhxh", "cu", "thu-ky", "hung")]


async def record_directory(c: Council) -> None:
    jan, appointed = dt.date(2026, 1, 1), dt.date(2026, 9, 12)
    people = {"an": "vh-xh", "thu-ky": "vh-xh", "truong-vhxh": "vh-xh", "lan": "tt-phvhcc", "binh": "kinh-te",
              "hung": "kinh-te", "cu": "kinh-te"}
    directory: list[EventPayload] = [
        DirectoryImported(effective=jan, import_id="seed", units=tuple(
            UnitEntry(unit_id=u, name=u) for u in ("vh-xh", "tt-phvhcc", "kinh-te")),
            officials=tuple(OfficialEntry(official_id=o, full_name=o, unit_id=u) for o, u in people.items())),
        UnitHeadAppointed(effective=jan, unit_id="vh-xh", official_id="truong-vhxh"),
        UnitHeadAppointed(effective=jan, unit_id="kinh-te", official_id="cu"),
        UnitHeadAppointed(effective=appointed, unit_id="kinh-te", official_id="hung"),  # after the dossiers
    ]
    store = c.runtime.store
    assert store is not None
    history = await store.load("ninh-giang", "directory", "main")
    actor = Actor(user_id="thu-ky", commune_id="ninh-giang", roles=("secretary",))
    await store.append(history, [make_envelope(p, commune_id="ninh-giang", version=n, actor=actor,
                                               occurred_at=c.clock.now(), correlation_id="directory")
                                 for n, p in enumerate(directory, start=1)])


async def precheck(c: Council, until: Any) -> dict[str, Any]:
    for _ in range(750):  # the board copies the directory and the dossiers in the background
        response = await c.evaluation.post(f"{BASE}/campaigns/cchc-2026/council/precheck",
                                           json={"members": PROPOSED}, headers=c.as_("thu-ky", "secretary"))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if until(body):
            return body
        await asyncio.sleep(0.02)
    raise AssertionError(body)


def kinds(body: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    return {(f["member_id"], f["title"]): f["kinds"] for f in body["findings"]}


async def test_the_precheck_names_each_kind_of_conflict_and_records_the_secretarys_decision(council: Council
                                                                                           ) -> None:
    shared = {**initiative("Liên thông hồ sơ đất đai", "kinh-te", "binh"),
              "authors": [{"user_id": "binh", "name": "binh"}, {"user_id": "lan", "name": "lan"}]}
    created = await council.submission.post(f"{BASE}/campaigns/cchc-2026/initiatives", json=shared,
                                            headers=council.as_("binh", "submitter"))
    assert created.status_code == 201, created.text
    council.ids["Liên thông hồ sơ đất đai"] = created.json()["id"]
    await record_directory(council)
    council.clock.at = dt.datetime(2026, 9, 20, 9, 0, tzinfo=VN)
    # the board copies the directory's events one by one: wait for the last (the appointment of 12/9) too
    body = await precheck(council, lambda b: len(b["findings"]) == 8 and b["checked"] == 4
                          and "headed_unit_then" in kinds(b).get(("cu", "Sổ tay thủ tục cho thôn"), []))
    found = kinds(body)
    assert found[("lan", "Zalo OA tra cứu hồ sơ")] == ["author"]
    assert found[("lan", "Liên thông hồ sơ đất đai")] == ["co_author"]
    assert found[("truong-vhxh", "Một cửa điện tử")] == ["heads_unit_now", "shares_unit"]
    assert found[("hung", "Sổ tay thủ tục cho thôn")] == ["heads_unit_now", "shares_unit"]
    assert found[("cu", "Sổ tay thủ tục cho thôn")] == ["headed_unit_then", "shares_unit"]
    assert found[("thu-ky", "Một cửa điện tử")] == ["shares_unit"]
    reasons = {r for f in body["findings"] for r in f["reasons"]}
    assert "cùng đơn vị với tác giả (shares a unit with an author)" in reasons

    url = f"{BASE}/initiatives/{council.ids['Một cửa điện tử']}/precheck-decisions"
    secretary = council.as_("thu-ky", "secretary")
    bare = await council.evaluation.post(url, headers=secretary, json={
        "member_id": "thu-ky", "decision": "exclude", "reason": ""})
    assert bare.status_code == 422
    decided = await council.evaluation.post(url, headers=secretary, json={
        "member_id": "thu-ky", "member_name": "Phạm Thu Hà", "kinds": ["shares_unit"], "decision": "exclude",
        "reason": "cùng tổ công tác với tác giả"})
    assert decided.status_code == 200, decided.text
    after = await precheck(council, lambda b: any(f["decision"] for f in b["findings"]))
    row = next(f for f in after["findings"] if (f["member_id"], f["title"]) == ("thu-ky", "Một cửa điện tử"))
    assert (row["decision"], row["decision_reason"]) == ("exclude", "cùng tổ công tác với tác giả")

    await open_scoring(council)
    refused = await council.score("thu-ky", "Một cửa điện tử", GOOD)
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "conflicted_member_cannot_score"
    assert "cùng tổ công tác với tác giả" in refused.json()["error"]["message"]
