"""Wires the reporting service: its projections and its read-only routes."""

from __future__ import annotations

from fastapi import FastAPI

from reform_reporting.application.register import InitiativeRegister
from reform_reporting.entrypoints.http import router
from reform_shared.http.app import create_app
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings

SERVICE = "reporting"
DEFAULT_PORT = 8104


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(InitiativeRegister(),), run_projections=run_projections)


def build_app(runtime: ServiceRuntime) -> FastAPI:
    return create_app(runtime, [router], title="Dịch vụ báo cáo (reporting)")
