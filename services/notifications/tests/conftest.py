"""The notifications service on a real nats-server, a real SecantusDB and a real SMTP server, with a test clock."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

sys.path.append(str(Path(__file__).parent))

from nt_scene import VN, Mailbox, Writer, directory_events, notification_settings

from reform_notifications.bootstrap import build_app
from reform_notifications.runtime import NotificationsRuntime
from reform_notifications.settings import NotificationSettings
from reform_notifications.wiring import NotificationsWiring
from reform_shared.ids import FixedClock
from reform_shared.settings import Settings


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with Mailbox.running() as box:
        yield box


@dataclass
class Service:
    runtime: NotificationsRuntime
    http: httpx.AsyncClient
    writer: Writer
    clock: FixedClock
    mailbox: Mailbox

    @property
    def wiring(self) -> NotificationsWiring:
        assert self.runtime.wiring is not None
        return self.runtime.wiring

    async def tick(self) -> dict[str, int]:
        await self.writer.settled()
        return await self.wiring.dispatcher.tick(self.clock.now())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 6, 1, 9, 0, tzinfo=VN))


async def started(settings: NotificationSettings, clock: FixedClock, js, mailbox: Mailbox
                  ) -> tuple[NotificationsRuntime, object]:
    runtime = NotificationsRuntime(settings, clock=clock, run_clock=False)
    return runtime, build_app(runtime)


@pytest.fixture
async def service(settings: Settings, js, mailbox: Mailbox, clock: FixedClock) -> AsyncIterator[Service]:
    config = notification_settings(settings, mailbox)
    writer = Writer(js, config)
    for payload in directory_events():
        await writer.write(payload)
    runtime, app = await started(config, clock, js, mailbox)
    async with app.router.lifespan_context(app), httpx.AsyncClient(  # type: ignore[attr-defined]
            transport=httpx.ASGITransport(app=app), base_url="http://n") as http:  # type: ignore[arg-type]
        yield Service(runtime, http, writer, clock, mailbox)
