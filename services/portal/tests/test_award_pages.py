"""The award pages over real HTTP against the real awards, directory and submission services: the secretary's
proposal with its eligibility shown condition by condition (met or not, and why) before it is sent, a refused
proposal kept beside its field, the register and its filters, the chairman's to-do, grant (a bad date kept),
rejection and revocation, the certificate for the chairman and the recipient, and each page only for its roles."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from portal_stack import (
    AUTHOR,
    CHAIR,
    CHAIRMAN,
    MEMBER,
    MEMBER_2,
    MEMBER_3,
    SECRETARY,
    Stack,
    as_,
    csrf_of,
    in_directory,
)

from reform_portal.pages.awards_base import input_of, proposal_body

pytestmark = pytest.mark.service
NEXT_YEAR = str(dt.date.today().year + 1)
"""Commune dossiers close on 20/11 of the award's year: next year's is always open."""
ADVISORY = {"achievements.0.kind": "advisory", "achievements.0.description": "Tham mưu đề án số hóa hồ sơ một cửa"}


def post(client: httpx.Client, path: str, data: dict[str, str], page: str | None = None) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_of(client.get(page or path).text), **data})


def proposal(**extra: str) -> dict[str, str]:
    return {"form": "giay-khen-xa", "year": NEXT_YEAR, "recipient.kind": "individual",
            "recipient.official": AUTHOR.user_id, **extra}


def propose(client: httpx.Client, **extra: str) -> str:
    done = post(client, "/khen-thuong/de-nghi", {**proposal(**ADVISORY, **extra), "action": "de-nghi"})
    assert done.status_code == 303, done.text
    return str(done.headers["location"]).split("?")[0].rsplit("/", 1)[1]


def test_the_secretary_sees_why_eligible_before_proposing(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    in_directory(stack)
    stack.launch("awards-http")
    dossier = stack.api(AUTHOR, "POST", "submission", "/campaigns/awards-http/initiatives", json={
        "title": "Phiếu hẹn điện tử", "unit": {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"}, "field": "g",
        "authors": [{"user_id": AUTHOR.user_id, "name": AUTHOR.name}], "summary": "Hẹn trả kết quả qua tin nhắn."})
    assert dossier.status_code == 201, dossier.text
    listed = {"status": "submitted"}  # the page reads the submission's projection, a moment behind its commands
    stack.eventually(lambda: stack.api(SECRETARY, "GET", "submission", "/initiatives", params=listed),
                     lambda body: any(item["initiative_id"] == dossier.json()["id"] for item in body["items"]))
    secretary = as_(stack, clients, SECRETARY)
    blank = secretary.get("/khen-thuong/de-nghi")
    assert blank.status_code == 200 and "Giấy khen của Chủ tịch UBND xã" in blank.text
    assert "Bằng khen" not in blank.text  # the city's awards are decided at the city
    assert f'<option value="{AUTHOR.user_id}">{AUTHOR.name}</option>' in blank.text
    assert "Phiếu hẹn điện tử" in blank.text and "Bộ phận một cửa" in blank.text

    unmet = post(secretary, "/khen-thuong/de-nghi", {**proposal(), "basis.initiative_ids": dossier.json()["id"],
                                                     "action": "kiem-tra"})
    assert unmet.status_code == 200 and "Chưa đủ điều kiện khen thưởng" in unmet.text
    assert "Chưa đạt: «Phiếu hẹn điện tử»: chưa được công nhận" in unmet.text
    assert "Chưa mô tả thành tích tham mưu xuất sắc hoặc tinh thần trách nhiệm cao" in unmet.text
    assert "Gửi đề nghị khen thưởng" not in unmet.text
    assert 'checked' in unmet.text.split("Phiếu hẹn điện tử")[0].rsplit("<input", 1)[1]  # the choice kept

    met = post(secretary, "/khen-thuong/de-nghi", {**proposal(**ADVISORY), "action": "kiem-tra"})
    assert "Đủ điều kiện đề nghị khen thưởng" in met.text
    assert "Đạt: tham mưu xuất sắc: Tham mưu đề án số hóa hồ sơ một cửa" in met.text
    assert "Gửi đề nghị khen thưởng" in met.text

    late = post(secretary, "/khen-thuong/de-nghi", {**proposal(**ADVISORY), "year": "2020", "action": "de-nghi"})
    assert late.status_code == 422 and 'id="f-year-error"' in late.text and "Đã quá hạn nộp hồ sơ" in late.text
    assert 'value="2020"' in late.text and "Tham mưu đề án số hóa hồ sơ một cửa" in late.text
    nobody = post(secretary, "/khen-thuong/de-nghi", {**proposal(), "recipient.official": "", "action": "kiem-tra"})
    assert nobody.status_code == 422 and 'id="f-recipient-official-error"' in nobody.text

    award_id = propose(secretary)
    page = secretary.get(f"/khen-thuong/{award_id}?da-de-nghi")
    assert "Đã gửi đề nghị khen thưởng." in page.text
    assert re.search(r'id="award-status">Chờ quyết định<', page.text)
    listed = secretary.get("/khen-thuong", params={"nam": NEXT_YEAR, "trang_thai": "proposed"})
    assert f'id="award-{award_id}"' in listed.text and AUTHOR.name in listed.text
    assert f'id="award-{award_id}"' not in secretary.get("/khen-thuong", params={"trang_thai": "granted"}).text
    assert as_(stack, clients, CHAIRMAN).get("/khen-thuong/de-nghi").status_code == 403  # the secretary proposes
    assert as_(stack, clients, AUTHOR).get("/khen-thuong/de-nghi").status_code == 403
    assert secretary.post(f"/khen-thuong/{award_id}/khen-thuong", data={
        "csrf_token": csrf_of(page.text), "decision_number": "1/QĐ", "decision_date": "01/12/2026",
        "signer": "x"}).status_code == 403  # only the chairman decides


def test_the_chairman_grants_rejects_and_revokes_and_the_recipient_downloads(
        stack: Stack, clients: dict[str, httpx.Client]) -> None:
    in_directory(stack)
    secretary = as_(stack, clients, SECRETARY)
    granted_id = propose(secretary)
    rejected_id = propose(secretary, form="khen-dot-xuat")
    chairman = as_(stack, clients, CHAIRMAN)
    home = chairman.get("/")
    assert "Đề nghị khen thưởng cần quyết định" in home.text and f"/khen-thuong/{granted_id}" in home.text

    page = f"/khen-thuong/{granted_id}"
    shown = chairman.get(page)
    assert "Đủ điều kiện đề nghị khen thưởng" in shown.text and "Quyết định khen thưởng" in shown.text
    bad = post(chairman, f"{page}/khen-thuong", {"decision_number": "125/QĐ-UBND", "decision_date": "31/02/2026",
                                                   "signer": CHAIRMAN.name}, page)
    assert bad.status_code == 422 and 'id="f-decision-date-error"' in bad.text
    assert 'value="125/QĐ-UBND"' in bad.text and 'value="31/02/2026"' in bad.text
    done = post(chairman, f"{page}/khen-thuong", {"decision_number": "125/QĐ-UBND", "decision_date": "01/12/2026",
                                                    "signer": CHAIRMAN.name}, page)
    assert done.status_code == 303, done.text
    granted = chairman.get(done.headers["location"])
    assert "Đã quyết định khen thưởng." in granted.text and 'id="award-status">Đã khen thưởng<' in granted.text
    assert "Số 125/QĐ-UBND ngày 01/12/2026" in granted.text and "Tải giấy khen (DOCX)" in granted.text
    assert f"/khen-thuong/{granted_id}" not in chairman.get("/").text  # decided: no longer a to-do

    certificate = chairman.get(f"{page}/giay-khen.docx")
    assert certificate.status_code == 200 and certificate.content[:2] == b"PK"
    assert "wordprocessingml" in certificate.headers["content-type"]
    author = as_(stack, clients, AUTHOR)
    assert f"/khen-thuong/{granted_id}" in author.get("/khen-thuong/cua-toi").text
    assert author.get(page).status_code == 200 and author.get(f"{page}/giay-khen.docx").content[:2] == b"PK"
    assert author.get("/khen-thuong").status_code == 403
    assert as_(stack, clients, MEMBER).get(page).status_code == 403  # not his award

    refuse = f"/khen-thuong/{rejected_id}"
    short = post(chairman, f"{refuse}/tu-choi", {"tu-choi.reason": "Ít"}, refuse)
    assert short.status_code == 422 and 'id="f-tu-choi-reason-error"' in short.text and ">Ít</textarea>" in short.text
    rejected = post(chairman, f"{refuse}/tu-choi", {"tu-choi.reason": "Thành tích đã được khen năm trước"}, refuse)
    assert rejected.status_code == 303
    assert 'id="award-status">Không khen thưởng<' in chairman.get(rejected.headers["location"]).text
    revocation = {"thu-hoi.decision_number": "140/QĐ-UBND", "thu-hoi.decision_date": "31/02/2026",
                  "thu-hoi.signer": CHAIRMAN.name, "thu-hoi.reason": "Quyết định ghi sai người nhận"}
    bad_day = post(chairman, f"{page}/thu-hoi", revocation, page)
    assert bad_day.status_code == 422 and 'id="f-thu-hoi-decision-date-error"' in bad_day.text
    assert 'value="140/QĐ-UBND"' in bad_day.text and ">Quyết định ghi sai người nhận</textarea>" in bad_day.text
    before_grant = post(chairman, f"{page}/thu-hoi", {**revocation, "thu-hoi.decision_date": "30/11/2026"}, page)
    assert before_grant.status_code == 422 and 'id="f-thu-hoi-decision-date-error"' in before_grant.text
    assert "không thể trước quyết định khen thưởng" in before_grant.text
    assert 'aria-describedby="f-thu-hoi-decision-date-hint f-thu-hoi-decision-date-error"' in before_grant.text
    revoked = post(chairman, f"{page}/thu-hoi", {**revocation, "thu-hoi.decision_date": "10/12/2026"}, page)
    assert revoked.status_code == 303, revoked.text
    after = chairman.get(revoked.headers["location"])
    assert "Đã thu hồi khen thưởng." in after.text and "Quyết định ghi sai người nhận" in after.text
    assert f'id="award-revocation">Số 140/QĐ-UBND ngày 10/12/2026, {CHAIRMAN.name}<' in after.text
    assert "Tải giấy khen (DOCX)" not in after.text


def recognised(stack: Stack, campaign_id: str, title: str) -> str:
    """A dossier scored well by three members and finalised by the chair: recognised."""
    [initiative] = stack.council(campaign_id, [title])
    good = {"novelty": 8, "effectiveness": 8.5, "replicability": 7, "feasibility": 8, "creativity": 6}
    for member in (MEMBER, MEMBER_2, MEMBER_3):
        scored = stack.api(member, "PUT", "evaluation", f"/initiatives/{initiative}/scores/me",
                           json={"points": good, "comment": ""})
        assert scored.status_code < 300, scored.text
    finalised = stack.eventually(lambda: stack.api(CHAIR, "POST", "evaluation", f"/initiatives/{initiative}/finalise"))
    assert finalised["event_type"] == "InitiativeRecognized", finalised
    return initiative


def test_one_achievement_grounds_one_award(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    in_directory(stack)
    initiative = recognised(stack, "awards-once", "Tra cứu hồ sơ bằng mã QR")
    secretary = as_(stack, clients, SECRETARY)
    unit = {"form": "giay-khen-xa", "year": NEXT_YEAR, "recipient.kind": "collective", "recipient.unit": "vh-xh",
            "basis.initiative_ids": initiative}
    checked = post(secretary, "/khen-thuong/de-nghi", {**unit, "action": "kiem-tra"})
    year = dt.date.today().year
    assert f"Đạt nhờ sáng kiến «Tra cứu hồ sơ bằng mã QR» (năm {year}) đã được công nhận" in checked.text
    done = post(secretary, "/khen-thuong/de-nghi", {**unit, "action": "de-nghi"})
    assert done.status_code == 303, done.text
    shown = secretary.get(done.headers["location"])
    assert f'<a href="/ho-so/{initiative}">Tra cứu hồ sơ bằng mã QR</a>' in shown.text  # the basis, by its title

    twice = post(secretary, "/khen-thuong/de-nghi", {**proposal(), "basis.initiative_ids": initiative,
                                                     "action": "de-nghi"})
    assert twice.status_code in (409, 422) and 'id="f-basis-initiative-ids-error"' in twice.text
    assert "đã là căn cứ của khen thưởng khác" in twice.text
    assert 'aria-describedby="f-basis-initiative-ids-error"' in twice.text
    assert f'value="{initiative}" checked' in twice.text  # the choice kept


def test_the_register_filters_and_exports(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    in_directory(stack)
    secretary = as_(stack, clients, SECRETARY)
    award_id = propose(secretary, year="2099")
    empty_year = secretary.get("/khen-thuong", params={"nam": "", "trang_thai": "proposed"})
    assert empty_year.status_code == 200 and f'id="award-{award_id}"' in empty_year.text
    other_year = secretary.get("/khen-thuong", params={"nam": NEXT_YEAR, "trang_thai": ""})
    assert f'id="award-{award_id}"' not in other_year.text
    page = secretary.get("/khen-thuong", params={"nam": "2099"})
    assert 'href="/khen-thuong/so-khen-thuong.xlsx?nam=2099"' in page.text and "1 khen thưởng" in page.text
    sheet = secretary.get("/khen-thuong/so-khen-thuong.csv", params={"nam": "2099"})
    assert sheet.status_code == 200 and AUTHOR.name in sheet.text and "text/csv" in sheet.headers["content-type"]
    workbook = secretary.get("/khen-thuong/so-khen-thuong.xlsx", params={"nam": "2099"})
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    assert as_(stack, clients, AUTHOR).get("/khen-thuong/so-khen-thuong.csv").status_code == 403


def test_a_proposal_sent_twice_is_recorded_once(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    in_directory(stack)
    secretary = as_(stack, clients, SECRETARY)
    form = secretary.get("/khen-thuong/de-nghi").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form)
    assert key
    data = {**proposal(**ADVISORY), "year": "2098", "action": "de-nghi", "csrf_token": csrf_of(form),
            "idempotency_key": key.group(1)}
    first, second = (secretary.post("/khen-thuong/de-nghi", data=data) for _ in range(2))
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert "1 khen thưởng" in secretary.get("/khen-thuong", params={"nam": "2098"}).text


def test_the_form_reads_into_the_apis_body_and_its_refusals_land_beside_their_input() -> None:
    recipients = {"officials": [{"official_id": "lan", "full_name": "Nguyễn Thị Lan", "unit_id": "vh-xh"}],
                  "units": [("vh-xh", "Phòng Văn hóa – Xã hội"), ("vh-tv", "— Thư viện")]}
    values = {"form": "giay-khen-xa", "year": "2027", "recipient.kind": "collective", "recipient.unit": "vh-tv",
              "achievements.1.kind": "advisory", "achievements.1.description": "Tham mưu", "achievements.1.year": "x"}
    parsed = proposal_body(values, ["i-1"], recipients)
    assert parsed.body["recipient"] == {"kind": "collective", "recipient_id": "vh-tv", "name": "Thư viện"}
    assert parsed.body["basis"] == {"initiative_ids": ["i-1"],
                                    "achievements": [{"kind": "advisory", "description": "Tham mưu"}]}
    assert set(parsed.errors) == {"achievements.1.year"}
    assert input_of("basis.achievements.0.description", values, parsed) == "achievements.1.description"
    assert input_of("recipient.recipient_id", values, parsed) == "recipient.unit"
    assert input_of("year", values, parsed) == "year" and input_of(None, values, parsed) == "_form"
    nobody = proposal_body({"recipient.kind": "individual", "year": "2027"}, [], recipients)
    assert "recipient.official" in nobody.errors
