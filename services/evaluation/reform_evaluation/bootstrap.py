"""Wires the evaluation service: its projection, commands, queries and routes."""

from __future__ import annotations

from fastapi import FastAPI

from reform_evaluation.application.board import Board
from reform_evaluation.application.city import CityAppraisals, CityBoard
from reform_evaluation.application.commands import EvaluationCommands
from reform_evaluation.application.deliberation import DeliberationCommands
from reform_evaluation.application.deliberation_views import DeliberationViews
from reform_evaluation.application.documents import EvaluationDocuments
from reform_evaluation.application.queries import EvaluationQueries
from reform_evaluation.application.record import EvaluationRecord
from reform_evaluation.entrypoints import city, deliberation
from reform_evaluation.entrypoints.http import router
from reform_evaluation.wiring import EvaluationWiring
from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import Connections, ServiceRuntime
from reform_shared.settings import Settings

SERVICE = "evaluation"
DEFAULT_PORT = 8102


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(Board(), CityBoard()), run_projections=run_projections)


def wire(c: Connections) -> EvaluationWiring:
    bus, queries = c.bus(), EvaluationQueries(c.db)
    record = EvaluationRecord(bus.store)
    return EvaluationWiring(EvaluationCommands(bus, record), queries, EvaluationDocuments(record, queries),
                            CityAppraisals(c.bus(), c.db), DeliberationCommands(bus, record),
                            DeliberationViews(record, c.db))


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    app = create_app(runtime, [router, city.router, deliberation.router],
                     title="Dịch vụ đánh giá sáng kiến (evaluation)", wire=wire)
    app.state.clock = clock or SystemClock()
    return app
