"""The council's deliberation in the portal over real HTTP against the real services (issue 21): the blind
thread, a note refused beside its field then written, the secretary's question answered by the author in the
dossier with the time taken, the chair's mark and reopening, and the conflict pre-check of the council set-up."""

from __future__ import annotations

import re

import httpx
import pytest
from portal_stack import AUTHOR, CHAIR, MEMBER, MEMBER_2, OPERATOR, SECRETARY, Stack, as_

pytestmark = pytest.mark.service
POINTS = {"novelty": 8, "effectiveness": 8, "replicability": 7, "feasibility": 8, "creativity": 6}
TITLE = "Nhắc lịch hẹn trả kết quả qua tin nhắn"


def send(client: httpx.Client, page: str, action: str, data: dict[str, str | list[str]]) -> httpx.Response:
    """A form of `page` sent to `action`, with the page's CSRF token."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found
    return client.post(action, data={"csrf_token": found.group(1), **data})


def test_notes_questions_and_reopening_in_the_portal(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    [initiative] = stack.council("delib-http", [TITLE])
    page = f"/thao-luan/{initiative}"
    member, other = as_(stack, clients, MEMBER), as_(stack, clients, MEMBER_2)
    blind = other.get(page)
    assert blind.status_code == 200 and 'id="blind"' in blind.text and "Gửi ý kiến" not in blind.text
    scored = stack.api(MEMBER, "PUT", "evaluation", f"/initiatives/{initiative}/scores/me", json={"points": POINTS})
    assert scored.status_code == 200, scored.text
    empty = send(member, page, f"{page}/y-kien", {"text": "  ", "mentions": [MEMBER_2.user_id]})
    assert empty.status_code == 422 and 'id="f-text-error"' in empty.text
    written = send(member, page, f"{page}/y-kien", {"text": "Cần số liệu tin nhắn đã gửi.",
                                                    "mentions": [MEMBER_2.user_id]})
    assert written.status_code == 303
    shown = member.get(written.headers["location"])
    assert "Đã ghi ý kiến thảo luận." in shown.text and "Cần số liệu tin nhắn đã gửi." in shown.text
    assert f"Nhắc tới: {MEMBER_2.name}" in shown.text
    assert "Cần số liệu tin nhắn đã gửi." not in other.get(page).text  # still blind before scoring

    secretary = as_(stack, clients, SECRETARY)
    assert "Cần số liệu tin nhắn đã gửi." in secretary.get(page).text
    asked = send(secretary, page, f"{page}/hoi-tac-gia", {"question": "Xin gửi thống kê tin nhắn quý III."})
    assert asked.status_code == 303 and "Xin gửi thống kê tin nhắn quý III." in secretary.get(page).text

    author = as_(stack, clients, AUTHOR)
    dossier = author.get(f"/ho-so/{initiative}")
    question_id = re.search(rf'/ho-so/{initiative}/tra-loi/([A-Za-z0-9_-]+)"', dossier.text)
    assert question_id and "Xin gửi thống kê tin nhắn quý III." in dossier.text
    answer_url = f"/ho-so/{initiative}/tra-loi/{question_id.group(1)}"
    answered = send(author, f"/ho-so/{initiative}", answer_url,
                    {f"answer-{question_id.group(1)}": "Đã gửi 1.320 tin nhắn trong quý III."})
    assert answered.status_code == 303
    after = author.get(answered.headers["location"])
    assert "Đã gửi câu trả lời cho hội đồng." in after.text and "Đã gửi 1.320 tin nhắn trong quý III." in after.text
    assert "Hội đồng hỏi tác giả" in after.text and "Tác giả trả lời hội đồng" in after.text  # the history

    chair = as_(stack, clients, CHAIR)
    seen = chair.get(page)
    assert 'id="disagreement"' in seen.text and "Đã gửi 1.320 tin nhắn trong quý III." in seen.text
    note_id = re.search(r'/y-kien/([A-Za-z0-9_-]+)/khong-dua-bien-ban', seen.text)
    assert note_id
    marked = send(chair, page, f"{page}/y-kien/{note_id.group(1)}/khong-dua-bien-ban", {})
    assert marked.status_code == 303 and "(không đưa vào biên bản)" in chair.get(page).text
    bare = send(chair, page, f"{page}/mo-lai", {"reopen_reason": ""})
    assert bare.status_code == 422 and 'id="f-reopen-reason-error"' in bare.text
    reopened = send(chair, page, f"{page}/mo-lai", {"reopen_reason": "Tác giả đã bổ sung số liệu"})
    assert reopened.status_code == 303
    again = chair.get(reopened.headers["location"])
    assert "Đã mở lại chấm điểm" in again.text and "Tác giả đã bổ sung số liệu" in again.text
    assert member.get("/thu-ky/hoi-dong/delib-http/kiem-tra-xung-dot").status_code == 403

    stack.eventually(lambda: stack.api(OPERATOR, "GET", "reporting", f"/initiatives/{initiative}/trace"),
                     lambda body: any(q.get("answered_at") for q in body.get("questions", [])))
    trace = as_(stack, clients, OPERATOR).get(f"/van-hanh/truy-vet/{initiative}")
    assert 'id="questions"' in trace.text and "Xin gửi thống kê tin nhắn quý III." in trace.text
    assert "QuestionAnswered" in trace.text


def test_the_precheck_names_conflicts_and_records_the_secretarys_decision(stack: Stack,
                                                                          clients: dict[str, httpx.Client]) -> None:
    [initiative] = stack.council("delib-precheck", ["Sổ theo dõi hồ sơ trễ hạn"])
    secretary = as_(stack, clients, SECRETARY)
    page = f"/thu-ky/hoi-dong/delib-precheck/kiem-tra-xung-dot?members={MEMBER.user_id}&members={AUTHOR.user_id}"
    found = secretary.get(page)
    assert found.status_code == 200 and "là tác giả sáng kiến (author)" in found.text
    assert "cùng đơn vị với tác giả (shares a unit with an author)" in found.text
    action = "/thu-ky/hoi-dong/delib-precheck/kiem-tra-xung-dot"
    fields = {"member_id": MEMBER.user_id, "member_name": MEMBER.name, "initiative_id": initiative,
              "kinds": ["shares_unit"], "members": [MEMBER.user_id, AUTHOR.user_id], "decision": "keep"}
    bare = send(secretary, page, action, {**fields, "reason": ""})
    key = f"reason-{MEMBER.user_id}-{initiative}"
    assert bare.status_code == 422 and f'id="f-{key}-error"' in bare.text
    decided = send(secretary, page, action, {**fields, "reason": "Khác tổ công tác, không liên quan"})
    assert decided.status_code == 303
    shown = secretary.get(decided.headers["location"])
    assert "Đã ghi nhận quyết định" in shown.text and "Khác tổ công tác, không liên quan" in shown.text
