"""Wires the evaluation service: its projections and routes."""

from __future__ import annotations

from fastapi import FastAPI

from reform_evaluation.application.candidates import Candidates
from reform_evaluation.entrypoints.http import router
from reform_shared.http.app import create_app
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings

SERVICE = "evaluation"
DEFAULT_PORT = 8102


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(Candidates(),), run_projections=run_projections)


def build_app(runtime: ServiceRuntime) -> FastAPI:
    return create_app(runtime, [router], title="Dịch vụ đánh giá sáng kiến (evaluation)")
