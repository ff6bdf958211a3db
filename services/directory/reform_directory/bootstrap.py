"""Wires the directory service: its projection, commands, queries and routes."""

from __future__ import annotations

from fastapi import FastAPI

from reform_directory.application.commands import DirectoryCommands
from reform_directory.application.profile import ProfileCommands
from reform_directory.application.projection import DirectoryBook
from reform_directory.application.queries import DirectoryQueries
from reform_directory.entrypoints.http import router
from reform_directory.entrypoints.profile_http import router as profile_router
from reform_directory.wiring import DirectoryWiring
from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import Connections, ServiceRuntime
from reform_shared.settings import Settings

SERVICE = "directory"
DEFAULT_PORT = 8105


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(DirectoryBook(),), run_projections=run_projections)


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    app = create_app(runtime, [router, profile_router], title="Dịch vụ danh bạ (directory)", wire=wire)
    app.state.clock = clock or SystemClock()
    return app


def wire(c: Connections) -> DirectoryWiring:
    bus = c.bus()
    return DirectoryWiring(DirectoryCommands(bus), DirectoryQueries(c.db), ProfileCommands(bus))
