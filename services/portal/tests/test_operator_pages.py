"""The operator's pages over real HTTP against the real services: every service's projections, a parked event
listed and its failed replay shown beside it, a rebuild only once confirmed, the node's federation links, the
trace of an initiative found by its title; and each page only for its roles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from dev_sign_in import Person
from fastapi import FastAPI, Request
from ops_scene import csrf_of, post_from, submitted, unknown_event
from portal_live import LiveServer
from portal_stack import AUTHOR, OPERATOR, SECRETARY, Stack, portal_settings, sign_in_over_http

from reform_portal.bootstrap import build_app

pytestmark = pytest.mark.service


def as_(stack: Stack, clients: dict[str, httpx.Client], person: Person) -> httpx.Client:
    if person.user_id not in clients:
        clients[person.user_id] = httpx.Client(base_url=stack.portal.url, timeout=30)
        sign_in_over_http(clients[person.user_id], stack.portal.url, person)
    return clients[person.user_id]


def row(html: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert found, html
    return found.group(1)


def cell(html: str, row_id: str, css: str) -> str:
    found = re.search(rf'class="[^"]*\b{css}\b[^"]*">([^<]*)<', row(html, row_id))
    assert found, row(html, row_id)
    return found.group(1).strip()


def ops_status(stack: Stack, service: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{stack.services[service].url}/ops/projections",
                       headers={"Authorization": f"Bearer {stack.token(OPERATOR)}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()
    return rows


def test_the_projections_of_every_service_with_lag_position_and_parked(stack: Stack,
                                                                         clients: dict[str, httpx.Client]) -> None:
    submitted(stack, "ops-projections", ["Số hoá sổ hộ tịch cũ"])
    stack.eventually(lambda: httpx.get(f"{stack.services['reporting'].url}/health"),
                     lambda _: all(r["lag"] == 0 for r in ops_status(stack, "reporting")))
    page = as_(stack, clients, OPERATOR).get("/van-hanh")
    assert page.status_code == 200
    for heading in ("Tiếp nhận hồ sơ", "Chấm điểm, công nhận", "Khen thưởng", "Báo cáo, thống kê", "Danh bạ"):
        assert re.search(rf"<h2 [^>]*>{heading} ", page.text), heading
    pipeline = next(s for s in ops_status(stack, "reporting") if s["projection"] == "pipeline")
    assert pipeline["last_applied_sequence"] >= 1
    position = cell(page.text, "row-reporting-pipeline", "position")
    assert position == f"{pipeline['last_applied_sequence']:,}".replace(",", ".")  # 1.234: Vietnamese thousands
    assert cell(page.text, "row-reporting-pipeline", "lag") == "0"
    assert cell(page.text, "row-reporting-pipeline", "parked") == str(pipeline["parked"])
    assert 'href="/van-hanh/reporting/event_audit/tam-giu"' in page.text
    assert 'href="/van-hanh/reporting/event_audit/xay-lai"' in page.text
    for service in ("submission", "evaluation", "awards", "directory"):
        for status in ops_status(stack, service):
            assert f'id="row-{service}-{status["projection"]}"' in page.text


def test_operator_pages_only_for_operators(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    for person in (SECRETARY, AUTHOR):
        client = as_(stack, clients, person)
        for path in ("/van-hanh", "/van-hanh/lien-ket", "/van-hanh/reporting/pipeline/tam-giu",
                     "/van-hanh/reporting/pipeline/xay-lai"):
            refused = client.get(path)
            assert refused.status_code == 403 and "Không có quyền truy cập" in refused.text, path
    assert as_(stack, clients, AUTHOR).get("/van-hanh/truy-vet").status_code == 403
    assert 'href="/van-hanh"' not in as_(stack, clients, SECRETARY).get("/").text
    assert 'href="/van-hanh"' in as_(stack, clients, OPERATOR).get("/").text


def test_a_parked_event_is_listed_and_a_failed_replay_is_shown_beside_it(stack: Stack,
                                                                          clients: dict[str, httpx.Client]) -> None:
    seq = unknown_event(stack)
    operator = as_(stack, clients, OPERATOR)
    parked_page = "/van-hanh/reporting/event_audit/tam-giu"
    stack.eventually(lambda: httpx.get(f"{stack.services['reporting'].url}/health"),
                     lambda _: any(r["projection"] == "event_audit" and r["last_applied_sequence"] >= seq
                                   for r in ops_status(stack, "reporting")))
    listing = operator.get(parked_page)
    listed = row(listing.text, f"parked-{seq}")
    assert "InitiativeTeleported" in listed and "Loại sự kiện không biết" in listed
    overview = operator.get("/van-hanh")
    assert int(cell(overview.text, "row-reporting-event_audit", "parked").replace(".", "")) >= 1

    refused = post_from(operator, parked_page, f"{parked_page}/{seq}/xu-ly-lai", {})
    assert refused.status_code == 409
    assert f'id="replay-{seq}-error"' in refused.text and "Xử lý lại vẫn lỗi" in refused.text
    assert f'aria-describedby="replay-{seq}-error"' in refused.text
    still = operator.get(parked_page)
    assert "Lần xử lý lại gần nhất" in row(still.text, f"parked-{seq}")  # still parked, and says why


def test_a_rebuild_needs_the_projections_name_typed(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    operator = as_(stack, clients, OPERATOR)
    form = "/van-hanh/reporting/event_audit/xay-lai"
    page = operator.get(form)
    assert page.status_code == 200 and "Dữ liệu đọc của projection này bị xoá" in page.text
    wrong = post_from(operator, form, form, {"confirm_name": "pipeline"})
    assert wrong.status_code == 422
    assert 'id="f-confirm-name-error"' in wrong.text and "Gõ đúng tên projection «event_audit»" in wrong.text
    assert 'value="pipeline"' in wrong.text  # what was typed is kept
    done = post_from(operator, form, form, {"confirm_name": "event_audit"})
    assert done.status_code == 303 and done.headers["location"] == "/van-hanh?da-xay-lai"
    landed = operator.get(done.headers["location"])
    assert "Đã bắt đầu xây lại projection" in landed.text and 'id="row-reporting-event_audit"' in landed.text


def test_the_federation_links_of_a_standalone_node(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    page = as_(stack, clients, OPERATOR).get("/van-hanh/lien-ket")
    assert page.status_code == 200
    assert re.search(r'id="node-role">Độc lập', page.text)
    assert 'id="no-sources"' in page.text and 'id="link-down"' not in page.text
    assert stack.settings.stream_name in page.text


def test_the_trace_of_an_initiative_found_by_its_title_without_diacritics(stack: Stack,
                                                                            clients: dict[str, httpx.Client]) -> None:
    [initiative] = submitted(stack, "ops-trace", ["Truy vết hồ sơ đất đai một cửa"])
    operator = as_(stack, clients, OPERATOR)
    found = operator.get("/van-hanh/truy-vet", params={"q": "truy vet ho so dat dai"})
    assert found.status_code == 200
    assert f'href="/van-hanh/truy-vet/{initiative}?xa=ninh-giang">Truy vết hồ sơ đất đai một cửa</a>' in found.text
    by_id = operator.get("/van-hanh/truy-vet", params={"q": initiative})
    assert f'href="/van-hanh/truy-vet/{initiative}?xa=ninh-giang"' in by_id.text
    nothing = operator.get("/van-hanh/truy-vet", params={"q": "khong co sang kien nay"})
    assert 'id="not-found"' in nothing.text

    trace = operator.get(f"/van-hanh/truy-vet/{initiative}")
    assert trace.status_code == 200 and "<h1>Truy vết: Truy vết hồ sơ đất đai một cửa</h1>" in trace.text
    stages = re.search(r'<table id="stages">(.*?)</table>', trace.text, re.S)
    assert stages and "Nộp hồ sơ" in stages.group(1) and "đang ở bước này" in stages.group(1)
    events = re.search(r'<table id="events">(.*?)</table>', trace.text, re.S)
    assert events and "InitiativeSubmitted" in events.group(1) and AUTHOR.name in events.group(1)
    assert re.search(r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}", events.group(1))  # Vietnamese time and date
    assert as_(stack, clients, SECRETARY).get(f"/van-hanh/truy-vet/{initiative}").status_code == 200


# -- what a healthy test node never shows: a service down, a link lost, a replay that succeeds -------------------
class FakeNodeOps:
    """The operators' API of a node in trouble, as the services serve it (reform_shared.http.app.ops_router): a
    projection behind with a parked event that a fix lets through, a lost federation link."""

    def __init__(self) -> None:
        self.replayed: list[str] = []
        self.keys: list[str] = []
        self.app = FastAPI()
        self.app.add_api_route("/ops/projections", self.projections)
        self.app.add_api_route("/ops/projections/pipeline/parked", self.parked)
        self.app.add_api_route("/ops/projections/pipeline/parked/{parked_id}/replay", self.replay, methods=["POST"])
        self.app.add_api_route("/ops/federation", self.federation)

    @staticmethod
    def _signed(request: Request) -> None:
        assert request.headers["authorization"].startswith("Bearer ")

    async def projections(self, request: Request) -> list[dict[str, Any]]:
        self._signed(request)
        return [{"projection": "pipeline", "consumer": "reporting-pipeline", "last_applied_sequence": 12345,
                 "pending": 7, "in_flight": 0, "lag": 7, "parked": 1 - len(self.replayed), "last_error": None,
                 "running": True}]

    async def parked(self, request: Request, status: str = "parked") -> list[dict[str, Any]]:
        self._signed(request)
        doc = {"_id": "pipeline:41", "projection": "pipeline", "stream_seq": 41, "event_type": "ScoreRecorded",
               "subject": "reform.an-lao.initiative.x1.ScoreRecorded", "error_kind": "handler_failed",
               "error": "KeyError: 'weights'", "deliveries": 5, "parked_at": "2026-11-30T19:05:00+00:00",
               "status": "replayed" if self.replayed else "parked", "replayed_at": "2026-12-01T01:00:00+00:00"}
        return [doc] if doc["status"] == status else []

    async def replay(self, request: Request, parked_id: str) -> dict[str, Any]:
        self._signed(request)
        self.replayed.append(parked_id)
        self.keys.append(request.headers.get("idempotency-key", ""))
        return {"parked_id": parked_id, "status": "replayed"}

    async def federation(self, request: Request) -> dict[str, Any]:
        self._signed(request)
        return {"node_id": "an-lao-node", "role": "commune", "stream": "REFORM_EVENTS", "messages": 10, "last_seq": 10,
                "sources": [{"source": "CITY_DECISIONS", "lag": 3, "last_heard_seconds_ago": 3960.2, "alive": False,
                             "error": "no responders available for request"}]}


@pytest.fixture(scope="module")
def troubled(stack: Stack) -> Iterator[tuple[str, FakeNodeOps]]:
    """A portal whose reporting service is the node in trouble, and whose awards service does not answer."""
    fake = FakeNodeOps()
    ops = LiveServer("fake-node-ops", lambda: fake.app).start()
    settings = portal_settings(stack.services, stack.settings, reporting_url=ops.url, awards_url="http://127.0.0.1:9")
    portal = LiveServer("portal-troubled", lambda: build_app(settings, sign_in=stack.sign_in)).start()
    try:
        yield portal.url, fake
    finally:
        portal.stop()
        ops.stop()


def test_a_service_down_and_a_projection_behind_are_said_plainly(stack: Stack,
                                                                 troubled: tuple[str, FakeNodeOps]) -> None:
    url, _ = troubled
    with httpx.Client(base_url=url, timeout=30) as client:
        sign_in_over_http(client, url, OPERATOR)
        page = client.get("/van-hanh")
    assert page.status_code == 200  # one service down is not a blank page
    assert re.search(r'id="down-awards">Dịch vụ không trả lời', page.text)
    assert cell(page.text, "row-reporting-pipeline", "lag") == "7"
    assert cell(page.text, "row-reporting-pipeline", "position") == "12.345"
    assert "Có sự kiện bị tạm giữ" in row(page.text, "row-reporting-pipeline")
    assert 'id="row-submission-dossiers"' in page.text  # the other services as they are


def test_a_replay_that_succeeds_takes_the_event_off_the_parked_list(stack: Stack,
                                                                    troubled: tuple[str, FakeNodeOps]) -> None:
    url, fake = troubled
    page = "/van-hanh/reporting/pipeline/tam-giu"
    with httpx.Client(base_url=url, timeout=30) as client:
        sign_in_over_http(client, url, OPERATOR)
        listing = client.get(page)
        assert "Lỗi khi xử lý" in row(listing.text, "parked-41") and "KeyError" in listing.text
        assert "02:05 01/12/2026" in row(listing.text, "parked-41")  # parked at, in Vietnam's time
        key = re.search(r'name="idempotency_key" value="([^"]+)"', listing.text)
        assert key
        done = client.post(f"{page}/41/xu-ly-lai", data={"csrf_token": csrf_of(listing.text),
                                                          "idempotency_key": key.group(1)})
        assert done.status_code == 303 and done.headers["location"] == f"{page}?da-xu-ly-lai"
        landed = client.get(done.headers["location"])
    assert fake.replayed == ["pipeline:41"] and fake.keys == [key.group(1)]
    assert "Đã xử lý lại sự kiện" in landed.text and 'id="parked-41"' not in landed.text
    assert 'id="none-parked"' in landed.text
    assert "Sự kiện số 41 (ScoreRecorded), xử lý lại lúc 08:00 01/12/2026" in landed.text


def test_a_lost_federation_link_says_what_to_do(stack: Stack, troubled: tuple[str, FakeNodeOps]) -> None:
    url, _ = troubled
    with httpx.Client(base_url=url, timeout=30) as client:
        sign_in_over_http(client, url, OPERATOR)
        page = client.get("/van-hanh/lien-ket")
    assert page.status_code == 200
    assert re.search(r'id="node-role">Nút xã/phường', page.text)
    source = row(page.text, "source-1")
    assert "CITY_DECISIONS" in source and "Mất liên kết" in source and "1 giờ 6 phút trước" in source
    assert "no responders available for request" in source
    assert 'id="link-down"' in page.text and "Đừng xây lại projection vì lý do này" in page.text
