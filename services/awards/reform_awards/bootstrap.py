"""Wires the awards service: its projection, commands, queries and routes."""

from __future__ import annotations

from fastapi import FastAPI

from reform_awards.application.board import AwardBoard, Directory
from reform_awards.application.commands import AwardCommands, Record
from reform_awards.application.queries import AwardQueries
from reform_awards.entrypoints.http import router
from reform_shared.commands import CommandBus
from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

SERVICE = "awards"
DEFAULT_PORT = 8103


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(AwardBoard(),), run_projections=run_projections)


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    app = create_app(runtime, [router], title="Dịch vụ khen thưởng (awards)")
    app.state.clock = clock or SystemClock()

    def wire(rt: ServiceRuntime) -> None:
        assert rt.store is not None and rt.idempotency is not None and rt.db is not None
        assert rt.js is not None
        s = rt.settings
        others = [JetStreamEventStore(rt.js, rt.registry, s.stream_name, prefix)
                  for prefix in dict.fromkeys(s.consumed_prefixes) if prefix != s.subject_prefix]
        app.state.commands = AwardCommands(CommandBus(rt.store, rt.idempotency), Directory(rt.db),
                                           Record(rt.store, others), s.federation_role)
        app.state.queries = AwardQueries(rt.db)

    runtime.on_started.append(wire)
    return app
