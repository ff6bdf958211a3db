"""Wires the reporting service: its projection and its read-only routes."""

from __future__ import annotations

from fastapi import FastAPI

from reform_reporting.application.projection import Pipeline
from reform_reporting.application.queries import ReportingQueries
from reform_reporting.entrypoints.http import router
from reform_reporting.wiring import ReportingWiring
from reform_shared.audit import EventAudit
from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings

SERVICE = "reporting"
DEFAULT_PORT = 8104


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(Pipeline(), EventAudit()), run_projections=run_projections)


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    app = create_app(runtime, [router], title="Dịch vụ báo cáo (reporting)",
                     wire=lambda _: ReportingWiring(ReportingQueries(runtime)))  # as-of replays read the stream
    app.state.clock = clock or SystemClock()
    return app
