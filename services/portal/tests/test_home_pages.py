"""The home page "Việc cần làm" of every role over real HTTP on the real services: what each has to do now, with
links to the page where it is done and counts; a section only when it has something, a calm "Không có việc cần
làm" otherwise; a service down leaves its section saying so and the rest of the page as it is."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from city_scene import appraised, call, nominated, ok, proposed_for_city
from fastapi import FastAPI, Request
from portal_live import LiveServer
from portal_stack import (
    AUTHOR,
    CHAIR,
    CHAIRMAN,
    CITY_COUNCIL,
    CITY_OFFICER,
    HOME_ADMINISTRATOR,
    HOME_SECRETARY,
    MEMBER,
    MEMBER_2,
    MEMBER_3,
    OPERATOR,
    SECRETARY,
    Stack,
    as_,
    in_directory,
    portal_settings,
    sign_in_over_http,
)

from reform_portal.bootstrap import build_app
from reform_portal.todo import next_dossier_deadline

pytestmark = pytest.mark.service
GOOD = {"novelty": 8, "effectiveness": 8.5, "replicability": 7, "feasibility": 8, "creativity": 6}


def section(html: str, section_id: str) -> str:
    """The text of one section of the page (tags dropped), or "" when the page has none."""
    found = re.search(rf'<section[^>]*id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def test_the_dossier_deadline_of_an_award_form_is_the_next_one_from_today() -> None:
    commune, city = [11, 20, 0], [3, 10, 1]  # the awards service's catalogue: 20/11 of the year, 10/3 after
    assert next_dossier_deadline(commune, dt.date(2026, 11, 2)) == dt.date(2026, 11, 20)
    assert next_dossier_deadline(commune, dt.date(2026, 12, 1)) == dt.date(2027, 11, 20)
    assert next_dossier_deadline(city, dt.date(2026, 12, 1)) == dt.date(2027, 3, 10)
    assert next_dossier_deadline(city, dt.date(2027, 3, 11)) == dt.date(2028, 3, 10)
    assert next_dossier_deadline(None, dt.date(2026, 12, 1)) is None


def test_the_secretary_sees_deadlines_units_not_proposing_and_dossiers_to_check(
        stack: Stack, clients: dict[str, httpx.Client]) -> None:
    in_directory(stack)
    soon = dt.date.today() + dt.timedelta(days=5)
    stack.launch("home-han", evaluation_deadline=soon.isoformat(),
                 recognition_deadline=(dt.date.today() + dt.timedelta(days=90)).isoformat(),
                 expected_units=[{"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
                                 {"unit_id": "aw-mot-cua", "name": "Bộ phận một cửa"}])
    created = stack.api(AUTHOR, "POST", "submission", "/campaigns/home-han/initiatives", json={
        "title": "Sổ hẹn trả kết quả điện tử", "unit": {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
        "field": "g", "authors": [{"user_id": AUTHOR.user_id, "name": AUTHOR.name}], "summary": "Hẹn qua tin nhắn."})
    assert created.status_code == 201, created.text
    stack.eventually(lambda: stack.api(SECRETARY, "GET", "submission", "/initiatives",
                                       params={"campaign_id": "home-han"}), lambda body: body["items"])
    home = as_(stack, clients, SECRETARY).get("/")
    assert home.status_code == 200
    deadlines = section(home.text, "deadlines")
    assert f"{soon:%d/%m/%Y}: Hạn chấm điểm, đánh giá – Đợt sáng kiến home-han" in deadlines
    assert 'href="/tien-do/home-han"' in home.text
    assert "Hạn ký quyết định công nhận – Đợt sáng kiến home-han" not in deadlines  # 90 days away: not yet
    assert "Hết hạn nộp hồ sơ sáng kiến – Đợt sáng kiến home-han" in deadlines  # closes in 20 days
    units = section(home.text, "units-missing")
    assert "1 trên 2 đơn vị chưa đề xuất" in units and "Đợt sáng kiến home-han" in units
    assert 'href="/thu-ky/dot-phat-dong/home-han/don-vi-chua-de-xuat"' in home.text
    assert re.search(r"Hồ sơ cần kiểm tra \(\d+\)", home.text)  # ten shown (the session's others too), all counted
    assert 'href="/thu-ky/ho-so?trang_thai=submitted"' in home.text
    assert "Không có việc cần làm" not in home.text


def test_the_secretary_sees_a_nomination_still_possible_after_recognition(
        stack: Stack, clients: dict[str, httpx.Client]) -> None:
    commune = HOME_SECRETARY.commune_id
    first, second = nominated(stack, commune, ["Tổ công nghệ số cộng đồng", "Bản đồ số thủ tục"])
    year = dt.date.today().year
    ok(call(stack, HOME_SECRETARY, "POST", "evaluation", f"/communes/{commune}/nominations/{second}/withdraw",
            json={"reason": "Ưu tiên sáng kiến khác"}))
    stack.eventually(lambda: call(stack, HOME_SECRETARY, "GET", "evaluation", f"/communes/{commune}/nominations",
                                  params={"year": year}),
                     lambda body: [n["initiative_id"] for n in body["items"]] == [first])
    home = as_(stack, clients, HOME_SECRETARY).get("/")
    nominate = section(home.text, "to-nominate")
    assert f"Đợt sáng kiến {commune}: còn 1 suất đề nghị, 1 sáng kiến được công nhận chưa đề nghị" in nominate
    assert f'href="/de-nghi-thanh-pho/{commune}-{year}"' in home.text


def test_members_see_what_to_score_and_the_chair_what_to_conclude(
        stack: Stack, clients: dict[str, httpx.Client]) -> None:
    [initiative] = stack.council("home-hoi-dong", ["Một cửa lưu động tại thôn"])
    member = as_(stack, clients, MEMBER).get("/")
    assert "Sáng kiến cần chấm điểm" in member.text and f'href="/cham-diem/{initiative}"' in member.text
    chair = as_(stack, clients, CHAIR).get("/")
    assert 'id="to-finalise"' not in chair.text  # no sheet yet: nothing to conclude
    for person in (MEMBER, MEMBER_2, MEMBER_3):
        answer = stack.api(person, "PUT", "evaluation", f"/initiatives/{initiative}/scores/me",
                           json={"points": GOOD, "comment": ""})
        assert answer.status_code < 300, answer.text
    stack.eventually(lambda: stack.api(CHAIR, "GET", "evaluation", "/campaigns/home-hoi-dong/progress"),
                     lambda p: p["initiatives"][0]["quorum_reached"])
    after = as_(stack, clients, CHAIR).get("/")
    assert "Một cửa lưu động tại thôn – 3/4 phiếu"  # the chair scores too in section(after.text, "to-finalise")
    assert f'href="/tien-do/home-hoi-dong/{initiative}/ket-luan"' in after.text
    scored = as_(stack, clients, MEMBER).get("/")
    assert f'href="/cham-diem/{initiative}"' not in scored.text  # her sheet is in


def test_the_author_sees_the_award_granted_with_its_certificate(
        stack: Stack, clients: dict[str, httpx.Client]) -> None:
    in_directory(stack)
    year = dt.date.today().year + 1
    proposed = stack.eventually(lambda: stack.api(SECRETARY, "POST", "awards", "/awards", json={
        "form": "giay-khen-xa", "year": year,
        "recipient": {"kind": "individual", "recipient_id": AUTHOR.user_id, "name": AUTHOR.name, "unit_id": "vh-xh"},
        "basis": {"achievements": [{"kind": "advisory", "description": "Tham mưu trang thông tin việc cần làm"}]}}))
    award_id = proposed["award_id"]
    stack.eventually(lambda: stack.api(CHAIRMAN, "POST", "awards", f"/awards/{award_id}/grant", json={
        "decision_number": "77/QĐ-UBND", "decision_date": dt.date.today().isoformat(), "signer": "Lê Văn Chủ"}))
    stack.eventually(lambda: stack.api(AUTHOR, "GET", "awards", "/awards", params={"status": "granted"}),
                     lambda body: any(a["award_id"] == award_id for a in body["items"]))
    home = as_(stack, clients, AUTHOR).get("/")
    mine = section(home.text, "my-awards")
    assert f"Giấy khen của Chủ tịch UBND xã năm {year} – quyết định số 77/QĐ-UBND" in mine
    assert f'href="/khen-thuong/{award_id}/giay-khen.docx"' in home.text


def test_the_city_officer_and_the_city_council_see_what_waits_for_them(
        stack: Stack, clients: dict[str, httpx.Client]) -> None:
    [ready] = nominated(stack, "xa-home-du", ["Chữ ký số cho trưởng thôn"])
    [waiting] = nominated(stack, "xa-home-cho", ["Hộp thư góp ý điện tử"])
    appraised(stack, "xa-home-du", ready)
    award_id = proposed_for_city(stack, "xa-home-du", [ready])
    officer = as_(stack, clients, CITY_OFFICER).get("/")
    assert officer.status_code == 200
    city = section(officer.text, "city-nominations")
    assert "Chữ ký số cho trưởng thôn – xa-home-du" in city
    assert f'href="/thanh-pho/de-nghi/xa-home-du/{ready}/quyet-dinh"' in officer.text
    assert re.search(r'id="city-appraising">\d+ đề nghị chưa đủ túc số thẩm định', officer.text)
    assert f"/thanh-pho/de-nghi/xa-home-cho/{waiting}/quyet-dinh" not in officer.text  # no quorum yet
    assert f'href="/thanh-pho/bang-khen/xa-home-du/{award_id}"' in officer.text
    assert "Tác giả xã – xa-home-du" in section(officer.text, "city-awards")

    member = as_(stack, clients, CITY_COUNCIL[0]).get("/")
    appraise = section(member.text, "to-appraise")
    assert "Hộp thư góp ý điện tử – xa-home-cho" in appraise
    assert f'href="/thanh-pho/de-nghi/xa-home-cho/{waiting}"' in member.text
    assert "Chữ ký số cho trưởng thôn" not in appraise  # his sheet is in


def test_the_administrator_is_asked_to_import_an_empty_directory(
        stack: Stack, clients: dict[str, httpx.Client]) -> None:
    admin = as_(stack, clients, HOME_ADMINISTRATOR)
    empty = admin.get("/")
    assert "Danh bạ của xã chưa có cán bộ nào" in empty.text and 'href="/danh-ba/nhap"' in empty.text
    commune = HOME_ADMINISTRATOR.commune_id
    ok(call(stack, HOME_ADMINISTRATOR, "POST", "directory", f"/communes/{commune}/directory/units",
            json={"unit_id": "vp", "name": "Văn phòng HĐND và UBND", "kind": "phong"}))
    ok(call(stack, HOME_ADMINISTRATOR, "POST", "directory", f"/communes/{commune}/directory/officials", json={
        "official_id": "cb-mot", "full_name": "Cán bộ Một", "unit_id": "vp", "roles": ["submitter"]}))
    stack.eventually(lambda: call(stack, HOME_ADMINISTRATOR, "GET", "directory",
                                  f"/communes/{commune}/directory/officials"), lambda body: body["items"])
    after = admin.get("/")
    assert 'id="directory-empty"' not in after.text and 'id="nothing-to-do"' in after.text
    assert "Không có việc cần làm" in after.text


class FakeOps:
    """The operators' endpoints of a node (every service's /ops), healthy or in trouble as a test sets it."""

    def __init__(self) -> None:
        self.troubled = False
        self.app = FastAPI()
        self.app.get("/ops/projections")(self.projections)
        self.app.get("/ops/federation")(self.federation)

    async def projections(self, request: Request) -> list[dict[str, Any]]:
        assert request.headers["authorization"].startswith("Bearer ")
        return [{"projection": "dossiers", "consumer": "dossiers", "last_applied_sequence": 90, "pending": 0,
                 "in_flight": 0, "lag": 4 if self.troubled else 0, "parked": 2 if self.troubled else 0,
                 "last_error": None, "running": True}]

    async def federation(self) -> dict[str, Any]:
        return {"node_id": "an-lao-node", "role": "commune", "stream": "REFORM_EVENTS", "messages": 10, "last_seq": 10,
                "sources": [{"source": "CITY_DECISIONS", "lag": 0, "last_heard_seconds_ago": 2.0,
                             "alive": not self.troubled, "error": "no responders" if self.troubled else None}]}


@pytest.fixture(scope="module")
def node_ops(stack: Stack) -> Iterator[tuple[FakeOps, str, str]]:
    """Two portals on one fake node's /ops: every service answering, and one with the awards service down."""
    fake = FakeOps()
    ops = LiveServer("fake-home-ops", lambda: fake.app).start()
    urls = {f"{name}_url": ops.url for name in ("submission", "evaluation", "awards", "reporting", "directory")}
    settings = portal_settings(stack.services, stack.settings, **urls)
    down = portal_settings(stack.services, stack.settings, **{**urls, "awards_url": "http://127.0.0.1:9"})
    portals = [LiveServer(f"portal-home-{i}", lambda s=s: build_app(s, sign_in=stack.sign_in)).start()
               for i, s in enumerate((settings, down))]
    try:
        yield fake, portals[0].url, portals[1].url
    finally:
        for server in (*portals, ops):
            server.stop()


def operator_home(url: str) -> str:
    with httpx.Client(base_url=url, timeout=30) as client:
        sign_in_over_http(client, url, OPERATOR)
        page = client.get("/")
    assert page.status_code == 200
    return page.text


def test_the_operator_sees_all_healthy_then_what_is_wrong(node_ops: tuple[FakeOps, str, str]) -> None:
    fake, url, awards_down = node_ops
    fake.troubled = False
    healthy = operator_home(url)
    assert 'id="all-healthy"' in healthy and "Không có việc cần làm" in healthy
    fake.troubled = True
    troubled = operator_home(url)
    troubles = section(troubled, "ops-troubles")
    assert "Projection cần xem (5)" in troubles  # one per service
    assert "Khen thưởng – dossiers: Có sự kiện bị tạm giữ, 2 sự kiện bị tạm giữ, chậm 4 sự kiện" in troubles
    assert 'href="/van-hanh/awards/dossiers/tam-giu"' in troubled
    assert "CITY_DECISIONS: mất liên kết (no responders)" in section(troubled, "links-down")
    assert 'href="/van-hanh/lien-ket"' in troubled and 'id="all-healthy"' not in troubled
    fake.troubled = False
    partly = operator_home(awards_down)
    assert "Projection của dịch vụ Khen thưởng: chưa đọc được – dịch vụ Khen thưởng không trả lời" in section(
        partly, "unread")
    assert 'id="all-healthy"' not in partly  # not all read: not said healthy


def test_a_service_down_leaves_its_section_saying_so_and_the_rest_shown(
        stack: Stack, clients: dict[str, httpx.Client]) -> None:
    stack.launch("home-van-mo")
    settings = portal_settings(stack.services, stack.settings, awards_url="http://127.0.0.1:9")
    portal = LiveServer("portal-home-awards-down", lambda: build_app(settings, sign_in=stack.sign_in)).start()
    try:
        with httpx.Client(base_url=portal.url, timeout=30) as client:
            sign_in_over_http(client, portal.url, AUTHOR)
            page = client.get("/")
    finally:
        portal.stop()
    assert page.status_code == 200
    assert "Khen thưởng của tôi: chưa đọc được – dịch vụ Khen thưởng không trả lời" in section(page.text, "unread")
    assert "Đợt sáng kiến home-van-mo" in page.text  # the submission service's sections as they are


def test_the_administrator_sees_the_accounts_locked_out(stack: Stack) -> None:
    """The identity service's administrator API, as a fake of it answers (the session's stack signs in through
    the test provider, with no identity service); the directory is the real one."""
    asked: list[str] = []
    identity = FastAPI()

    @identity.get("/api/v1/communes/{commune_id}/accounts")
    async def accounts(commune_id: str, request: Request) -> dict[str, Any]:
        asked.append(f"{commune_id} {request.headers['authorization'][:7]}")
        return {"count": 2, "items": [
            {"official_id": "cb-khoa", "full_name": "Cán bộ Bị Khoá", "locked_until": "2026-12-01T03:15:00+00:00"},
            {"official_id": "cb-mot", "full_name": "Cán bộ Một", "locked_until": None}]}

    fake = LiveServer("fake-identity", lambda: identity).start()
    settings = portal_settings(stack.services, stack.settings, identity_url=fake.url)
    portal = LiveServer("portal-home-identity", lambda: build_app(settings, sign_in=stack.sign_in)).start()
    try:
        with httpx.Client(base_url=portal.url, timeout=30) as client:
            sign_in_over_http(client, portal.url, HOME_ADMINISTRATOR)
            page = client.get("/")
    finally:
        portal.stop()
        fake.stop()
    locked = section(page.text, "locked")
    assert "Tài khoản bị khoá do đăng nhập sai (1)" in locked
    assert "Cán bộ Bị Khoá (cb-khoa) – khoá đến 10:15 01/12/2026" in locked and "Cán bộ Một" not in locked
    assert asked == [f"{HOME_ADMINISTRATOR.commune_id} Bearer "]
