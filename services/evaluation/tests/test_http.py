"""The evaluation API with the submission API on one real stream: the council's whole workflow."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from reform_evaluation.bootstrap import build_app as evaluation_app
from reform_evaluation.bootstrap import build_runtime as evaluation_runtime
from reform_evaluation.domain.scoring import scoresheet_id
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events.directory import DirectoryImported, OfficialEntry, UnitEntry, UnitHeadAppointed
from reform_shared.ids import FixedClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_submission.bootstrap import build_app as submission_app
from reform_submission.bootstrap import build_runtime as submission_runtime

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
BASE = "/api/v1/communes/ninh-giang"
CAMPAIGN = {
    "campaign_id": "cchc-2026", "year": 2026, "title": "Sáng kiến CCHC năm 2026", "commune_name": "xã Ninh Giang",
    "fields": ["a", "c", "g"], "submission_opens_at": "2026-09-01T08:00:00+07:00",
    "submission_closes_at": "2026-09-25T17:00:00+07:00", "evaluation_deadline": "2026-09-29",
    "nomination_deadline": "2026-09-30", "max_nominations": 2,
}
MEMBERS = [
    {"user_id": "chu-tich", "name": "Vũ Văn Nam", "role": "chair"},
    {"user_id": "thu-ky", "name": "Phạm Thu Hà", "role": "secretary"},
    {"user_id": "lan", "name": "Nguyễn Thị Lan", "unit_id": "tt-phvhcc"},
    {"user_id": "truong-vhxh", "name": "Đỗ Minh", "unit_id": "vh-xh", "heads_unit": True},
    {"user_id": "hung", "name": "Trần Văn Hùng", "unit_id": "kinh-te"},
]
GOOD = {"novelty": 8, "effectiveness": 8, "replicability": 7, "feasibility": 8, "creativity": 6}
WEAK = {"novelty": 3, "effectiveness": 6, "replicability": 5, "feasibility": 6, "creativity": 4}


def initiative(title: str, unit: str, author: str) -> dict[str, Any]:
    return {"title": title, "unit": {"unit_id": unit, "name": unit}, "field": "c",
            "authors": [{"user_id": author, "name": author}], "summary": "Tóm tắt sáng kiến cải cách hành chính."}


class Council:
    def __init__(self, submission: httpx.AsyncClient, evaluation: httpx.AsyncClient, runtime: ServiceRuntime,
                 clock: FixedClock, token_for: Any) -> None:
        self.submission, self.evaluation, self.runtime, self.clock, self.token_for = (
            submission, evaluation, runtime, clock, token_for)
        self.ids: dict[str, str] = {}

    def as_(self, user: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(list(roles), subject=user)}"}

    async def score(self, member: str, title: str, points: dict[str, float], role: str = "council_member"
                    ) -> httpx.Response:
        return await self.evaluation.put(f"{BASE}/initiatives/{self.ids[title]}/scores/me",
                                         json={"points": points, "comment": "Nhận xét"}, headers=self.as_(member, role))

    async def events(self) -> int:
        assert self.runtime.js is not None
        return (await self.runtime.js.stream_info(self.runtime.settings.stream_name)).state.messages

    async def progress(self, until: Any = None) -> dict[str, Any]:
        for _ in range(750):  # projections apply in the background: up to 15 s under a loaded machine
            body: dict[str, Any] = (await self.evaluation.get(f"{BASE}/campaigns/cchc-2026/progress",
                                                              headers=self.as_("thu-ky", "secretary"))).json()
            if until is None or until(body):
                return body
            await asyncio.sleep(0.02)
        raise AssertionError(body)


@pytest.fixture
async def council(settings: Settings, js, token_for) -> AsyncIterator[Council]:
    clock = FixedClock(dt.datetime(2026, 9, 10, 9, 0, tzinfo=VN))
    sub_rt = submission_runtime(settings.model_copy(update={"service_name": "submission",
                                                            "database": settings.database_name + "_s"}))
    eval_rt = evaluation_runtime(settings.model_copy(update={"service_name": "evaluation",
                                                             "database": settings.database_name + "_e"}))
    sub, ev = submission_app(sub_rt, clock), evaluation_app(eval_rt, clock)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(sub.router.lifespan_context(sub))
        await stack.enter_async_context(ev.router.lifespan_context(ev))
        client = httpx.AsyncClient
        s = await stack.enter_async_context(client(transport=httpx.ASGITransport(app=sub), base_url="http://s"))
        e = await stack.enter_async_context(client(transport=httpx.ASGITransport(app=ev), base_url="http://e"))
        c = Council(s, e, eval_rt, clock, token_for)
        launched = await s.post(f"{BASE}/campaigns", json=CAMPAIGN, headers=c.as_("thu-ky", "secretary"))
        assert launched.status_code == 201
        for title, unit, author in (("Một cửa điện tử", "vh-xh", "an"), ("Zalo OA tra cứu hồ sơ", "tt-phvhcc", "lan"),
                                    ("Sổ tay thủ tục cho thôn", "kinh-te", "binh")):
            created = await s.post(f"{BASE}/campaigns/cchc-2026/initiatives", json=initiative(title, unit, author),
                                   headers=c.as_(author, "submitter"))
            assert created.status_code == 201, created.text
            c.ids[title] = created.json()["id"]
        constituted = await e.post(f"{BASE}/campaigns/cchc-2026/council", headers=c.as_("thu-ky", "secretary"),
                                   json={"decision_number": "210/QĐ-UBND", "decision_date": "2026-09-20",
                                         "members": MEMBERS})
        assert constituted.status_code == 201, constituted.text
        yield c


async def open_scoring(c: Council) -> None:
    c.clock.at = dt.datetime(2026, 9, 26, 8, 0, tzinfo=VN)
    response = await c.evaluation.post(f"{BASE}/campaigns/cchc-2026/council/open-scoring",
                                       headers=c.as_("chu-tich", "council_chair"))
    assert response.status_code == 200, response.text


async def test_scoring_before_it_opens_is_refused_and_appends_nothing(council: Council) -> None:
    before = await council.events()
    response = await council.score("hung", "Một cửa điện tử", GOOD)
    assert response.status_code == 422 and response.json()["error"]["rule"] == "scoring_not_open"
    assert await council.events() == before


async def test_points_out_of_range_are_refused(council: Council) -> None:
    await open_scoring(council)
    before = await council.events()
    response = await council.score("hung", "Một cửa điện tử", {**GOOD, "novelty": 12})
    assert response.status_code == 422
    assert response.json()["error"]["rule"] == "points_in_range" and "novelty=12" in response.json()["error"]["message"]
    assert await council.events() == before


async def test_a_conflicted_member_cannot_score(council: Council) -> None:
    await open_scoring(council)
    for member, title in (("lan", "Zalo OA tra cứu hồ sơ"), ("truong-vhxh", "Một cửa điện tử")):
        response = await council.score(member, title, GOOD)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["rule"] == "conflicted_member_cannot_score"
    declared = await council.evaluation.post(f"{BASE}/initiatives/{council.ids['Một cửa điện tử']}/conflicts",
                                             json={"reason": "Là người thân của tác giả"},
                                             headers=council.as_("hung", "council_member"))
    assert declared.status_code == 200
    assert (await council.score("hung", "Một cửa điện tử", GOOD)).status_code == 403


async def test_scores_are_blind_until_ones_own_is_recorded(council: Council) -> None:
    await open_scoring(council)
    assert (await council.score("hung", "Một cửa điện tử", GOOD)).status_code == 200
    url = f"{BASE}/initiatives/{council.ids['Một cửa điện tử']}/scores"
    for _ in range(500):
        seen = (await council.evaluation.get(url, headers=council.as_("thu-ky", "secretary"))).json()
        if seen["sheets"]:
            break
        await asyncio.sleep(0.02)
    blind = (await council.evaluation.get(url, headers=council.as_("chu-tich", "council_chair"))).json()
    assert blind["blind"] is True and blind["sheets"] == []
    assert (await council.score("chu-tich", "Một cửa điện tử", GOOD, role="council_chair")).status_code == 200
    for _ in range(500):
        open_view = (await council.evaluation.get(url, headers=council.as_("chu-tich", "council_chair"))).json()
        if len(open_view["sheets"]) == 2:
            break
        await asyncio.sleep(0.02)
    assert open_view["blind"] is False and {s["member_id"] for s in open_view["sheets"]} == {"hung", "chu-tich"}


async def test_the_council_concludes_and_the_best_go_to_the_city(council: Council) -> None:
    await open_scoring(council)
    one, two, three = "Một cửa điện tử", "Zalo OA tra cứu hồ sơ", "Sổ tay thủ tục cho thôn"
    assert (await council.score("hung", one, GOOD)).status_code == 200
    chair = council.as_("chu-tich", "council_chair")
    early = await council.evaluation.post(f"{BASE}/initiatives/{council.ids[one]}/finalise", headers=chair)
    assert early.status_code == 422 and early.json()["error"]["rule"] == "finalise_needs_quorum"
    assert "1/4" in early.json()["error"]["message_vi"] and "cần ít nhất 3" in early.json()["error"]["message_vi"]

    for member, role in (("chu-tich", "council_chair"), ("thu-ky", "council_member"), ("lan", "council_member")):
        assert (await council.score(member, one, GOOD, role)).status_code == 200
    for member, role in (("chu-tich", "council_chair"), ("thu-ky", "council_member"), ("hung", "council_member")):
        assert (await council.score(member, two, {**GOOD, "creativity": 9}, role)).status_code == 200
        assert (await council.score(member, three, WEAK, role)).status_code == 200
    assert (await council.score("truong-vhxh", three, WEAK)).status_code == 200  # 5 eligible here: 4 needed
    # every sheet projected: 4 on the first (its 4 eligible), 3 on the second, 4 on the third
    progress = await council.progress(lambda b: sum(r["scored"] for r in b["initiatives"]) == 11)
    assert [r["title"] for r in progress["initiatives"]] == [two, one, three]  # ranked
    assert progress["initiatives"][0]["quorum_reached"] is True
    assert set(progress["normalised_totals"]) == {"chu-tich", "thu-ky", "hung", "lan", "truong-vhxh"}

    outcomes = {}
    for title in (one, two, three):
        response = await council.evaluation.post(f"{BASE}/initiatives/{council.ids[title]}/finalise", headers=chair)
        assert response.status_code == 200, response.text
        outcomes[title] = response.json()["event_type"]
    assert outcomes == {one: "InitiativeRecognized", two: "InitiativeRecognized", three: "InitiativeNotRecognized"}
    late = await council.score("hung", one, GOOD)
    assert late.status_code == 409 and late.json()["error"]["rule"] == "finalised_is_fixed"

    chairman = council.as_("ct-ubnd", "chairman")
    wrong = await council.evaluation.post(f"{BASE}/campaigns/cchc-2026/decision", headers=chairman, json={
        "decision_number": "250/QĐ-UBND", "decision_date": "2026-09-29", "signer": "Vũ Văn Nam",
        "initiative_ids": [council.ids[one], council.ids[three]]})
    assert wrong.status_code == 422 and wrong.json()["error"]["rule"] == "decision_lists_recognised_only"
    signed = await council.evaluation.post(f"{BASE}/campaigns/cchc-2026/decision", headers=chairman, json={
        "decision_number": "250/QĐ-UBND", "decision_date": "2026-09-29", "signer": "Vũ Văn Nam",
        "initiative_ids": [council.ids[one], council.ids[two]]})
    assert signed.status_code == 201, signed.text

    secretary = council.as_("thu-ky", "secretary")
    unrecognised = await council.evaluation.post(f"{BASE}/nominations", json={"initiative_id": council.ids[three]},
                                                 headers=secretary)
    assert unrecognised.status_code == 422 and unrecognised.json()["error"]["rule"] == "nominate_recognised_only"
    for title in (two, one):
        nominated = await council.evaluation.post(f"{BASE}/nominations", headers=secretary, json={
            "initiative_id": council.ids[title], "reason": f"Tiêu biểu: {title}"})
        assert nominated.status_code == 201, nominated.text
    history = await council.runtime.store.load("ninh-giang", "slate", "2026")  # type: ignore[union-attr]
    first = history.events[0].envelope.payload
    assert (first.title, first.decision_number, first.result.scored) == (two, "250/QĐ-UBND", 3)  # type: ignore[attr-defined]
    assert first.reason == f"Tiêu biểu: {two}"  # type: ignore[attr-defined]
    await causes_follow_the_record(council, council.ids[two], history.events[0].envelope)

    withdrawn = await council.evaluation.post(f"{BASE}/nominations/{council.ids[one]}/withdraw",
                                              json={"reason": "Ưu tiên sáng kiến khác"}, headers=secretary)
    assert withdrawn.status_code == 200
    council.clock.at = dt.datetime(2026, 10, 1, 8, 0, tzinfo=VN)
    late = await council.evaluation.post(f"{BASE}/nominations", json={"initiative_id": council.ids[one]},
                                         headers=secretary)
    assert late.status_code == 422 and late.json()["error"]["rule"] == "nomination_deadline"


async def causes_follow_the_record(council: Council, initiative_id: str, nominated: Any) -> None:
    """The conclusion follows the last sheet, the decision the last recognition it lists, the nomination the
    recognition it proposes (issue 17: no causation id left null where an event follows from another)."""
    store: Any = council.runtime.store
    sheets = [e for m in ("chu-tich", "thu-ky", "hung")
              for e in (await store.load("ninh-giang", "scoresheet", scoresheet_id(initiative_id, m))).events]
    recognised = (await store.load("ninh-giang", "evaluation", initiative_id)).events[-1].envelope
    assert recognised.causation_id == max(sheets, key=lambda e: e.stream_seq).envelope.event_id
    assert nominated.causation_id == recognised.event_id
    signed = (await store.load("ninh-giang", "council", "cchc-2026")).events[-1]
    listed = [(await store.load("ninh-giang", "evaluation", i)).events[-1]
              for i in signed.envelope.payload.initiative_ids]
    assert signed.envelope.causation_id == max(listed, key=lambda e: e.stream_seq).envelope.event_id


async def test_membership_changes_after_scoring_opened_need_a_reason(council: Council) -> None:
    await open_scoring(council)
    url = f"{BASE}/campaigns/cchc-2026/council/members"
    secretary = council.as_("thu-ky", "secretary")
    silent = await council.evaluation.put(url, json={"members": MEMBERS[:4]}, headers=secretary)
    assert silent.status_code == 422
    assert silent.json()["error"]["rule"] == "membership_change_after_scoring_needs_reason"
    stated = await council.evaluation.put(url, json={"members": MEMBERS[:4], "reason": "Ông Hùng nghỉ ốm dài ngày"},
                                          headers=council.as_("thu-ky", "secretary"))
    assert stated.status_code == 200
    rubric = await council.evaluation.put(f"{BASE}/campaigns/cchc-2026/council/rubric", headers=council.as_(
        "thu-ky", "secretary"), json={"criteria": [{"code": "novelty", "label": "Tính mới", "weight": 50,
                                                    "max_points": 10}, {"code": "effectiveness", "label": "Hiệu quả",
                                                                         "weight": 50, "max_points": 10}]})
    assert rubric.status_code == 409 and rubric.json()["error"]["rule"] == "rubric_fixed_once_scoring"


async def test_a_member_sees_what_is_left_to_score(council: Council) -> None:
    await open_scoring(council)
    assert (await council.score("lan", "Một cửa điện tử", GOOD)).status_code == 200
    for _ in range(500):  # the projection applies the council and the score in the background: up to 10 s
        answer = await council.evaluation.get(f"{BASE}/campaigns/cchc-2026/my-queue",
                                              headers=council.as_("lan", "council_member"))
        queue = answer.json()
        assert answer.status_code in (200, 404), queue  # 404: the council not projected yet
        if answer.status_code == 200 and queue["scored"]:
            break
        await asyncio.sleep(0.02)
    assert [i["title"] for i in queue["scored"]] == ["Một cửa điện tử"]
    assert [i["title"] for i in queue["to_score"]] == ["Sổ tay thủ tục cho thôn"]
    assert [i["title"] for i in queue["conflicted"]] == ["Zalo OA tra cứu hồ sơ"]


async def test_a_unit_head_is_conflicted_automatically_after_becoming_head_and_not_before(council: Council) -> None:
    """The directory says who heads the author's unit on the day of the scoring: Hùng, appointed head of the
    economic office from 28 September, scores its initiative on the 27th, and may not revise his sheet on the
    28th; Đỗ Minh, typed as head of vh-xh in the council, heads it no more once the directory knows the unit
    and its head is somebody else."""
    store = council.runtime.store
    assert store is not None
    jan, appointed = dt.date(2026, 1, 1), dt.date(2026, 9, 28)
    directory: list[EventPayload] = [
        DirectoryImported(effective=jan, import_id="seed", units=(
            UnitEntry(unit_id="kinh-te", name="Phòng Kinh tế"), UnitEntry(unit_id="vh-xh", name="Phòng VH-XH")),
            officials=(OfficialEntry(official_id="hung", full_name="Trần Văn Hùng", unit_id="kinh-te"),
                       OfficialEntry(official_id="thu", full_name="Hoàng Thu", unit_id="vh-xh"))),
        UnitHeadAppointed(effective=jan, unit_id="vh-xh", official_id="thu"),
        UnitHeadAppointed(effective=appointed, unit_id="kinh-te", official_id="hung"),  # recorded ahead of time
    ]
    history = await store.load("ninh-giang", "directory", "main")
    actor = Actor(user_id="thu-ky", commune_id="ninh-giang", roles=("secretary",))
    await store.append(history, [make_envelope(p, commune_id="ninh-giang", version=n, actor=actor,
                                               occurred_at=council.clock.now(), correlation_id="directory")
                                 for n, p in enumerate(directory, start=1)])
    await open_scoring(council)
    title = "Sổ tay thủ tục cho thôn"  # the economic office's initiative

    async def queue(member: str, until: Any) -> dict[str, Any]:
        for _ in range(750):  # the board copies the directory in the background: wait for it
            body: dict[str, Any] = (await council.evaluation.get(f"{BASE}/campaigns/cchc-2026/my-queue",
                                                                 headers=council.as_(member, "council_member"))).json()
            if "to_score" in body and until(body):
                return body
            await asyncio.sleep(0.02)
        raise AssertionError(body)

    def titles(items: list[dict[str, Any]]) -> list[str]:
        return [i["title"] for i in items]

    council.clock.at = dt.datetime(2026, 9, 27, 9, 0, tzinfo=VN)  # the day before the appointment
    before = await queue("hung", lambda q: title in titles(q["to_score"]))
    assert title not in titles(before["conflicted"])
    assert (await council.score("hung", title, GOOD)).status_code == 200
    minh = await queue("truong-vhxh", lambda q: "Một cửa điện tử" in titles(q["to_score"]))  # the directory wins
    assert "Một cửa điện tử" not in titles(minh["conflicted"])

    council.clock.at = dt.datetime(2026, 9, 28, 9, 0, tzinfo=VN)  # head from today
    after = await queue("hung", lambda q: title in titles(q["conflicted"]))
    assert next(i for i in after["conflicted"] if i["title"] == title)["reason"].startswith("là thủ trưởng đơn vị")
    revised = await council.score("hung", title, WEAK)
    assert revised.status_code == 403, revised.text
    assert revised.json()["error"]["rule"] == "conflicted_member_cannot_score"
    progress = await council.progress()
    row = next(r for r in progress["initiatives"] if r["title"] == title)
    assert row["scored"] == 0 and row["eligible"] == 4  # his sheet does not count: he heads the unit now


async def test_nobody_acts_across_communes(council: Council) -> None:
    await open_scoring(council)
    foreign = {"Authorization": f"Bearer {council.token_for(['council_member'], commune='an-lao', subject='hung')}"}
    response = await council.evaluation.put(f"{BASE}/initiatives/{council.ids['Một cửa điện tử']}/scores/me",
                                            json={"points": GOOD}, headers=foreign)
    assert response.status_code == 403 and response.json()["error"]["rule"] == "same_commune_only"


async def test_the_councils_documents_print_from_the_record(council: Council) -> None:
    import io

    import docx

    def text_of(response: httpx.Response) -> str:
        assert response.status_code == 200, response.text
        document = docx.Document(io.BytesIO(response.content))
        return "\n".join([p.text for p in document.paragraphs] + [
            cell.text for table in document.tables for row in table.rows for cell in row.cells])

    await open_scoring(council)
    one = "Một cửa điện tử"
    for member, role in (("chu-tich", "council_chair"), ("thu-ky", "council_member"), ("hung", "council_member")):
        assert (await council.score(member, one, GOOD, role)).status_code == 200
    chair, secretary = council.as_("chu-tich", "council_chair"), council.as_("thu-ky", "secretary")
    assert (await council.evaluation.post(f"{BASE}/initiatives/{council.ids[one]}/finalise",
                                          headers=chair)).status_code == 200
    await council.progress(lambda b: any(r["outcome"] == "recognised" for r in b["initiatives"]))

    sheet = text_of(await council.evaluation.get(
        f"{BASE}/initiatives/{council.ids[one]}/score-sheets/hung.docx", headers=secretary))
    assert "PHIẾU CHẤM ĐIỂM" in sheet.upper() and "Trần Văn Hùng" in sheet and one in sheet
    minutes = text_of(await council.evaluation.get(f"{BASE}/campaigns/cchc-2026/minutes.docx", headers=secretary))
    assert "BIÊN BẢN" in minutes.upper() and one in minutes and "Công nhận" in minutes
    draft = text_of(await council.evaluation.get(f"{BASE}/campaigns/cchc-2026/decision.docx", headers=secretary))
    assert "DỰ THẢO" in draft and one in draft and "Sổ tay thủ tục cho thôn" not in draft
    signed = await council.evaluation.post(f"{BASE}/campaigns/cchc-2026/decision", headers=council.as_(
        "ct", "chairman"), json={"decision_number": "250/QĐ-UBND", "decision_date": "2026-09-29",
                                 "signer": "Vũ Văn Nam", "initiative_ids": [council.ids[one]]})
    assert signed.status_code == 201
    final = text_of(await council.evaluation.get(f"{BASE}/campaigns/cchc-2026/decision.docx", headers=secretary))
    assert "DỰ THẢO" not in final and "250/QĐ-UBND" in final and "Vũ Văn Nam" in final
