"""The notifications service's wiring: what its routes use, built once at start by its runtime."""

from __future__ import annotations

from dataclasses import dataclass

from reform_notifications.application.dispatcher import Dispatcher
from reform_notifications.application.inbox import Inbox
from reform_notifications.application.intake import Intake
from reform_notifications.application.outbox import Outbox
from reform_shared.ids import Clock


@dataclass(frozen=True)
class NotificationsWiring:
    inbox: Inbox
    outbox: Outbox
    dispatcher: Dispatcher
    intake: Intake
    clock: Clock
