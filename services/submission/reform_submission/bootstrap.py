"""Wires the submission service's adapters to its handlers, in one place."""

from __future__ import annotations

from fastapi import FastAPI

from reform_shared.commands import CommandBus
from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_submission.application.commands import SubmissionCommands
from reform_submission.entrypoints.http import router

SERVICE = "submission"
DEFAULT_PORT = 8101


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(), run_projections=run_projections)


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    app = create_app(runtime, [router], title="Dịch vụ tiếp nhận sáng kiến (submission)")
    app.state.clock = clock or SystemClock()

    async def wire() -> None:
        assert runtime.store is not None and runtime.idempotency is not None
        app.state.commands = SubmissionCommands(runtime.store, CommandBus(runtime.store, runtime.idempotency))

    runtime.on_started.append(lambda _: wire())
    return app
