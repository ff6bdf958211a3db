"""The inbox page (/thong-bao) on the real notifications service: the signed-in person's notifications, the
unread count in the header, mark read, the preferences form; nobody else's."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import nats
import pytest
from dev_sign_in import DevSignIn
from portal_live import LiveServer
from portal_stack import ACCOUNTS, AUTHOR, SECRETARY, _provision, portal_settings, sign_in_over_http

from reform_notifications import bootstrap as notifications
from reform_portal.bootstrap import build_app as build_portal
from reform_shared.envelope import Actor, EventEnvelope
from reform_shared.events import AuthorRef, InitiativeContent, InitiativeReturned, InitiativeSubmitted, UnitRef
from reform_shared.provisioning import NOTIFICATIONS_CONSUMER
from reform_shared.settings import Settings
from reform_shared.subjects import event_subject

pytestmark = pytest.mark.system
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

        asyncio.run(publish())


@pytest.fixture(scope="module")
def inbox_stack(settings_for: Callable[..., Settings]) -> Iterator[InboxStack]:
    base = settings_for()
    asyncio.run(_provision(base))
    service_settings = base.model_copy(update={"service_name": "notifications"})
    service = LiveServer("notifications", lambda: notifications.build_app(notifications.build_runtime(service_settings)))
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


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_the_inbox_shows_my_notifications_marks_them_read_and_keeps_my_preferences(inbox_stack: InboxStack) -> None:
    inbox_stack.write(*returned("ib-1", "Một cửa liên thông", "Thiếu số liệu"),
                      *returned("ib-2", "Chữ ký số", "Thiếu bản sao"))
    url = inbox_stack.portal.url
    with httpx.Client(timeout=10) as client:
        sign_in_over_http(client, url, AUTHOR)
        page = client.get(f"{url}/thong-bao")
        assert page.status_code == 200
        assert "Hồ sơ sáng kiến bị trả lại: Một cửa liên thông" in page.text and "Lý do: Thiếu bản sao" in page.text
        assert "Bạn có 2 thông báo chưa đọc." in page.text
        mine = client.get(f"{url}/sang-kien-cua-toi")  # another page (its service is not up here: the 503 page)
        assert re.search(r'Thông báo <span class="badge">2<span class="visually-hidden"> chưa đọc', mine.text)

        one = re.search(r'name="id" value="([^"]+)"', page.text)
        assert one
        done = client.post(f"{url}/thong-bao/da-doc", data={"csrf_token": csrf_of(page.text), "id": one.group(1)})
        assert done.status_code == 303 and done.headers["location"] == "/thong-bao?da-doc"
        page = client.get(f"{url}/thong-bao?da-doc")
        assert "Đã đánh dấu là đã đọc." in page.text and "Bạn có 1 thông báo chưa đọc." in page.text

        saved = client.post(f"{url}/thong-bao/cai-dat", data={
            "csrf_token": csrf_of(page.text), "kind": ["dossier_returned", "recognised"], "digest": "on"})
        assert saved.status_code == 303
        page = client.get(f"{url}/thong-bao?da-luu")
        assert "Đã lưu cách nhận thông báo." in page.text
        assert re.search(r'id="kind-f-dossier-returned"[^>]*checked', page.text)
        assert not re.search(r'id="kind-f-award-granted"[^>]*checked', page.text)
        assert re.search(r'id="pref-digest"[^>]*checked', page.text)
        assert not re.search(r'id="pref-email"[^>]*checked', page.text)

        forged = client.post(f"{url}/thong-bao/da-doc", data={"csrf_token": "forged"})
        assert forged.status_code in (400, 403)

    with httpx.Client(timeout=10) as other:
        sign_in_over_http(other, url, SECRETARY)
        page = other.get(f"{url}/thong-bao")
        assert "Một cửa liên thông" not in page.text and "Chưa có thông báo nào." in page.text
