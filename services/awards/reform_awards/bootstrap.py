"""Wires the awards service: its projection, commands, queries and routes."""

from __future__ import annotations

from fastapi import FastAPI

from reform_awards.application.board import AwardBoard, Directory
from reform_awards.application.commands import AwardCommands
from reform_awards.application.directory import DirectoryViews
from reform_awards.application.par import ParRankings
from reform_awards.application.queries import AwardQueries
from reform_awards.application.record import Record
from reform_awards.entrypoints import city_par
from reform_awards.entrypoints.http import router
from reform_awards.entrypoints.rules import router as rules_router
from reform_awards.wiring import AwardsWiring
from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import Connections, ServiceRuntime
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

SERVICE = "awards"
DEFAULT_PORT = 8103


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(AwardBoard(),), run_projections=run_projections)


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    app = create_app(runtime, [router, city_par.router, rules_router], title="Dịch vụ khen thưởng (awards)",
                     wire=wire)
    app.state.clock = clock or SystemClock()

    return app


def wire(c: Connections) -> AwardsWiring:
    s = c.settings
    others = [JetStreamEventStore(c.js, c.registry, s.stream_name, prefix)
              for prefix in dict.fromkeys(s.consumed_prefixes) if prefix != s.subject_prefix]
    record = Record(c.store, others)
    commands = AwardCommands(c.bus(), Directory(c.db), record, s.federation_role, DirectoryViews(c.db, record))
    return AwardsWiring(commands, AwardQueries(c.db), ParRankings(record))
