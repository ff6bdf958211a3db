"""The council's deliberation tells: a mentioned member (never the note's author, never its text), the authors
of a question, the commune's secretary of its answer (service tier: real nats-server, SecantusDB, SMTP)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from nt_scene import CAMPAIGN, PEOPLE, RUBRIC, VN, campaign, council, submitted, token

from reform_shared.events import CouncilConstituted
from reform_shared.events.deliberation import NoteAdded, QuestionAnswered, QuestionAsked

pytestmark = pytest.mark.service
SECRET = "Theo tôi điểm tính mới phải thấp hơn 60"


async def inbox(service: Any, user: str) -> list[dict[str, Any]]:
    response = await service.http.get("/api/v1/notifications/me", headers=token(user))
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


async def kinds_of(service: Any) -> dict[str, list[str]]:
    return {user: sorted(n["kind"] for n in await inbox(service, user)) for user in PEOPLE}


async def deliberating(service: Any) -> None:
    w = service.writer
    await w.write(campaign())
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await w.write(CouncilConstituted(campaign_id=CAMPAIGN, decision_number="12/QĐ-UBND",
                                     decision_date=dt.date(2026, 9, 26), members=council("minh", "thu", "hung"),
                                     rubric=RUBRIC))


async def test_a_mention_tells_the_mentioned_members_only_and_never_quotes_the_note(service: Any) -> None:
    await deliberating(service)
    await service.writer.write(NoteAdded(
        initiative_id="i-an", campaign_id=CAMPAIGN, note_id="n-1", member_id="minh", member_name="Đỗ Minh",
        text=SECRET, mentions=("thu", "minh", "an")))  # himself and a non-member: neither told
    await service.tick()

    told = {user: [k for k in kinds if k == "mentioned"] for user, kinds in (await kinds_of(service)).items()}
    assert told == {user: (["mentioned"] if user == "thu" else []) for user in PEOPLE}
    notice = next(n for n in await inbox(service, "thu") if n["kind"] == "mentioned")
    assert "Một cửa liên thông điện tử" in notice["subject"]
    assert any("Đỗ Minh" in line for line in notice["lines"])
    assert notice["link"] == "/thao-luan/i-an"
    assert SECRET not in str(notice)
    mail = next(m for m in service.mailbox.to("thu@ninhgiang.gov.vn") if "thảo luận" in str(m["Subject"]))
    for part in ("plain", "html"):
        body = mail.get_body((part,))
        assert body is not None and SECRET not in body.get_content()
    assert "/thao-luan/i-an" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert all("thảo luận" not in str(m["Subject"]) for m in service.mailbox.to("minh@ninhgiang.gov.vn"))


async def test_a_question_tells_the_authors_and_its_answer_the_secretary(service: Any) -> None:
    await deliberating(service)
    asked = dt.datetime(2026, 10, 1, 9, tzinfo=VN)
    await service.writer.write(QuestionAsked(initiative_id="i-an", campaign_id=CAMPAIGN, question_id="q-1",
                                             text="Xin bổ sung số liệu thời gian xử lý hồ sơ", asked_by="lan",
                                             asked_at=asked))
    await service.writer.write(QuestionAnswered(
        initiative_id="i-an", campaign_id=CAMPAIGN, question_id="q-1", text="Đã bổ sung bảng số liệu",
        answered_by="an", asked_at=asked, answered_at=asked + dt.timedelta(hours=5), seconds_taken=18000))
    await service.tick()

    kinds = await kinds_of(service)
    assert {u: [k for k in ks if k.startswith("question_")] for u, ks in kinds.items()} == {
        user: {"an": ["question_asked"], "lan": ["question_answered"]}.get(user, []) for user in PEOPLE}
    question = next(n for n in await inbox(service, "an") if n["kind"] == "question_asked")
    assert "Câu hỏi: Xin bổ sung số liệu thời gian xử lý hồ sơ" in question["lines"]
    assert question["link"] == "/sang-kien/i-an"
    answer = next(n for n in await inbox(service, "lan") if n["kind"] == "question_answered")
    assert any("Phạm Văn An" in line for line in answer["lines"]) and answer["link"] == "/thao-luan/i-an"
    assert any("trả lời câu hỏi" in str(m["Subject"]) for m in service.mailbox.to("lan@ninhgiang.gov.vn"))


async def test_the_new_kinds_are_on_the_preferences_and_a_muted_mention_is_not_sent(service: Any) -> None:
    for kind in ("mentioned", "question_asked", "question_answered"):
        response = await service.http.put("/api/v1/notifications/me/preferences", headers=token("thu"),
                                          json={"muted_kinds": [kind]})
        assert response.status_code == 200, response.text
    await service.http.put("/api/v1/notifications/me/preferences", headers=token("thu"),
                           json={"muted_kinds": ["mentioned"]})
    await deliberating(service)
    await service.writer.write(NoteAdded(initiative_id="i-an", campaign_id=CAMPAIGN, note_id="n-2", member_id="hung",
                                         text="Đồng ý", mentions=("thu", "minh")))
    await service.tick()
    assert [n["kind"] for n in await inbox(service, "minh")].count("mentioned") == 1
    assert "mentioned" not in [n["kind"] for n in await inbox(service, "thu")]
