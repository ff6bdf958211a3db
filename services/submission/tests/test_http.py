"""The submission API against real NATS and a real Mongo-wire server: rules and bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

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

    from reform_reporting.application.register import InitiativeRegister
    from reform_shared.projection import ProjectionRunner
    from reform_shared.telemetry import setup_tracing

    exporter = InMemorySpanExporter()
    setup_tracing("test", None).add_span_processor(SimpleSpanProcessor(exporter))
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    headers = {**api.auth(["submitter"]), "traceparent": f"00-{trace_id}-b7ad6b7169203331-01"}

    assert (await api.submit(headers=headers)).status_code == 201
    rt = api.runtime
    assert rt.js is not None and rt.mongo is not None and rt.db is not None
    runner = ProjectionRunner(service="reporting", projection=InitiativeRegister(), js=rt.js, client=rt.mongo,
                              db=rt.db, registry=rt.registry, stream=rt.settings.stream_name,
                              prefix=rt.settings.subject_prefix, fetch_timeout=0.2)
    await runner.prepare()
    await runner.run_until_caught_up(timeout=30)
    await runner.stop()

    spans = [s for s in exporter.get_finished_spans() if format(s.context.trace_id, "032x") == trace_id]
    kinds = {(s.kind, s.name.split(" ")[0]) for s in spans}
    assert (SpanKind.SERVER, "POST") in kinds
    assert (SpanKind.PRODUCER, "send") in kinds
    assert any(s.name == "project register InitiativeSubmitted" for s in spans)
    doc = await rt.db["initiatives"].find_one({"title": INITIATIVE["title"]})
    assert doc is not None and doc["trace_id"] == trace_id
