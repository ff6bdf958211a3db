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
from ops_scene import post_from, submitted, unknown_event
from portal_stack import AUTHOR, OPERATOR, SECRETARY, Stack, sign_in_over_http

pytestmark = pytest.mark.service


@pytest.fixture
def clients() -> Iterator[dict[str, httpx.Client]]:
    opened: dict[str, httpx.Client] = {}
    yield opened
    for client in opened.values():
        client.close()


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
