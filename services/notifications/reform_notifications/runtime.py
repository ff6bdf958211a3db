"""The notifications process: the shared runtime (NATS, database) plus its FastStream broker and its clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from faststream.nats import NatsBroker

from reform_notifications.adapters.email import SmtpChannel
from reform_notifications.application.dispatcher import Dispatcher
from reform_notifications.application.inbox import Inbox
from reform_notifications.application.intake import Intake
from reform_notifications.application.memory import Memory
from reform_notifications.application.outbox import Outbox
from reform_notifications.application.ports import Channel
from reform_notifications.domain.horizon import NEVER_RESTORED, Horizon
from reform_notifications.entrypoints.subscriber import build_broker
from reform_notifications.settings import NotificationSettings
from reform_notifications.wiring import NotificationsWiring
from reform_shared.ids import Clock, SystemClock
from reform_shared.provisioning import NOTIFICATIONS_CONSUMER
from reform_shared.restores import last_restore
from reform_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


class NotificationsRuntime(ServiceRuntime):
    def __init__(self, settings: NotificationSettings, clock: Clock | None = None, email: Channel | None = None,
                 run_clock: bool = True) -> None:
        super().__init__(settings)
        self.config = settings
        self.clock = clock or SystemClock()
        self._email = email
        self._run_clock = run_clock
        self.broker: NatsBroker | None = None
        self.wiring: NotificationsWiring | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.horizon: Horizon = NEVER_RESTORED

    async def start(self) -> None:
        await super().start()
        c, s = self.connections, self.config
        # The durable consumer is provisioned, never declared here (FastStream would create one of its own).
        await self._await_provisioned(NOTIFICATIONS_CONSUMER, lambda name: c.js.consumer_info(s.stream_name, name))
        memory, outbox = Memory(c.db), Outbox(c.db, email=self._email is not None or s.smtp_host is not None)
        await outbox.ensure_indexes()
        await memory.ensure_indexes()
        email = self._email or SmtpChannel(s.smtp_host or "", s.smtp_port, s.smtp_sender)
        self.horizon = await self._restore_horizon()
        intake = Intake(c.db, memory, outbox, self.horizon)
        dispatcher = Dispatcher(c.db, memory, outbox, email, s.portal_url, s.max_attempts, self.horizon)
        self.wiring = NotificationsWiring(Inbox(c.db), outbox, dispatcher, intake, self.clock)
        self.broker = build_broker(s, self.registry, intake, self.clock)
        await self.broker.start()
        if self._run_clock:
            self._ticker = asyncio.create_task(self._tick_forever(dispatcher))

    async def _restore_horizon(self) -> Horizon:
        """Before the consumer runs: the node's last restore, read from the record (reform_shared.restores). A
        failure to read it stops the start: the service must not mail the history of a restored node."""
        assert self.ops_store is not None
        try:
            restored = await last_restore(self.ops_store)
        except Exception as exc:
            raise RuntimeError("Không đọc được dấu khôi phục của nút trong luồng sự kiện — the node's restore marker "
                               f"could not be read from the stream: {type(exc).__name__}: {exc}") from exc
        horizon = Horizon.of(restored)
        if restored is not None:
            log.warning("notifications: node restored at %s up to stream sequence %d: notices of events up to it, "
                        "and reminders due before it, go to the inbox only (no e-mail)",
                        restored.restored_at.isoformat(), restored.up_to_seq)
        return horizon

    async def _tick_forever(self, dispatcher: Dispatcher) -> None:
        while True:
            try:
                await dispatcher.tick(self.clock.now())
            except Exception:
                log.exception("notifications: tick failed")
            await asyncio.sleep(self.config.dispatch_interval_seconds)

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self.broker is not None:
            await self.broker.stop()
        await super().stop()

    async def readiness(self) -> dict[str, Any]:
        checks = await super().readiness()
        checks["consumer"] = self.broker is not None and self.broker.running
        return checks
