"""Wires the evaluation service: its projection, commands, queries and routes."""

from __future__ import annotations

from fastapi import FastAPI

from reform_evaluation.application.board import Board
from reform_evaluation.application.city import CityAppraisals, CityBoard
from reform_evaluation.application.commands import EvaluationCommands
from reform_evaluation.application.documents import EvaluationDocuments
from reform_evaluation.application.queries import EvaluationQueries
from reform_evaluation.entrypoints import city
from reform_evaluation.entrypoints.http import router
from reform_shared.commands import CommandBus
from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings

SERVICE = "evaluation"
DEFAULT_PORT = 8102


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(Board(), CityBoard()), run_projections=run_projections)


def build_app(runtime: ServiceRuntime, clock: Clock | None = None) -> FastAPI:
    app = create_app(runtime, [router, city.router], title="Dịch vụ đánh giá sáng kiến (evaluation)")
    app.state.clock = clock or SystemClock()

    def wire(rt: ServiceRuntime) -> None:
        assert rt.store is not None and rt.idempotency is not None and rt.db is not None
        app.state.commands = EvaluationCommands(CommandBus(rt.store, rt.idempotency))
        app.state.queries = EvaluationQueries(rt.db)
        app.state.documents = EvaluationDocuments(app.state.commands, app.state.queries)
        app.state.city = CityAppraisals(CommandBus(rt.store, rt.idempotency), rt.db)

    runtime.on_started.append(wire)
    return app
