"""Reminders from the rules' dates fire once as the test clock moves; a node that was down sends, once, what
fell due meanwhile; a daily digest gathers a day's e-mails; preferences are kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from nt_scene import CAMPAIGN, RUBRIC, VN, campaign, council, submitted, token

from reform_shared.events import (
    AwardFormRule,
    AwardRulesSet,
    CouncilConstituted,
    InitiativeReturned,
    ScoreRecorded,
    ScoringOpened,
)

pytestmark = pytest.mark.service
SECRETARY = "lan@ninhgiang.gov.vn"


async def reminders_to(service: Any, user: str) -> list[str]:
    inbox = (await service.http.get("/api/v1/notifications/me", headers=token(user))).json()
    return sorted(n["subject"] for n in inbox if n["kind"] == "reminder")


async def at(service: Any, moment: dt.datetime) -> dict[str, int]:
    service.clock.advance(moment - service.clock.now())
    return await service.tick()


async def test_submissions_closing_reminds_units_that_proposed_nothing_three_days_and_one_day_before(
        service: Any) -> None:
    w = service.writer
    await w.write(campaign())  # closes 25/9 17:00; expects kinh-te and tu-phap
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await at(service, dt.datetime(2026, 9, 22, 16, 0, tzinfo=VN))
    assert await reminders_to(service, "binh") == []  # not yet: 3 days before is 22/9 17:00
    await at(service, dt.datetime(2026, 9, 22, 17, 0, tzinfo=VN))
    closing = "Sắp hết hạn nộp sáng kiến: Sáng kiến cải cách hành chính năm 2026"
    assert await reminders_to(service, "binh") == [closing]  # head of tu-phap, which proposed nothing
    assert await reminders_to(service, "thu") == []  # kinh-te proposed one
    await at(service, dt.datetime(2026, 9, 23, 9, 0, tzinfo=VN))
    assert await reminders_to(service, "binh") == [closing]  # the same reminder, once
    await at(service, dt.datetime(2026, 9, 24, 17, 30, tzinfo=VN))
    assert await reminders_to(service, "binh") == [closing, closing]  # one day before
    assert service.mailbox.subjects("binh@ninhgiang.gov.vn") == [closing, closing]
    await at(service, dt.datetime(2026, 9, 26, 9, 0, tzinfo=VN))
    assert len(await reminders_to(service, "binh")) == 2


async def test_a_node_down_over_a_due_date_sends_it_once_when_back(service: Any) -> None:
    w = service.writer
    await w.write(campaign())
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await w.write(CouncilConstituted(campaign_id=CAMPAIGN, decision_number="12/QĐ", decision_date=dt.date(2026, 9, 26),
                                     members=council("minh", "thu"), rubric=RUBRIC))
    await w.write(ScoringOpened(campaign_id=CAMPAIGN, rubric_version=1))
    await w.write(ScoreRecorded(scoresheet_id="s1", initiative_id="i-an", campaign_id=CAMPAIGN, member_id="thu",
                                points={"n": 80}))
    # Down from before 25/9 (3 days before the evaluation deadline of 28/9) until the 27th: one tick then.
    await at(service, dt.datetime(2026, 9, 27, 8, 0, tzinfo=VN))
    await service.tick()
    unscored = "Còn sáng kiến chưa chấm: Sáng kiến cải cách hành chính năm 2026"
    assert await reminders_to(service, "minh") == [unscored]  # the 3-day one, late but once
    assert await reminders_to(service, "thu") == []  # scored everything
    await at(service, dt.datetime(2026, 9, 28, 8, 0, tzinfo=VN))
    assert await reminders_to(service, "minh") == [unscored, unscored]  # the 1-day one
    assert service.mailbox.subjects("minh@ninhgiang.gov.vn").count(unscored) == 2


async def test_award_dossier_and_report_dates_remind_the_secretary_once_each(service: Any) -> None:
    await at(service, dt.datetime(2026, 11, 13, 0, 0, tzinfo=VN))  # 7 days before the 20/11 deadline
    await service.tick()
    await at(service, dt.datetime(2026, 12, 7, 0, 0, tzinfo=VN))  # 3 days before 10/12
    assert await reminders_to(service, "lan") == [
        "Hạn báo cáo cải cách hành chính năm 2026",
        "Hạn báo cáo cải cách hành chính quý 4/2026",
        "Hạn hồ sơ khen thưởng cấp xã năm 2026: Giấy khen của Chủ tịch UBND xã",
    ]
    assert await reminders_to(service, "an") == []
    await at(service, dt.datetime(2027, 3, 3, 0, 0, tzinfo=VN))
    assert "Hạn hồ sơ khen thưởng cấp thành phố năm 2026: Bằng khen của Chủ tịch UBND thành phố" in \
        await reminders_to(service, "lan")
    assert "Hạn báo cáo cải cách hành chính quý 1/2027" not in await reminders_to(service, "lan")  # from 7/3


async def test_award_dossier_reminders_follow_the_rules_the_city_set_for_the_year(service: Any) -> None:
    """The city moved 2026's Giấy khen deadline to 30/11 and added a form with its own deadline: the reminders
    name those days (the awards service judges by them), not seed 004's 20/11."""
    later = AwardFormRule(code="giay-khen-xa", name="Giấy khen của Chủ tịch UBND xã", level="commune",
                          kind="annual", recipients=("individual", "collective"), decided_by="chairman",
                          deadline_month=11, deadline_day=30)
    added = later.model_copy(update={"code": "giay-khen-ccvc", "name": "Giấy khen công chức tiêu biểu",
                                     "deadline_month": 12, "deadline_day": 5})
    await service.writer.write(AwardRulesSet(effective_from=dt.date(2026, 1, 1), forms=(later, added)),
                               commune="city")
    await at(service, dt.datetime(2026, 11, 13, 0, 0, tzinfo=VN))  # seed 004's 7 days before 20/11: nothing now
    assert not [s for s in await reminders_to(service, "lan") if s.startswith("Hạn hồ sơ")]
    await at(service, dt.datetime(2026, 11, 23, 0, 0, tzinfo=VN))  # 7 days before the end of 29/11
    assert [s for s in await reminders_to(service, "lan") if s.startswith("Hạn hồ sơ")] == [
        "Hạn hồ sơ khen thưởng cấp xã năm 2026: Giấy khen của Chủ tịch UBND xã"]
    await at(service, dt.datetime(2026, 11, 28, 0, 0, tzinfo=VN))
    assert "Hạn hồ sơ khen thưởng cấp xã năm 2026: Giấy khen công chức tiêu biểu" in await reminders_to(service, "lan")
    inbox = (await service.http.get("/api/v1/notifications/me", headers=token("lan"))).json()
    assert any("trước ngày 30/11/2026" in " ".join(n.get("lines", [])) for n in inbox), inbox


async def test_the_digest_gathers_a_days_emails_into_one_sent_the_next_day(service: Any) -> None:
    http = service.http
    prefs = {"muted_kinds": [], "email": True, "digest": True}
    assert (await http.put("/api/v1/notifications/me/preferences", json=prefs, headers=token("an"))).status_code == 200
    w = service.writer
    await w.write(campaign())
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await w.write(submitted("i-an2", "Chữ ký số cho hộ kinh doanh", "kinh-te", ("an",)))
    await w.write(InitiativeReturned(initiative_id="i-an", campaign_id=CAMPAIGN, reason="Thiếu hồ sơ"))
    await w.write(InitiativeReturned(initiative_id="i-an2", campaign_id=CAMPAIGN, reason="Thiếu số liệu"))
    await service.tick()
    assert service.mailbox.to("an@ninhgiang.gov.vn") == []  # held for the digest; the inbox shows each at once
    assert len((await http.get("/api/v1/notifications/me", headers=token("an"))).json()) == 2
    await at(service, dt.datetime(2026, 6, 2, 7, 0, tzinfo=VN))
    await service.tick()
    mails = service.mailbox.to("an@ninhgiang.gov.vn")
    assert [str(m["Subject"]) for m in mails] == ["Tổng hợp thông báo ngày 01/06/2026 (2 thông báo)"]
    text = mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Một cửa liên thông điện tử" in text and "Chữ ký số cho hộ kinh doanh" in text


async def test_preferences_mute_a_kind_and_turn_email_off(service: Any) -> None:
    http = service.http
    prefs = {"muted_kinds": ["dossier_returned"], "email": True, "digest": False}
    await http.put("/api/v1/notifications/me/preferences", json=prefs, headers=token("an"))
    await http.put("/api/v1/notifications/me/preferences", json={"email": False}, headers=token("binh"))
    assert (await http.get("/api/v1/notifications/me/preferences", headers=token("an"))).json() == prefs
    bad = await http.put("/api/v1/notifications/me/preferences", json={"muted_kinds": ["x"]}, headers=token("an"))
    assert bad.status_code == 422
    w = service.writer
    await w.write(campaign())
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await w.write(submitted("i-binh", "Số hóa hộ tịch", "tu-phap", ("binh",)))
    await w.write(InitiativeReturned(initiative_id="i-an", campaign_id=CAMPAIGN, reason="Thiếu hồ sơ"))
    await w.write(InitiativeReturned(initiative_id="i-binh", campaign_id=CAMPAIGN, reason="Thiếu hồ sơ"))
    await service.tick()
    assert (await http.get("/api/v1/notifications/me", headers=token("an"))).json() == []
    assert len((await http.get("/api/v1/notifications/me", headers=token("binh"))).json()) == 1
    assert service.mailbox.received == []
