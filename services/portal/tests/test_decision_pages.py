"""The council's set-up, the units that have not proposed, the recognition decision and the nominations to the
city, over real HTTP against the real services: every refusal beside the input it names with what was typed
kept, read-your-writes after each command, the documents downloaded, and each page only for its roles."""

from __future__ import annotations

import re

import httpx
import pytest
from decision_scene import HIGH, LOW, finalised, in_directory, submitted
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
)

pytestmark = pytest.mark.service
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def post(client: httpx.Client, path: str, data: dict[str, str | list[str]], form_at: str | None = None
         ) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_of(client.get(form_at or path).text), **data})


def test_the_secretary_constitutes_the_council_edits_it_and_opens_scoring(
        stack: Stack, clients: dict[str, httpx.Client]) -> None:
    in_directory(stack)
    stack.launch("dec-council")
    submitted(stack, "dec-council", ["Hội đồng: số hóa sổ hộ tịch"])
    secretary = as_(stack, clients, SECRETARY)
    index = secretary.get("/thu-ky/hoi-dong")
    row = re.search(r'<tr id="council-dec-council">(.*?)</tr>', index.text, re.S)
    assert index.status_code == 200 and row and "Chưa thành lập" in row.group(1)
    assert 'href="/thu-ky/hoi-dong/dec-council"' in secretary.get("/thu-ky/dot-phat-dong").text
    page = secretary.get("/thu-ky/hoi-dong/dec-council")
    assert page.status_code == 200 and f'value="{MEMBER_3.user_id}"' in page.text and "Chủ tịch hội đồng" in page.text

    few = post(secretary, "/thu-ky/hoi-dong/dec-council", {
        "decision_number": "15/QĐ-UBND", "decision_date": "02/10/2026", "members": [MEMBER.user_id, MEMBER_2.user_id],
        "chair": ""})
    assert few.status_code == 422 and 'id="f-members-error"' in few.text and "đúng một chủ tịch" in few.text
    assert 'value="15/QĐ-UBND"' in few.text and f'value="{MEMBER_2.user_id}" checked' in few.text
    bad_date = post(secretary, "/thu-ky/hoi-dong/dec-council", {
        "decision_number": "15/QĐ-UBND", "decision_date": "31/02/2026", "members": [MEMBER.user_id],
        "chair": CHAIR.user_id})
    assert bad_date.status_code == 422 and 'id="f-decision-date-error"' in bad_date.text
    assert 'value="31/02/2026"' in bad_date.text
    done = post(secretary, "/thu-ky/hoi-dong/dec-council", {
        "decision_number": "15/QĐ-UBND", "decision_date": "02/10/2026", "members": [MEMBER.user_id, MEMBER_2.user_id],
        "chair": CHAIR.user_id})
    assert done.status_code == 303
    council = secretary.get(done.headers["location"])
    assert "Đã thành lập hội đồng đánh giá." in council.text and "Số 15/QĐ-UBND ngày 02/10/2026" in council.text
    assert f"<td>{CHAIR.name}</td><td>Chủ tịch hội đồng</td>" in council.text and "Thành viên (3)" in council.text

    members = "/thu-ky/hoi-dong/dec-council/thanh-vien"
    assert f'value="{MEMBER.user_id}" checked' in secretary.get(members).text
    changed = post(secretary, members, {"members": [MEMBER.user_id, MEMBER_2.user_id, MEMBER_3.user_id],
                                        "chair": CHAIR.user_id, "reason": ""})
    assert changed.status_code == 303
    assert "Thành viên (4)" in secretary.get(changed.headers["location"]).text

    rubric = "/thu-ky/hoi-dong/dec-council/tieu-chi"
    form = secretary.get(rubric).text
    assert 'value="Tính mới"' in form and 'name="criteria.4.weight" value="10"' in form
    typo = post(secretary, rubric, {**default_rows(), "criteria.4.weight": "mười"})
    assert typo.status_code == 422 and 'id="f-criteria-4-weight-error"' in typo.text and 'value="mười"' in typo.text
    short = post(secretary, rubric, {**default_rows(), "criteria.4.weight": "5"})
    assert short.status_code == 422 and 'id="f-rubric-error"' in short.text
    assert "tổng trọng số phải bằng 100" in short.text
    assert 'name="criteria.4.weight" value="5"' in short.text
    saved = post(secretary, rubric, {**default_rows(), "criteria.3.weight": "10", "criteria.4.weight": "15",
                                     "pass_threshold": "55"})
    assert saved.status_code == 303
    after = secretary.get(saved.headers["location"]).text
    assert "Đã lưu bộ tiêu chí chấm điểm." in after and "phiên bản 2" in after and "55/100 điểm" in after

    early = post(secretary, "/thu-ky/hoi-dong/dec-council/mo-cham-diem", {}, form_at="/thu-ky/hoi-dong/dec-council")
    assert early.status_code == 422 and "Chỉ mở chấm điểm sau khi đóng nhận hồ sơ" in early.text
    stack.api(SECRETARY, "POST", "submission", "/campaigns/dec-council/close", json={"reason": ""})
    opened = opened_scoring(secretary)
    assert "Đã mở chấm điểm cho hội đồng." in opened.text and '<dd id="scoring-state">Đang mở</dd>' in opened.text
    assert "Sửa bộ tiêu chí" not in opened.text
    unexplained = post(secretary, members, {"members": [MEMBER.user_id, MEMBER_2.user_id], "chair": CHAIR.user_id,
                                            "reason": ""})
    assert unexplained.status_code == 422 and 'id="f-reason-error"' in unexplained.text
    assert "phải nêu lý do" in unexplained.text and f'value="{MEMBER_3.user_id}" checked' not in unexplained.text

    for person in (MEMBER, CHAIRMAN, AUTHOR):
        assert as_(stack, clients, person).get("/thu-ky/hoi-dong/dec-council").status_code == 403


def default_rows() -> dict[str, str]:
    rows = [("novelty", "Tính mới", "25"), ("effectiveness", "Tính hiệu quả", "30"),
            ("replicability", "Khả năng nhân rộng", "20"), ("feasibility", "Tính khả thi, áp dụng ngay", "15"),
            ("creativity", "Tính sáng tạo", "10")]
    values = {"pass_threshold": "50"}
    for index, (code, label, weight) in enumerate(rows):
        values |= {f"criteria.{index}.code": code, f"criteria.{index}.label": label,
                   f"criteria.{index}.weight": weight, f"criteria.{index}.max_points": "10"}
    return values


def opened_scoring(secretary: httpx.Client) -> httpx.Response:
    """The evaluation service learns of the closing from the stream a moment later: ask again until it has."""
    for _ in range(50):
        answer = post(secretary, "/thu-ky/hoi-dong/dec-council/mo-cham-diem", {},
                      form_at="/thu-ky/hoi-dong/dec-council")
        if answer.status_code == 303:
            return secretary.get(answer.headers["location"])
    raise AssertionError(answer.text)


def test_the_units_that_have_not_proposed_yet(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    stack.launch("dec-units", expected_units=[{"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
                                              {"unit_id": "kt", "name": "Phòng Kinh tế"}])
    submitted(stack, "dec-units", ["Đơn vị: phiếu hẹn điện tử"])
    report = "/campaigns/dec-units/units-without-initiatives"
    stack.eventually(lambda: stack.api(SECRETARY, "GET", "submission", report), lambda body: body["proposing"] == 1)
    secretary = as_(stack, clients, SECRETARY)
    assert 'href="/thu-ky/dot-phat-dong/dec-units/don-vi-chua-de-xuat"' in secretary.get("/thu-ky/dot-phat-dong").text
    page = secretary.get("/thu-ky/dot-phat-dong/dec-units/don-vi-chua-de-xuat")
    assert page.status_code == 200 and '<dd id="expected">2</dd>' in page.text
    assert '<dd id="proposing">1</dd>' in page.text
    table = re.search(r'<table id="missing">(.*?)</table>', page.text, re.S)
    assert table and "<td>kt</td><td>Phòng Kinh tế</td>" in table.group(1) and "Văn hóa" not in table.group(1)
    assert as_(stack, clients, AUTHOR).get("/thu-ky/dot-phat-dong/dec-units/don-vi-chua-de-xuat").status_code == 403


def test_the_chairman_signs_the_decision_and_the_secretary_nominates_to_the_city(
        stack: Stack, clients: dict[str, httpx.Client]) -> None:
    titles = ["QĐ: một cửa số", "QĐ: hẹn giờ qua Zalo", "QĐ: ký số văn bản", "QĐ: bảng tin giấy"]
    a, b, c, d = stack.council("dec-decide", titles)
    finalised(stack, "dec-decide", {a: HIGH, b: HIGH, c: HIGH, d: LOW})
    chairman = as_(stack, clients, CHAIRMAN)
    home = chairman.get("/")
    assert "Quyết định công nhận cần ký" in home.text and 'href="/quyet-dinh/dec-decide"' in home.text

    secretary = as_(stack, clients, SECRETARY)
    draft = secretary.get("/quyet-dinh/dec-decide")
    assert draft.status_code == 200 and "Dự thảo, chờ Chủ tịch UBND ký" in draft.text
    recognised = re.search(r'<table id="recognised">(.*?)</table>', draft.text, re.S)
    rejected = re.search(r'<table id="not-recognised">(.*?)</table>', draft.text, re.S)
    assert recognised and all(t in recognised.group(1) for t in titles[:3]) and titles[3] not in recognised.group(1)
    assert rejected and titles[3] in rejected.group(1) and '<td class="reasons">' in rejected.group(1)
    assert "Ký quyết định công nhận</button>" not in draft.text
    for path in ("/quyet-dinh/dec-decide/quyet-dinh.docx", "/quyet-dinh/dec-decide/bien-ban.docx",
                 f"/quyet-dinh/dec-decide/phieu-cham/{a}/{MEMBER.user_id}.docx"):
        document = secretary.get(path)
        assert document.status_code == 200 and document.headers["content-type"] == DOCX
        assert document.content[:2] == b"PK"
    assert post(secretary, "/quyet-dinh/dec-decide", {"decision_number": "1"}, "/quyet-dinh/dec-decide"
                ).status_code == 403

    sign = "/quyet-dinh/dec-decide"
    assert "Ký quyết định công nhận</button>" in chairman.get(sign).text
    undated = post(chairman, sign, {"decision_number": "120/QĐ-UBND", "decision_date": "", "signer": CHAIRMAN.name,
                                    "initiative_ids": [a, b, c]})
    assert undated.status_code == 422 and 'id="f-decision-date-error"' in undated.text
    assert 'value="120/QĐ-UBND"' in undated.text
    forged = post(chairman, sign, {"decision_number": "120/QĐ-UBND", "decision_date": "05/10/2026",
                                   "signer": CHAIRMAN.name, "initiative_ids": [a, d]})
    assert forged.status_code == 422 and 'id="f-initiative-ids-error"' in forged.text
    assert "chỉ gồm các sáng kiến đã được hội đồng công nhận" in forged.text
    signed = post(chairman, sign, {"decision_number": "120/QĐ-UBND", "decision_date": "05/10/2026",
                                   "signer": CHAIRMAN.name, "initiative_ids": [a, b, c]})
    assert signed.status_code == 303
    shown = chairman.get(signed.headers["location"]).text
    assert "Đã ký quyết định công nhận sáng kiến." in shown
    assert f"Đã ký: số 120/QĐ-UBND ngày 05/10/2026, người ký {CHAIRMAN.name}" in shown
    assert 'href="/quyet-dinh/dec-decide"' not in chairman.get("/").text

    slate = "/de-nghi-thanh-pho/dec-decide"
    page = secretary.get(slate)
    assert page.status_code == 200 and "0/2" in page.text
    assert f'value="{a}"' in page.text and f'value="{d}"' not in page.text
    first = post(secretary, slate, {"initiative_id": a, "reason": "Nhân rộng được ở mọi phường"})
    assert first.status_code == 303
    after = secretary.get(first.headers["location"]).text
    assert "Đã đề nghị sáng kiến lên thành phố." in after and "Lý do đề nghị: Nhân rộng được ở mọi phường" in after
    assert f'id="nom-{a}"' in after and "1/2" in after
    assert post(secretary, slate, {"initiative_id": b, "reason": ""}).status_code == 303
    over = post(secretary, slate, {"initiative_id": c, "reason": "Thêm một"})
    assert over.status_code == 422 and 'id="f-initiative-id-error"' in over.text and "tối đa 2 sáng kiến" in over.text
    assert ">Thêm một</textarea>" in over.text
    unrecognised = post(secretary, slate, {"initiative_id": d, "reason": "Thử"})
    assert unrecognised.status_code == 422 and 'id="f-initiative-id-error"' in unrecognised.text
    assert "Chỉ đề nghị thành phố các sáng kiến đã được công nhận" in unrecognised.text
    withdrawn = post(secretary, f"{slate}/{b}/rut", {f"withdraw.{b}": "Ưu tiên sáng kiến khác"}, slate)
    assert withdrawn.status_code == 303
    back = secretary.get(withdrawn.headers["location"]).text
    assert "Đã rút đề nghị." in back and f'id="nom-{b}"' not in back and f'value="{b}"' in back

    for person in (MEMBER, MEMBER_2, MEMBER_3, AUTHOR):
        assert as_(stack, clients, person).get("/quyet-dinh").status_code == 403
        assert as_(stack, clients, person).get(slate).status_code == 403
