"""Wires the notifications service: its consumer, outbox, clock, inbox API and the events' AsyncAPI."""

from __future__ import annotations

from fastapi import FastAPI

from reform_notifications.entrypoints.docs import router as docs_router
from reform_notifications.entrypoints.http import router
from reform_notifications.runtime import NotificationsRuntime
from reform_notifications.settings import NotificationSettings
from reform_notifications.wiring import NotificationsWiring
from reform_shared.http.app import create_app
from reform_shared.ids import Clock
from reform_shared.runtime import Connections, ServiceRuntime
from reform_shared.settings import Settings

SERVICE = "notifications"
DEFAULT_PORT = 8107


def build_runtime(settings: Settings, run_projections: bool = True) -> NotificationsRuntime:
    return NotificationsRuntime(NotificationSettings.of(settings))


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    assert isinstance(runtime, NotificationsRuntime)
    if clock is not None:
        runtime.clock = clock

    def wire(c: Connections) -> NotificationsWiring:
        assert runtime.wiring is not None
        return runtime.wiring

    return create_app(runtime, [router, docs_router], title="Dịch vụ thông báo (notifications)", wire=wire)
