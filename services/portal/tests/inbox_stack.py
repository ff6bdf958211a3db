"""A portal on the real notifications service (nothing else): the inbox pages' stack, module-scoped."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import nats
import pytest
from dev_sign_in import DevSignIn
from portal_live import LiveServer
from portal_stack import ACCOUNTS, AUTHOR, SECRETARY, _provision, portal_settings

from reform_notifications import bootstrap as notifications
from reform_portal.bootstrap import build_app as build_portal
from reform_shared.envelope import Actor, EventEnvelope
from reform_shared.events import AuthorRef, InitiativeContent, InitiativeReturned, InitiativeSubmitted, UnitRef
from reform_shared.provisioning import NOTIFICATIONS_CONSUMER
from reform_shared.settings import Settings
from reform_shared.subjects import event_subject

COMMUNE = "ninh-giang"


@dataclass
class InboxStack:
    portal: LiveServer
    settings: Settings

    def write(self, *payloads: InitiativeSubmitted | InitiativeReturned) -> None:
        async def publish() -> None:
            nc = await nats.connect(self.settings.nats_url)
            js = nc.jetstream(timeout=10)
            for p in payloads:
                e = EventEnvelope(event_id=uuid.uuid4().hex, event_type=p.event_type, schema_version=p.schema_version,
                                  commune_id=COMMUNE, aggregate_type=p.aggregate_type, aggregate_id=p.aggregate_id(),
                                  aggregate_version=1, occurred_at=dt.datetime.now(dt.UTC), correlation_id="c",
                                  actor=Actor(user_id=SECRETARY.user_id, commune_id=COMMUNE), payload=p)
                await js.publish(event_subject(self.settings.subject_prefix, e), e.to_json(),
                                 stream=self.settings.stream_name)
            for _ in range(1500):
                info = await js.consumer_info(self.settings.stream_name, NOTIFICATIONS_CONSUMER)
                if info.num_pending == 0 and info.num_ack_pending == 0:
                    break
                await asyncio.sleep(0.02)
            await nc.close()

        # In a thread of its own: Playwright's sync API keeps an event loop running in the test's thread.
        worker = threading.Thread(target=lambda: asyncio.run(publish()))
        worker.start()
        worker.join(60)


@pytest.fixture(scope="module")
def inbox_stack(settings_for: Callable[..., Settings]) -> Iterator[InboxStack]:
    base = settings_for()
    asyncio.run(_provision(base))
    service_settings = base.model_copy(update={"service_name": "notifications"})
    service = LiveServer("notifications",
                         lambda: notifications.build_app(notifications.build_runtime(service_settings)))
    started = [service.start()]
    try:
        sign_in = DevSignIn(base.jwt_secret.get_secret_value(), ACCOUNTS)
        login = LiveServer("login", sign_in.login_app)
        started.append(login.start())
        sign_in.login_url = f"{login.url}/login"
        settings = portal_settings({"notifications": service}, base)
        portal = LiveServer("portal", lambda: build_portal(settings, sign_in=sign_in))
        started.append(portal.start())
        yield InboxStack(portal, base)
    finally:
        for server in reversed(started):
            server.stop()


def returned(initiative_id: str, title: str, reason: str) -> tuple[InitiativeSubmitted, InitiativeReturned]:
    content = InitiativeContent(title=title, unit=UnitRef(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội"),
                                author_kind="individual", field="g", summary="Tóm tắt",
                                authors=(AuthorRef(user_id=AUTHOR.user_id, name=AUTHOR.name),))
    return (InitiativeSubmitted(initiative_id=initiative_id, campaign_id="inbox-1", content=content),
            InitiativeReturned(initiative_id=initiative_id, campaign_id="inbox-1", reason=reason))
