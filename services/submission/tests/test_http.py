"""The submission API against real NATS and a real Mongo-wire server: rules and bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from support import ONE_PAGE_PDF, pdf_of_size

from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events.directory import (
    DirectoryImported,
    OfficialEntry,
    OfficialLeft,
    UnitClosed,
    UnitEntry,
)
from reform_shared.ids import FixedClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_submission.bootstrap import build_app, build_runtime

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
OPENS = dt.datetime(2026, 9, 1, 8, 0, tzinfo=VN)
CLOSES = dt.datetime(2026, 9, 25, 17, 0, tzinfo=VN)
BASE = "/api/v1/communes/ninh-giang"

CAMPAIGN = {
    "campaign_id": "cchc-2026",
    "year": 2026,
    "title": "Phát động sáng kiến cải cách hành chính năm 2026",
    "fields": ["a", "c", "g"],
    "submission_opens_at": OPENS.isoformat(),
    "submission_closes_at": CLOSES.isoformat(),
    "max_nominations": 2,
}
INITIATIVE = {
    "title": "Số hóa hồ sơ một cửa",
    "unit": {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
    "author_kind": "individual",
    "authors": [{"user_id": "user-1", "name": "Nguyễn Văn An", "position": "Công chức"}],
    "field": "g",
    "summary": "Quét và lưu hồ sơ điện tử ngay khi tiếp nhận.",
}


class Api:
    def __init__(self, http: httpx.AsyncClient, runtime: ServiceRuntime, clock: FixedClock, token_for: Any) -> None:
        self.http, self.runtime, self.clock, self.token_for = http, runtime, clock, token_for

    def auth(self, roles: list[str], **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(roles, **kw)}"}

    async def events(self) -> int:
        assert self.runtime.js is not None
        return (await self.runtime.js.stream_info(self.runtime.settings.stream_name)).state.messages

    async def submit(self, body: Any = None, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
        return await self.http.post(
            f"{BASE}/campaigns/cchc-2026/initiatives",
            json=INITIATIVE if body is None else body,
            headers=headers if headers is not None else self.auth(["submitter"]),
            **kw,
        )


@pytest.fixture
async def api(settings: Settings, js, token_for) -> AsyncIterator[Api]:
    settings = settings.model_copy(update={"service_name": "submission"})
    runtime = build_runtime(settings)
    clock = FixedClock(dt.datetime(2026, 9, 10, 9, 0, tzinfo=VN))
    app = build_app(runtime, clock)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        api = Api(http, runtime, clock, token_for)
        created = await http.post(f"{BASE}/campaigns", json=CAMPAIGN, headers=api.auth(["secretary"]))
        assert created.status_code == 201, created.text
        yield api


def error(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


async def test_a_submission_in_the_window_is_appended(api: Api) -> None:
    response = await api.submit()
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 1
    assert await api.events() == 3  # the campaign, the title claim and the initiative


async def test_a_retried_submission_with_an_idempotency_key_returns_the_first_result(api: Api) -> None:
    headers = {**api.auth(["submitter"]), "Idempotency-Key": "lan-nop-1"}
    first = await api.submit(headers=headers)
    again = await api.submit(headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await api.events() == 3


async def test_malformed_json_is_a_400_and_appends_nothing(api: Api) -> None:
    response = await api.http.post(f"{BASE}/campaigns/cchc-2026/initiatives", content=b'{"title": "x",',
                                   headers={**api.auth(["submitter"]), "Content-Type": "application/json"})
    assert response.status_code == 400
    assert error(response)["code"] == "malformed_json"
    assert error(response)["field"] == "body" and "Trường '" not in error(response)["message_vi"]
    assert error(response)["message_vi"].startswith("Nội dung gửi lên không phải JSON hợp lệ (lỗi ở ký tự thứ 14)")
    assert await api.events() == 1


async def test_a_missing_field_is_named_with_its_rule(api: Api) -> None:
    body = {k: v for k, v in INITIATIVE.items() if k != "summary"}
    response = await api.submit(body)
    assert response.status_code == 422
    err = error(response)
    assert (err["field"], err["rule"]) == ("summary", "missing")
    assert err["message_vi"].startswith("Trường 'summary' là trường bắt buộc")
    assert await api.events() == 1


async def test_a_wrong_type_is_named_with_its_rule(api: Api) -> None:
    response = await api.submit({**INITIATIVE, "authors": "Nguyễn Văn An"})
    assert response.status_code == 422
    assert (error(response)["field"], error(response)["rule"]) == ("authors", "list_type")
    assert await api.events() == 1


async def test_a_control_character_is_refused_before_it_reaches_the_record(api: Api) -> None:
    """Stored, it would break every DOCX printed from the record (found by the fuzz tier)."""
    response = await api.submit({**INITIATIVE, "unit": {"unit_id": "vh-xh", "name": "Phòng\x01 Văn hóa"}})
    assert response.status_code == 422
    assert (error(response)["field"], error(response)["rule"]) == ("unit.name", "value_error")
    assert "U+0001" in error(response)["message_vi"]
    assert await api.events() == 1


async def test_out_of_range_paging_is_a_422_not_a_500(api: Api) -> None:
    """MongoDB takes a 64-bit skip at most: 2**63 was an OverflowError (found by the fuzz tier)."""
    for skip in ("9223372036854775808", "1" + "0" * 30, "100001"):
        response = await api.http.get(f"{BASE}/initiatives", params={"skip": skip}, headers=api.auth(["secretary"]))
        assert response.status_code == 422, response.text
        assert (error(response)["field"], error(response)["rule"]) == ("skip", "less_than_equal")


async def test_an_empty_title_is_refused(api: Api) -> None:
    response = await api.submit({**INITIATIVE, "title": "   "})
    assert response.status_code == 422
    assert (error(response)["field"], error(response)["rule"]) == ("title", "string_too_short")
    assert await api.events() == 1


async def test_an_oversized_body_is_a_413(api: Api) -> None:
    response = await api.submit({**INITIATIVE, "problem": "x" * 2_000_000})
    assert response.status_code == 413
    assert error(response)["rule"] == "max_body_bytes"
    assert await api.events() == 1


async def test_no_token_is_a_401_that_says_why(api: Api) -> None:
    response = await api.submit(headers={})
    assert response.status_code == 401
    assert error(response)["rule"] == "bearer_required"
    assert await api.events() == 1


async def test_a_token_signed_with_another_secret_is_a_401(api: Api) -> None:
    forged = api.auth(["submitter"], secret="another-secret-0123456789-0123456789-012345")
    response = await api.submit(headers=forged)
    assert response.status_code == 401
    assert error(response)["rule"] == "token_signature"


async def test_an_expired_token_is_a_401(api: Api) -> None:
    response = await api.submit(headers=api.auth(["submitter"], ttl=dt.timedelta(seconds=-5)))
    assert response.status_code == 401
    assert error(response)["rule"] == "token_expired"


async def test_a_token_for_another_commune_is_a_403(api: Api) -> None:
    response = await api.submit(headers=api.auth(["submitter"], commune="an-lao"))
    assert response.status_code == 403
    assert error(response)["rule"] == "same_commune_only"
    assert "an-lao" in error(response)["message_vi"]
    assert await api.events() == 1


async def test_a_role_that_may_not_submit_is_a_403(api: Api) -> None:
    response = await api.submit(headers=api.auth(["council_member"]))
    assert response.status_code == 403
    assert error(response)["rule"] == "role_required"
    assert await api.events() == 1


async def test_a_submission_after_the_deadline_names_the_deadline(api: Api) -> None:
    api.clock.at = CLOSES + dt.timedelta(minutes=1)
    response = await api.submit()
    assert response.status_code == 422
    err = error(response)
    assert err["rule"] == "submission_deadline"
    assert "17:00 ngày 25/09/2026" in err["message_vi"]
    assert await api.events() == 1


async def test_a_field_the_campaign_does_not_open_is_refused(api: Api) -> None:
    response = await api.submit({**INITIATIVE, "field": "e"})
    assert response.status_code == 422
    assert error(response)["rule"] == "field_open_in_campaign"
    assert await api.events() == 1


async def test_an_unknown_campaign_is_a_404(api: Api) -> None:
    response = await api.http.post(f"{BASE}/campaigns/khong-co/initiatives", json=INITIATIVE,
                                   headers=api.auth(["submitter"]))
    assert response.status_code == 404
    assert await api.events() == 1


async def test_launching_the_same_campaign_twice_is_a_409(api: Api) -> None:
    response = await api.http.post(f"{BASE}/campaigns", json=CAMPAIGN, headers=api.auth(["secretary"]))
    assert response.status_code == 409
    assert await api.events() == 1


async def test_one_trace_runs_from_the_http_request_through_nats_to_the_projection(api: Api) -> None:
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind

    from reform_reporting.application.projection import Pipeline
    from reform_shared.projection import ProjectionRunner
    from reform_shared.telemetry import setup_tracing

    exporter = InMemorySpanExporter()
    setup_tracing("test", None).add_span_processor(SimpleSpanProcessor(exporter))
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    headers = {**api.auth(["submitter"]), "traceparent": f"00-{trace_id}-b7ad6b7169203331-01"}

    assert (await api.submit(headers=headers)).status_code == 201
    rt = api.runtime
    assert rt.js is not None and rt.mongo is not None and rt.db is not None
    runner = ProjectionRunner(service="reporting", projection=Pipeline(), js=rt.js, client=rt.mongo,
                              db=rt.db, registry=rt.registry, stream=rt.settings.stream_name,
                              prefix=rt.settings.subject_prefix, fetch_timeout=0.2)
    await runner.prepare()
    await runner.run_until_caught_up(timeout=30)
    await runner.stop()

    spans = [s for s in exporter.get_finished_spans() if format(s.context.trace_id, "032x") == trace_id]
    kinds = {(s.kind, s.name.split(" ")[0]) for s in spans}
    assert (SpanKind.SERVER, "POST") in kinds
    assert (SpanKind.PRODUCER, "send") in kinds
    assert any(s.name == "project pipeline InitiativeSubmitted" for s in spans)
    doc = await rt.db["pipeline"].find_one({"title": INITIATIVE["title"]})
    assert doc is not None and doc["trace_id"] == trace_id


# -- the dossier's life: revise, return, resubmit, withdraw --------------------------------------
async def submitted_id(api: Api, body: Any = None, **kw: Any) -> str:
    response = await api.submit(body, **kw)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_every_revision_is_kept_and_viewable(api: Api) -> None:
    initiative_id = await submitted_id(api)
    revised = {**INITIATIVE, "summary": "Quét, ký số và lưu hồ sơ điện tử ngay khi tiếp nhận.", "note": "Bổ sung"}
    response = await api.http.put(f"{BASE}/initiatives/{initiative_id}", json=revised, headers=api.auth(["submitter"]))
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2

    history = (await api.http.get(f"{BASE}/initiatives/{initiative_id}/history",
                                  headers=api.auth(["submitter"]))).json()
    assert [e["event_type"] for e in history["events"]] == ["InitiativeSubmitted", "InitiativeRevised"]
    assert [v["revision"] for v in history["versions"]] == [1, 2]
    assert history["versions"][0]["content"]["summary"] == INITIATIVE["summary"]
    assert history["versions"][1]["content"]["summary"].startswith("Quét, ký số")
    current = (await api.http.get(f"{BASE}/initiatives/{initiative_id}", headers=api.auth(["submitter"]))).json()
    assert (current["revision"], current["status"]) == (2, "submitted")


async def test_a_returned_dossier_is_completed_and_resubmitted_after_the_deadline(api: Api) -> None:
    initiative_id = await submitted_id(api)
    returned = await api.http.post(f"{BASE}/initiatives/{initiative_id}/return",
                                   json={"reason": "Thiếu bảng số liệu trước và sau khi áp dụng"},
                                   headers=api.auth(["secretary"], subject="ha"))
    assert returned.status_code == 200, returned.text
    api.clock.at = CLOSES + dt.timedelta(days=2)
    completed = {**INITIATIVE, "effectiveness": {"indicators": [
        {"name": "Thời gian giải quyết", "unit": "ngày", "before": 5, "after": 2}]}}
    resubmitted = await api.http.put(f"{BASE}/initiatives/{initiative_id}", json=completed,
                                     headers=api.auth(["submitter"]))
    assert resubmitted.status_code == 200, resubmitted.text
    state = (await api.http.get(f"{BASE}/initiatives/{initiative_id}", headers=api.auth(["submitter"]))).json()
    assert state["status"] == "submitted"
    assert state["content"]["effectiveness"]["indicators"][0]["after"] == 2


async def test_only_the_secretary_returns_a_dossier(api: Api) -> None:
    initiative_id = await submitted_id(api)
    response = await api.http.post(f"{BASE}/initiatives/{initiative_id}/return", json={"reason": "Thiếu hồ sơ"},
                                   headers=api.auth(["submitter"]))
    assert response.status_code == 403


async def test_revising_someone_elses_initiative_is_a_403(api: Api) -> None:
    initiative_id = await submitted_id(api)
    before = await api.events()
    response = await api.http.put(f"{BASE}/initiatives/{initiative_id}", json={**INITIATIVE, "title": "Đổi tên khác"},
                                  headers=api.auth(["submitter"], subject="user-2"))
    assert response.status_code == 403
    assert error(response)["rule"] == "own_initiative_only"
    assert await api.events() == before


async def test_a_withdrawn_initiative_cannot_be_acted_on(api: Api) -> None:
    initiative_id = await submitted_id(api)
    withdrawn = await api.http.post(f"{BASE}/initiatives/{initiative_id}/withdraw", json={"reason": "Trùng ý tưởng"},
                                    headers=api.auth(["submitter"]))
    assert withdrawn.status_code == 200
    before = await api.events()
    response = await api.http.put(f"{BASE}/initiatives/{initiative_id}", json={**INITIATIVE, "title": "Tên mới hơn"},
                                  headers=api.auth(["submitter"]))
    assert response.status_code == 409
    assert error(response)["rule"] == "withdrawn_is_final"
    assert await api.events() == before


# -- unique titles -------------------------------------------------------------------------------
async def test_the_same_title_from_the_same_unit_is_refused_without_case_or_diacritics(api: Api) -> None:
    first = await submitted_id(api)
    before = await api.events()
    response = await api.submit({**INITIATIVE, "title": "SO HOA HO SO MOT CUA"})
    assert response.status_code == 422
    assert error(response)["rule"] == "unique_title_per_unit"
    assert first in error(response)["message_vi"]
    assert await api.events() == before
    other_unit = {**INITIATIVE, "unit": {"unit_id": "kinh-te", "name": "Phòng Kinh tế"}}
    assert (await api.submit(other_unit)).status_code == 201


async def test_a_withdrawn_initiative_frees_its_title(api: Api) -> None:
    first = await submitted_id(api)
    await api.http.post(f"{BASE}/initiatives/{first}/withdraw", json={}, headers=api.auth(["submitter"]))
    assert (await api.submit()).status_code == 201


async def test_two_concurrent_submissions_of_one_title_let_exactly_one_in(api: Api) -> None:
    import asyncio

    responses = await asyncio.gather(*[api.submit() for _ in range(4)])
    assert sorted(r.status_code for r in responses) == [201, 422, 422, 422]
    assert {error(r)["rule"] for r in responses if r.status_code == 422} == {"unique_title_per_unit"}
    assert await api.events() == 3  # the campaign, one title claim, one initiative


# -- queries -------------------------------------------------------------------------------------
async def wait_listed(api: Api, expected: int, **params: str) -> dict[str, Any]:
    import asyncio

    for _ in range(750):
        listed: dict[str, Any] = (await api.http.get(f"{BASE}/initiatives", params=params,
                                                     headers=api.auth(["secretary"]))).json()
        if listed["total"] == expected:
            return listed
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {expected}, got {listed}")


async def test_list_filter_and_search_without_diacritics(api: Api) -> None:
    await submitted_id(api)
    await submitted_id(api, {**INITIATIVE, "title": "Cải cách thủ tục cấp phép xây dựng", "field": "c"})
    await wait_listed(api, 2)
    found = await wait_listed(api, 1, q="cai cach")
    assert found["items"][0]["title"] == "Cải cách thủ tục cấp phép xây dựng"
    assert (await wait_listed(api, 1, field="g"))["items"][0]["title"] == INITIATIVE["title"]
    assert (await wait_listed(api, 2, author="nguyen van an"))["total"] == 2
    assert (await wait_listed(api, 0, status="withdrawn"))["total"] == 0


async def test_units_that_have_not_submitted_are_listed(api: Api) -> None:
    campaign = {**CAMPAIGN, "campaign_id": "cchc-2026-b", "expected_units": [
        {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"}, {"unit_id": "kinh-te", "name": "Phòng Kinh tế"}]}
    assert (await api.http.post(f"{BASE}/campaigns", json=campaign, headers=api.auth(["secretary"]))).status_code == 201
    response = await api.http.post(f"{BASE}/campaigns/cchc-2026-b/initiatives", json=INITIATIVE,
                                   headers=api.auth(["submitter"]))
    assert response.status_code == 201
    await wait_listed(api, 1, campaign_id="cchc-2026-b")
    report = (await api.http.get(f"{BASE}/campaigns/cchc-2026-b/units-without-initiatives",
                                 headers=api.auth(["secretary"]))).json()
    assert (report["expected"], report["proposing"]) == (2, 1)
    assert [u["unit_id"] for u in report["missing"]] == ["kinh-te"]


async def test_the_directory_gives_a_campaign_its_units_and_a_dossier_its_people(api: Api) -> None:
    """A campaign launched without expected units expects the commune's open units of the directory on the
    launch date; once the commune keeps a directory, a dossier's unit must be open in it and every author named
    by id an active official of it on the day (422 naming the field), and nothing is appended when refused."""
    import asyncio

    jan = dt.date(2026, 1, 1)
    directory: list[EventPayload] = [
        DirectoryImported(effective=jan, import_id="seed", units=(
            UnitEntry(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội"),
            UnitEntry(unit_id="kinh-te", name="Phòng Kinh tế"),
            UnitEntry(unit_id="thon-1", name="Thôn 1", kind="thon")), officials=(
            OfficialEntry(official_id="user-1", full_name="Nguyễn Văn An", unit_id="vh-xh"),
            OfficialEntry(official_id="binh", full_name="Lê Văn Bình", unit_id="kinh-te"))),
        UnitClosed(effective=dt.date(2026, 6, 30), unit_id="thon-1", reason="Sáp nhập"),
        OfficialLeft(effective=dt.date(2026, 9, 1), official_id="binh", reason="Chuyển công tác"),
    ]
    store = api.runtime.store
    assert store is not None
    history = await store.load("ninh-giang", "directory", "main")
    await store.append(history, [make_envelope(p, commune_id="ninh-giang", version=n, correlation_id="directory",
                                               actor=Actor(user_id="thu-ky", commune_id="ninh-giang"),
                                               occurred_at=api.clock.now()) for n, p in enumerate(directory, 1)])

    campaign = {**CAMPAIGN, "campaign_id": "cchc-2026-d"}  # no expected units: the directory's open ones
    assert (await api.http.post(f"{BASE}/campaigns", json=campaign, headers=api.auth(["secretary"]))).status_code == 201
    view = (await api.http.get(f"{BASE}/campaigns/cchc-2026-d", headers=api.auth(["secretary"]))).json()
    assert [u["unit_id"] for u in view["expected_units"]] == ["kinh-te", "vh-xh"]  # thôn 1 closed in June

    url = f"{BASE}/campaigns/cchc-2026-d/initiatives"
    secretary = api.auth(["secretary"], subject="thu-ky")
    before = await api.events()
    refusals = [
        ({**INITIATIVE, "authors": [{"user_id": "khong-co", "name": "Không Có"}]}, "authors[0].user_id",
         "author_in_directory"),
        ({**INITIATIVE, "authors": [INITIATIVE["authors"][0], {"user_id": "binh", "name": "Lê Văn Bình"}]},
         "authors[1].user_id", "author_in_directory"),  # left on 1 September
        ({**INITIATIVE, "unit": {"unit_id": "thon-1", "name": "Thôn 1"}}, "unit.unit_id", "unit_in_directory"),
        ({**INITIATIVE, "unit": {"unit_id": "phong-moi", "name": "Phòng mới"}}, "unit.unit_id", "unit_in_directory"),
    ]
    for body, field, rule in refusals:
        refused = await api.http.post(url, json=body, headers=secretary)
        assert refused.status_code == 422, refused.text
        assert (error(refused)["field"], error(refused)["rule"]) == (field, rule)
        assert "danh bạ" in error(refused)["message_vi"] or "giải thể" in error(refused)["message_vi"]
    assert await api.events() == before

    accepted = await api.http.post(url, json=INITIATIVE, headers=api.auth(["submitter"]))
    assert accepted.status_code == 201, accepted.text
    for _ in range(750):
        report = (await api.http.get(f"{BASE}/campaigns/cchc-2026-d/units-without-initiatives",
                                     headers=api.auth(["secretary"]))).json()
        if report["proposing"] == 1:
            break
        await asyncio.sleep(0.02)
    assert (report["expected"], [u["unit_id"] for u in report["missing"]]) == (2, ["kinh-te"])


# -- campaigns -----------------------------------------------------------------------------------
async def test_a_campaign_is_amended_before_it_opens_and_not_after(api: Api) -> None:
    future = {**CAMPAIGN, "campaign_id": "cchc-2027", "year": 2027,
              "submission_opens_at": "2027-03-01T08:00:00+07:00", "submission_closes_at": "2027-04-29T17:00:00+07:00"}
    assert (await api.http.post(f"{BASE}/campaigns", json=future, headers=api.auth(["secretary"]))).status_code == 201
    terms = {k: v for k, v in future.items() if k not in ("campaign_id", "year")}
    amended = await api.http.put(f"{BASE}/campaigns/cchc-2027", json={**terms, "fields": ["a", "b", "c", "g"]},
                                 headers=api.auth(["secretary"]))
    assert amended.status_code == 200, amended.text
    view = (await api.http.get(f"{BASE}/campaigns/cchc-2027", headers=api.auth(["secretary"]))).json()
    assert view["fields"] == ["a", "b", "c", "g"]
    refused = await api.http.put(f"{BASE}/campaigns/cchc-2026", json={**terms, "title": "Đổi tên sau khi mở"},
                                 headers=api.auth(["secretary"]))
    assert refused.status_code == 422 and error(refused)["rule"] == "amend_before_window_opens"


async def test_the_secretary_closes_submissions_early(api: Api) -> None:
    closed = await api.http.post(f"{BASE}/campaigns/cchc-2026/close", json={"reason": "Đã đủ hồ sơ"},
                                 headers=api.auth(["secretary"]))
    assert closed.status_code == 200, closed.text
    api.clock.at += dt.timedelta(minutes=1)
    late = await api.submit()
    assert late.status_code == 422 and error(late)["rule"] == "submission_deadline"
    view = (await api.http.get(f"{BASE}/campaigns/cchc-2026", headers=api.auth(["secretary"]))).json()
    assert view["accepting_submissions"] is False


# -- attachments and the printable dossier -----------------------------------------------------


async def upload(api: Api, name: str, data: bytes, commune: str = "ninh-giang") -> httpx.Response:
    return await api.http.post(f"/api/v1/communes/{commune}/attachments", files={"file": (name, data)},
                               headers=api.auth(["submitter"], commune=commune))


async def test_an_attachment_is_stored_and_its_checksum_kept_in_the_event(api: Api) -> None:
    import hashlib

    stored = await upload(api, "Báo cáo hiệu quả.pdf", ONE_PAGE_PDF)
    assert stored.status_code == 201, stored.text
    ref = stored.json()
    assert ref["sha256"] == hashlib.sha256(ONE_PAGE_PDF).hexdigest() and ref["media_type"] == "application/pdf"
    initiative_id = await submitted_id(api, {**INITIATIVE, "attachment_ids": [ref["attachment_id"]]})
    history = (await api.http.get(f"{BASE}/initiatives/{initiative_id}/history",
                                  headers=api.auth(["submitter"]))).json()
    assert history["versions"][0]["content"]["attachments"][0]["sha256"] == ref["sha256"]
    downloaded = await api.http.get(f"{BASE}/attachments/{ref['attachment_id']}", headers=api.auth(["submitter"]))
    assert downloaded.content == ONE_PAGE_PDF and downloaded.headers["X-Checksum-SHA256"] == ref["sha256"]


async def test_a_disguised_attachment_is_refused_by_its_content(api: Api) -> None:
    response = await upload(api, "bao-cao.pdf", b"MZ\x90\x00 this is an executable")
    assert response.status_code == 422 and error(response)["rule"] == "attachment_type"


async def test_a_file_of_exactly_the_upload_limit_is_accepted_and_one_byte_more_refused(api: Api) -> None:
    # The body limit leaves room for the multipart framing: the store's own rule decides, in words.
    limit = api.runtime.settings.max_upload_bytes
    assert (await upload(api, "hồ sơ quét.pdf", pdf_of_size(limit))).status_code == 201
    too_big = await upload(api, "hồ sơ quét.pdf", pdf_of_size(limit + 1))
    assert too_big.status_code == 422 and error(too_big)["rule"] == "attachment_max_size"


async def test_a_pdf_header_on_an_executable_is_refused_by_its_structure(api: Api) -> None:
    response = await upload(api, "bao-cao.pdf", b"%PDF-1.7\nMZ\x90\x00 this is an executable\n%%EOF\n")
    assert response.status_code == 422
    body = error(response)
    assert (body["rule"], body["field"]) == ("attachment_structure", "attachments")
    assert body["message_vi"].startswith("Tệp không phải Tài liệu PDF (.pdf) hợp lệ")


@pytest.mark.parametrize("attachment_id",
                         ["6b01303479e8d07ffcdce0e1", "not-an-id", "0190f1b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"])
async def test_an_old_or_unknown_attachment_id_is_a_404(api: Api, attachment_id: str) -> None:
    response = await api.http.get(f"{BASE}/attachments/{attachment_id}", headers=api.auth(["submitter"]))
    assert response.status_code == 404 and error(response)["rule"] == "attachment_exists"
    submitted = await api.submit({**INITIATIVE, "attachment_ids": [attachment_id]})
    assert submitted.status_code == 404


async def test_another_communes_attachment_cannot_be_referenced(api: Api) -> None:
    foreign = await upload(api, "x.pdf", ONE_PAGE_PDF, commune="an-lao")
    assert foreign.status_code == 201
    before = await api.events()
    response = await api.submit({**INITIATIVE, "attachment_ids": [foreign.json()["attachment_id"]]})
    assert response.status_code == 404
    assert await api.events() == before


async def test_the_dossier_prints_as_a_docx_with_vietnamese_intact(api: Api) -> None:
    import io

    import docx

    initiative_id = await submitted_id(api)
    response = await api.http.get(f"{BASE}/initiatives/{initiative_id}/dossier.docx", headers=api.auth(["submitter"]))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert INITIATIVE["title"] in text and "Nguyễn Văn An" in text


# -- faults: a lost answer, a dependency that fails, tokens without the right roles ----------------------
def scoped(key: str, user: str = "user-1") -> str:
    from reform_shared.idempotency import scoped_key

    return scoped_key("ninh-giang", user, "submit_initiative", key)


async def forget_record(api: Api, key: str) -> None:
    """The process died (or the record's write timed out) after the append, before the record was kept."""
    assert api.runtime.js is not None
    kv = await api.runtime.js.key_value(api.runtime.settings.idempotency_bucket)
    record = f"{api.runtime.settings.service_name}.{scoped(key)}"  # the service's own records (its scope)
    assert (await kv.get(record)).value  # there was one to lose
    await kv.purge(record)


async def test_a_retry_whose_first_answer_was_lost_gets_that_answer(api: Api) -> None:
    headers = {**api.auth(["submitter"]), "Idempotency-Key": "lan-mat-tra-loi"}
    first = await api.submit(headers=headers)
    assert first.status_code == 201, first.text
    before = await api.events()
    await forget_record(api, "lan-mat-tra-loi")

    retried = await api.submit(headers=headers)
    assert retried.status_code == 201, retried.text  # not 409 initiative_unique
    assert retried.json() == first.json() and retried.headers["Idempotent-Replayed"] == "true"
    assert await api.events() == before
    await forget_record(api, "lan-mat-tra-loi")
    other = await api.submit({**INITIATIVE, "title": "Một sáng kiến khác"}, headers=headers)
    assert other.status_code == 409 and error(other)["rule"] == "idempotency_key_reuse"
    assert await api.events() == before


async def test_a_record_that_cannot_be_kept_does_not_turn_a_success_into_an_error(api: Api, monkeypatch) -> None:
    import nats.errors

    async def timed_out(key: str, record: dict[str, Any]) -> None:
        raise nats.errors.TimeoutError

    assert api.runtime.idempotency is not None
    monkeypatch.setattr(api.runtime.idempotency, "put", timed_out)
    headers = {**api.auth(["submitter"]), "Idempotency-Key": "lan-kv-cham"}
    first = await api.submit(headers=headers)
    assert first.status_code == 201, first.text
    retried = await api.submit(headers=headers)
    assert (retried.status_code, retried.json()) == (201, first.json())
    assert await api.events() == 3


async def test_a_command_cut_off_between_its_two_appends_completes_on_retry(api: Api, monkeypatch) -> None:
    """The title is claimed, then NATS fails before the initiative is appended: 503, and the retry (same key)
    finds its own claim and appends the initiative once."""
    from reform_shared.commands import CommandBus
    from reform_shared.errors import ServiceUnavailable

    original = CommandBus.decide_and_append
    failures = {"left": 1}

    async def flaky(self: CommandBus, ctx: Any, target: Any, *args: Any, **kw: Any) -> Any:
        if target.aggregate_type == "initiative" and failures["left"]:
            failures["left"] -= 1
            raise ServiceUnavailable("nats", "cut off")
        return await original(self, ctx, target, *args, **kw)

    monkeypatch.setattr(CommandBus, "decide_and_append", flaky)
    headers = {**api.auth(["submitter"]), "Idempotency-Key": "lan-dut-giua"}
    cut = await api.submit(headers=headers)
    assert cut.status_code == 503 and cut.headers["Retry-After"] == "2"
    assert error(cut)["code"] == "service_unavailable" and error(cut)["message_vi"].startswith("Hệ thống")
    retried = await api.submit(headers=headers)
    assert retried.status_code == 201, retried.text
    assert await api.events() == 3


async def test_a_token_without_a_role_reads_nothing(api: Api) -> None:
    for roles in ([], ["janitor"]):
        token = _raw_token(roles)
        response = await api.http.get(f"{BASE}/initiatives", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403 and error(response)["rule"] == "role_required", roles


async def test_city_roles_on_a_commune_account_are_refused(api: Api) -> None:
    response = await api.http.get(f"{BASE}/initiatives", headers=api.auth(["secretary", "city_officer"]))
    assert response.status_code == 403 and error(response)["rule"] == "city_account_only"


def _raw_token(roles: list[str]) -> str:
    import jwt

    from conftest import TEST_SECRET

    now = dt.datetime.now(dt.UTC)
    claims = {"sub": "x", "name": "X", "commune": "ninh-giang", "roles": roles, "iss": "reform-node",
              "aud": "reform", "iat": now, "exp": now + dt.timedelta(hours=1)}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")
