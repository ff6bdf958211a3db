"""A restored node's history is told again in the inbox, never by e-mail; what follows the restore is mailed.

The stream as a restore leaves it: events, a first restore's `NodeRestored`, more events, a second restore's (a
restore of a restored node's backup) — then the service starts with an empty database, SMTP configured, its clock
after the second restore. Real nats-server, real SecantusDB, real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from nt_scene import CAMPAIGN, RESULT, VN, Writer, campaign, directory_events, notification_settings, submitted, token

from reform_notifications.application.outbox import OUTBOX
from reform_notifications.bootstrap import build_app
from reform_notifications.domain.horizon import HISTORY, HISTORY_NOTE
from reform_notifications.runtime import NotificationsRuntime
from reform_shared.events import InitiativeRecognized, InitiativeReturned, build_registry
from reform_shared.restores import mark_restored
from reform_shared.store import JetStreamEventStore

pytestmark = pytest.mark.service
RESTORED_AT = dt.datetime(2026, 9, 23, 9, 0, tzinfo=VN)
"""After the 3-day reminder of the submissions' close (22/9 17:00), before the 1-day one (24/9 17:00)."""
CLOSING = "Sắp hết hạn nộp sáng kiến: Sáng kiến cải cách hành chính năm 2026"


async def restored_history(js: Any, config: Any) -> int:
    """The stream of a node restored twice; returns the second restore's `up_to_seq`."""
    w = Writer(js, config)
    ops = JetStreamEventStore(js, build_registry(), config.stream_name, config.ops_prefix)
    for payload in directory_events():
        await w.write(payload)
    await w.write(campaign())
    first = (await js.stream_info(config.stream_name)).state.last_seq
    await mark_restored(ops, config.stream_name, up_to_seq=first, file_sha256="01" * 32,
                        now=RESTORED_AT - dt.timedelta(days=30))
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await w.write(InitiativeReturned(initiative_id="i-an", campaign_id=CAMPAIGN, reason="Thiếu hồ sơ"))
    await w.raw("initiative.x.InitiativeReturned", b"{not json")  # parked, its operators told, before the backup
    second = (await js.stream_info(config.stream_name)).state.last_seq
    await mark_restored(ops, config.stream_name, up_to_seq=second, file_sha256="02" * 32, now=RESTORED_AT)
    return second


async def inbox(http: httpx.AsyncClient, user: str, roles: tuple[str, ...] = ("submitter",)) -> list[str]:
    answer = await http.get("/api/v1/notifications/me", headers=token(user, roles))
    assert answer.status_code == 200, answer.text
    return sorted(n["kind"] for n in answer.json())


async def test_history_goes_to_the_inbox_only_and_what_follows_the_restore_is_mailed(
        settings: Any, js: Any, mailbox: Any, clock: Any) -> None:
    config = notification_settings(settings, mailbox)
    horizon = await restored_history(js, config)
    clock.advance(RESTORED_AT + dt.timedelta(minutes=5) - clock.now())
    runtime = NotificationsRuntime(config, clock=clock, run_clock=False)
    app = build_app(runtime)
    writer = Writer(js, config)

    async def tick() -> None:
        await writer.settled()
        assert runtime.wiring is not None
        await runtime.wiring.dispatcher.tick(clock.now())

    async with app.router.lifespan_context(app), httpx.AsyncClient(  # type: ignore[attr-defined]
            transport=httpx.ASGITransport(app=app), base_url="http://n") as http:  # type: ignore[arg-type]
        assert runtime.horizon.up_to_seq == horizon  # the last restore's, not the first's
        await tick()
        assert await inbox(http, "an") == ["dossier_returned"]  # the inbox is whole again
        assert await inbox(http, "binh") == ["reminder"]  # the 3-day reminder fell due before the restore
        assert await inbox(http, "khoa", ("operator",)) == ["event_parked"]
        assert mailbox.received == []  # and nobody was mailed any of it
        emails = [d async for d in runtime.connections.db[OUTBOX].find({})]
        assert len(emails) == 3 and {(d["status"], d["note"]) for d in emails} == {(HISTORY, HISTORY_NOTE)}
        await tick()
        assert mailbox.received == []

        await writer.write(InitiativeRecognized(initiative_id="i-an", campaign_id=CAMPAIGN, result=RESULT))
        await tick()
        await tick()
        recognised = mailbox.subjects("an@ninhgiang.gov.vn")
        assert len(recognised) == 1 and recognised[0].startswith("Sáng kiến được công nhận")
        assert await inbox(http, "an") == ["dossier_returned", "recognised"]

        clock.advance(dt.datetime(2026, 9, 24, 17, 30, tzinfo=VN) - clock.now())  # the 1-day reminder falls due
        await tick()
        await tick()
        assert mailbox.subjects("binh@ninhgiang.gov.vn") == [CLOSING]  # mailed once: it fell due after the restore
        assert await inbox(http, "binh") == ["reminder", "reminder"]
        assert len(mailbox.received) == 2
