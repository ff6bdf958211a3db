"""Once and only once: a redelivered event, a restarted service, a second tick send nothing twice; a failing
SMTP server is retried with backoff and shown to operators; a poison event is parked and operators told."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from nt_scene import CAMPAIGN, COMMUNE, RESULT, campaign, notification_settings, submitted, token

from reform_notifications.bootstrap import build_app
from reform_notifications.runtime import NotificationsRuntime
from reform_shared.events import InitiativeRecognized, InitiativeReturned
from reform_shared.provisioning import NOTIFICATIONS_CONSUMER

pytestmark = pytest.mark.service


async def test_a_redelivered_event_and_a_restarted_service_send_nothing_twice(service: Any, settings: Any) -> None:
    w = service.writer
    await w.write(campaign())
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    returned = await w.write(InitiativeReturned(initiative_id="i-an", campaign_id=CAMPAIGN, reason="Thiếu hồ sơ"))
    await service.tick()
    assert len(service.mailbox.to("an@ninhgiang.gov.vn")) == 1

    # The same event handled again (what a redelivery after a crash before the ack does).
    await service.wiring.intake.handle(returned, service.clock.now())
    # The same message published again under another stream sequence: the consumer gets it anew.
    await service.writer.js.publish(f"{settings.subject_prefix}.{COMMUNE}.initiative.i-an.InitiativeReturned",
                                    returned.to_json(), stream=settings.stream_name)
    await service.tick()
    await service.tick()
    assert len(service.mailbox.to("an@ninhgiang.gov.vn")) == 1
    assert len((await service.http.get("/api/v1/notifications/me", headers=token("an"))).json()) == 1

    # A second process on the same database and consumer (a restart): nothing new, then only the new event.
    await service.runtime.stop()
    config = notification_settings(settings, service.mailbox)
    again = NotificationsRuntime(config, clock=service.clock, run_clock=False)
    app = build_app(again)
    async with app.router.lifespan_context(app):
        await w.write(InitiativeRecognized(initiative_id="i-an", campaign_id=CAMPAIGN, result=RESULT))
        await w.settled()
        assert again.wiring is not None
        await again.wiring.dispatcher.tick(service.clock.now())
        await again.wiring.dispatcher.tick(service.clock.now())
    subjects = service.mailbox.subjects("an@ninhgiang.gov.vn")
    assert len(subjects) == 2 and subjects[1].startswith("Sáng kiến được công nhận")


async def test_a_failing_smtp_server_is_retried_with_backoff_and_shown_to_operators(service: Any) -> None:
    service.mailbox.refuse = True
    w = service.writer
    await w.write(campaign())
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await w.write(InitiativeReturned(initiative_id="i-an", campaign_id=CAMPAIGN, reason="Thiếu hồ sơ"))
    assert (await service.tick())["sent"] == 0
    operator = token("khoa", ("operator",))
    failures = (await service.http.get("/api/v1/notifications/ops/failures", headers=operator)).json()
    assert [(f["status"], f["attempts"]) for f in failures] == [("pending", 1)]
    assert "451" in failures[0]["last_error"]
    assert (await service.tick())["sent"] == 0  # not due again yet: backoff
    assert (await service.http.get("/api/v1/notifications/ops/failures", headers=operator)).json()[0]["attempts"] == 1
    assert (await service.http.get("/api/v1/notifications/ops/failures", headers=token("an"))).status_code == 403

    service.mailbox.refuse = False
    service.clock.advance(dt.timedelta(seconds=31))
    assert (await service.tick())["sent"] == 1
    assert (await service.http.get("/api/v1/notifications/ops/failures", headers=operator)).json() == []
    assert len(service.mailbox.to("an@ninhgiang.gov.vn")) == 1


async def test_giving_up_tells_the_operators(service: Any) -> None:
    service.mailbox.refuse = True
    w = service.writer
    await w.write(campaign())
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await w.write(InitiativeReturned(initiative_id="i-an", campaign_id=CAMPAIGN, reason="Thiếu hồ sơ"))
    for _ in range(service.runtime.config.max_attempts):
        await service.tick()
        service.clock.advance(dt.timedelta(hours=1))
    operator = token("khoa", ("operator",))
    failures = (await service.http.get("/api/v1/notifications/ops/failures", headers=operator)).json()
    assert [f["status"] for f in failures] == ["failed"]
    told = (await service.http.get("/api/v1/notifications/me", headers=operator)).json()
    assert [n["kind"] for n in told] == ["delivery_failed"]


async def test_a_poison_event_is_parked_the_rest_goes_on_and_operators_are_told(service: Any) -> None:
    w = service.writer
    await w.raw("initiative.x.InitiativeReturned", b"{not json")
    await w.write(campaign())
    await w.write(submitted("i-an", "Một cửa liên thông điện tử", "kinh-te", ("an",)))
    await w.write(InitiativeReturned(initiative_id="i-an", campaign_id=CAMPAIGN, reason="Thiếu hồ sơ"))
    await service.tick()
    operator = token("khoa", ("operator",))
    parked = (await service.http.get("/api/v1/notifications/ops/parked", headers=operator)).json()
    assert len(parked) == 1 and "not JSON" in parked[0]["error"]
    assert [n["kind"] for n in (await service.http.get("/api/v1/notifications/me", headers=operator)).json()] == [
        "event_parked"]
    assert len(service.mailbox.to("an@ninhgiang.gov.vn")) == 1
    info = await w.js.consumer_info(service.runtime.settings.stream_name, NOTIFICATIONS_CONSUMER)
    assert info.num_ack_pending == 0 and info.num_redelivered == 0
