"""The council deliberates on one initiative (issue 21), on the real stream: blind private notes and the
secretary's view, a question answered by the author and shown in the history, reopening scoring, the minutes."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import docx
import pytest
from test_http import BASE, GOOD, WEAK, Council, open_scoring

pytestmark = pytest.mark.service

ONE_DOOR = "Một cửa điện tử"  # by "an", unit vh-xh (headed by truong-vhxh as typed in the council)


async def note(c: Council, member: str, text: str, role: str = "council_member", **extra: Any) -> Any:
    return await c.evaluation.post(f"{BASE}/initiatives/{c.ids[ONE_DOOR]}/notes", json={"text": text, **extra},
                                   headers=c.as_(member, role))


async def thread(c: Council, member: str, role: str = "council_member") -> dict[str, Any]:
    response = await c.evaluation.get(f"{BASE}/initiatives/{c.ids[ONE_DOOR]}/deliberation",
                                      headers=c.as_(member, role))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_member_who_has_not_scored_sees_no_note_and_the_secretary_sees_all(council: Council) -> None:
    await open_scoring(council)
    assert (await council.score("hung", ONE_DOOR, GOOD)).status_code == 200
    written = await note(council, "hung", "Đề nghị làm rõ số hồ sơ đã số hóa.", mentions=["lan"])
    assert written.status_code == 201, written.text
    blind = await thread(council, "lan")
    assert blind["blind"] is True and blind["notes"] == []
    refused = await note(council, "lan", "Tôi đồng ý.")
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "notes_after_own_score"
    for who, role in (("thu-ky", "secretary"), ("chu-tich", "council_chair")):
        seen = await thread(council, who, role)
        assert [n["text"] for n in seen["notes"]] == ["Đề nghị làm rõ số hồ sơ đã số hóa."]
        assert seen["notes"][0]["mentions"] == ["lan"]
    assert (await council.score("lan", ONE_DOOR, WEAK)).status_code == 200
    first = (await thread(council, "lan"))["notes"][0]["note_id"]
    reply = await note(council, "lan", "Đã có số liệu quý III.", reply_to=first)
    assert reply.status_code == 201, reply.text
    after = await thread(council, "lan")
    assert after["blind"] is False and [n["reply_to"] for n in after["notes"]] == [None, first]
    stranger = await note(council, "lan", "Hỏi thêm.", mentions=["nobody"])
    assert stranger.status_code == 422 and stranger.json()["error"]["rule"] == "mentions_members_only"


async def test_a_question_answered_by_the_author_is_in_the_history_with_the_time_taken(council: Council) -> None:
    initiative = council.ids[ONE_DOOR]
    asked = await council.evaluation.post(f"{BASE}/initiatives/{initiative}/questions",
                                          json={"text": "Xin bổ sung số liệu hồ sơ đã số hóa."},
                                          headers=council.as_("thu-ky", "secretary"))
    assert asked.status_code == 201, asked.text
    questions = (await council.evaluation.get(f"{BASE}/initiatives/{initiative}/questions",
                                              headers=council.as_("an", "submitter"))).json()["questions"]
    assert [q["answer"] for q in questions] == [None]
    council.clock.advance(dt.timedelta(hours=2))
    answer_url = f"{BASE}/initiatives/{initiative}/questions/{questions[0]['question_id']}/answer"
    other = await council.evaluation.post(answer_url, json={"text": "Tôi trả lời thay."},
                                          headers=council.as_("binh", "submitter"))
    assert other.status_code == 403 and other.json()["error"]["rule"] == "authors_answer"
    answered = await council.evaluation.post(answer_url, json={"text": "Đã số hóa 1.240 hồ sơ."},
                                             headers=council.as_("an", "submitter"))
    assert answered.status_code == 201, answered.text
    shown = (await council.evaluation.get(f"{BASE}/initiatives/{initiative}/questions",
                                          headers=council.as_("chu-tich", "council_chair"))).json()["questions"]
    assert shown[0]["answer"] == "Đã số hóa 1.240 hồ sơ." and shown[0]["seconds_taken"] == 7200
    history = (await council.submission.get(f"{BASE}/initiatives/{initiative}/history",
                                            headers=council.as_("an", "submitter"))).json()["events"]
    entries = {e["event_type"]: e for e in history}
    assert entries["QuestionAsked"]["question"] == "Xin bổ sung số liệu hồ sơ đã số hóa."
    assert entries["QuestionAnswered"]["answer"] == "Đã số hóa 1.240 hồ sơ."
    assert entries["QuestionAnswered"]["seconds_taken"] == 7200


async def test_a_reopened_initiative_is_scored_again_then_finalised(council: Council) -> None:
    await open_scoring(council)
    initiative = council.ids[ONE_DOOR]
    for member in ("hung", "lan", "thu-ky"):
        role = "council_member"
        assert (await council.score(member, ONE_DOOR, WEAK, role)).status_code == 200
    chair = council.as_("chu-tich", "council_chair")
    without = await council.evaluation.post(f"{BASE}/initiatives/{initiative}/reopen-scoring", json={"reason": ""},
                                            headers=chair)
    assert without.status_code == 422
    reopened = await council.evaluation.post(f"{BASE}/initiatives/{initiative}/reopen-scoring", headers=chair,
                                             json={"reason": "Tác giả đã bổ sung minh chứng hiệu quả"})
    assert reopened.status_code == 200, reopened.text
    early = await council.evaluation.post(f"{BASE}/initiatives/{initiative}/finalise", headers=chair)
    assert early.status_code == 422 and early.json()["error"]["rule"] == "finalise_needs_quorum"
    await council.progress(lambda b: any(r["initiative_id"] == initiative and r["scored"] == 0
                                         for r in b["initiatives"]))
    for member in ("hung", "lan", "thu-ky"):
        assert (await council.score(member, ONE_DOOR, GOOD)).status_code == 200
    finalised = await council.evaluation.post(f"{BASE}/initiatives/{initiative}/finalise", headers=chair)
    assert finalised.status_code == 200, finalised.text
    assert finalised.json()["event_type"] == "InitiativeRecognized"
    seen = await thread(council, "chu-tich", "council_chair")
    assert seen["round"] == 2 and seen["reopenings"][0]["reason"] == "Tác giả đã bổ sung minh chứng hiệu quả"


def minutes_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


async def test_the_minutes_list_the_discussion_without_private_notes_and_every_conflict(council: Council) -> None:
    await open_scoring(council)
    initiative = council.ids[ONE_DOOR]
    declared = await council.evaluation.post(f"{BASE}/initiatives/{initiative}/conflicts",
                                             json={"reason": "là người thân của tác giả"},
                                             headers=council.as_("hung", "council_member"))
    assert declared.status_code == 200, declared.text
    assert (await council.score("lan", ONE_DOOR, GOOD)).status_code == 200
    assert (await note(council, "lan", "Sáng kiến áp dụng được cho các xã lân cận.")).status_code == 201
    assert (await note(council, "lan", "Nhận xét riêng về tác giả.")).status_code == 201
    private = (await thread(council, "lan"))["notes"][1]["note_id"]
    chair = council.as_("chu-tich", "council_chair")
    marked = await council.evaluation.post(f"{BASE}/initiatives/{initiative}/notes/{private}/not-for-minutes",
                                           json={"reason": "ý kiến cá nhân"}, headers=chair)
    assert marked.status_code == 200, marked.text
    await council.progress(lambda b: any(r["scored"] for r in b["initiatives"]))
    response = await council.evaluation.get(f"{BASE}/campaigns/cchc-2026/minutes.docx",
                                            headers=council.as_("thu-ky", "secretary"))
    assert response.status_code == 200
    text = minutes_text(response.content)
    assert "Không có thành viên nào có xung đột lợi ích" not in text
    assert "là người thân của tác giả" in text  # declared
    assert "thủ trưởng đơn vị của tác giả" in text and "tự động" in text  # Đỗ Minh heads vh-xh
    assert "là tác giả sáng kiến" in text  # Lan wrote the Zalo OA initiative
    assert "Sáng kiến áp dụng được cho các xã lân cận." in text
    assert "Nhận xét riêng về tác giả." not in text
