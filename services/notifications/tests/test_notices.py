"""Each kind of notice reaches the right people and no one else: inbox and real e-mail (service tier)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from nt_scene import CAMPAIGN, PEOPLE, RESULT, RUBRIC, campaign, council, submitted, token

from reform_shared.events import (
    AwardGranted,
    AwardProposed,
    AwardRejected,
    CouncilConstituted,
    CouncilMembershipChanged,
    InitiativeNotRecognized,
    InitiativeRecognized,
    InitiativeReturned,
    Nominated,
    Recipient,
    ScoringOpened,
)

pytestmark = pytest.mark.service
async def inbox(service: Any, user: str) -> list[dict[str, Any]]:
    response = await service.http.get("/api/v1/notifications/me", headers=token(user))
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


async def kinds_of(service: Any) -> dict[str, list[str]]:
    return {user: sorted(n["kind"] for n in await inbox(service, user)) for user in PEOPLE}


async def test_each_kind_reaches_the_right_people_and_no_one_else(service: Any) -> None:
    w = service.writer
    await w.write(campaign())
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await w.write(submitted("i-tp", "Số hóa hộ tịch", "tu-phap", ()))
    await w.write(CouncilConstituted(campaign_id=CAMPAIGN, decision_number="12/QĐ-UBND",
                                     decision_date=dt.date(2026, 9, 26), members=council("minh", "thu"), rubric=RUBRIC))
    await w.write(CouncilMembershipChanged(campaign_id=CAMPAIGN, members=council("minh", "thu", "lan")))
    await w.write(ScoringOpened(campaign_id=CAMPAIGN, rubric_version=1))
    await w.write(InitiativeReturned(initiative_id="i-an", campaign_id=CAMPAIGN, reason="Thiếu số liệu hiệu quả"))
    await w.write(InitiativeRecognized(initiative_id="i-an", campaign_id=CAMPAIGN, result=RESULT))
    await w.write(InitiativeNotRecognized(initiative_id="i-tp", campaign_id=CAMPAIGN, result=RESULT,
                                          reasons=("Chưa có tính mới",)))
    await w.write(Nominated(slate_id="s-2026", initiative_id="i-an", campaign_id=CAMPAIGN, year=2026,
                            title="Một cửa liên thông điện tử", summary="", field="c"))
    an = Recipient(kind="individual", recipient_id="an", name="Phạm Văn An")
    await w.write(AwardProposed(award_id="a-1", recipient=an, form="giay-khen"))
    await w.write(AwardGranted(award_id="a-1", recipient=an,
                               form="giay-khen", decision_number="30/QĐ", decision_date=dt.date(2026, 11, 25),
                               signer="Trần Văn Hùng"))
    await w.write(AwardProposed(award_id="a-2", recipient=Recipient(kind="collective", recipient_id="tu-phap",
                                                                    name="Phòng Tư pháp", unit_id="tu-phap")))
    await w.write(AwardRejected(award_id="a-2", reason="Chưa đủ tiêu chuẩn"))
    await service.tick()

    assert await kinds_of(service) == {
        "lan": ["council_assigned", "scoring_opened"],
        "hung": [],
        "minh": ["council_assigned", "scoring_opened"],
        "thu": ["council_assigned", "scoring_opened"],
        "an": ["award_granted", "dossier_returned", "nominated", "recognised"],
        "binh": ["award_rejected", "not_recognised"],  # the head of the collective author, of the unit rewarded
        "khoa": [],
    }
    returned = next(n for n in await inbox(service, "an") if n["kind"] == "dossier_returned")
    assert "Lý do: Thiếu số liệu hiệu quả" in returned["lines"]
    mails = service.mailbox
    assert sorted(mails.subjects("an@ninhgiang.gov.vn")) == sorted(n["subject"] for n in await inbox(service, "an"))
    assert mails.to("hung@ninhgiang.gov.vn") == [] and mails.to("khoa@ninhgiang.gov.vn") == []
    message = mails.to("an@ninhgiang.gov.vn")[0]
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
    assert "Kính gửi Phạm Văn An" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_inbox_unread_count_and_mark_read_are_the_persons_own(service: Any) -> None:
    w = service.writer
    await w.write(campaign())
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await w.write(InitiativeReturned(initiative_id="i-an", campaign_id=CAMPAIGN, reason="Thiếu hồ sơ"))
    await w.write(InitiativeRecognized(initiative_id="i-an", campaign_id=CAMPAIGN, result=RESULT))
    await w.settled()
    http = service.http
    assert (await http.get("/api/v1/notifications/me/unread", headers=token("an"))).json() == {"unread": 2}
    first = (await inbox(service, "an"))[0]["id"]
    other = await http.post("/api/v1/notifications/me/read", json={"ids": [first]}, headers=token("binh"))
    assert other.json() == {"marked": 0}
    mine = await http.post("/api/v1/notifications/me/read", json={"ids": [first]}, headers=token("an"))
    assert mine.json() == {"marked": 1}
    assert (await http.get("/api/v1/notifications/me/unread", headers=token("an"))).json() == {"unread": 1}
    await http.post("/api/v1/notifications/me/read", json={}, headers=token("an"))
    assert (await http.get("/api/v1/notifications/me/unread", headers=token("an"))).json() == {"unread": 0}
    assert (await http.get("/api/v1/notifications/me")).status_code == 401
