"""Wires the awards service: its projections and routes."""

from __future__ import annotations

from fastapi import FastAPI

from reform_awards.application.register import AwardRegister
from reform_awards.entrypoints.http import router
from reform_shared.http.app import create_app
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings

SERVICE = "awards"
DEFAULT_PORT = 8103


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(AwardRegister(),), run_projections=run_projections)


def build_app(runtime: ServiceRuntime) -> FastAPI:
    return create_app(runtime, [router], title="Dịch vụ khen thưởng (awards)")
