"""The FastAPI app factory every service uses: lifespan, errors, limits, health, operations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from reform_shared.auth.tokens import TokenVerifier
from reform_shared.http.deps import ActorDep, RuntimeDep, require_role
from reform_shared.http.errors import install_error_handlers
from reform_shared.http.limits import BodySizeLimit
from reform_shared.runtime import ServiceRuntime
from reform_shared.telemetry import setup_tracing


def ops_router() -> APIRouter:
    """Operator endpoints: projection health, parked events, replay and rebuild."""
    router = APIRouter(prefix="/ops", tags=["operations"])

    @router.get("/projections")
    async def projections(runtime: RuntimeDep, actor: ActorDep) -> list[dict[str, Any]]:
        require_role(actor, "operator")
        return [await runner.status() for runner in runtime.runners.values()]

    @router.get("/projections/{name}/parked")
    async def parked(name: str, runtime: RuntimeDep, actor: ActorDep, status: str = "parked") -> list[dict[str, Any]]:
        require_role(actor, "operator")
        docs = await runtime.runner(name).list_parked(status or None)
        return [{**doc, "parked_at": doc["parked_at"].isoformat()} for doc in docs]

    @router.post("/projections/{name}/parked/{parked_id}/replay")
    async def replay(name: str, parked_id: str, runtime: RuntimeDep, actor: ActorDep) -> dict[str, Any]:
        require_role(actor, "operator")
        return await runtime.runner(name).replay_parked(parked_id)

    @router.post("/projections/{name}/rebuild", status_code=202)
    async def rebuild(name: str, runtime: RuntimeDep, actor: ActorDep) -> dict[str, Any]:
        require_role(actor, "operator")
        await runtime.runner(name).rebuild()
        return {"projection": name, "status": "rebuilding from the start of the stream"}

    return router


def create_app(runtime: ServiceRuntime, routers: Sequence[APIRouter], title: str) -> FastAPI:
    settings = runtime.settings
    setup_tracing(settings.service_name, settings.otlp_endpoint)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.verifier = TokenVerifier(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        jwks_url=settings.jwks_url,
    )
    install_error_handlers(app)

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/ready", tags=["operations"])
    async def ready() -> JSONResponse:
        checks = await runtime.readiness()
        ok = all(checks.values())
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    app.include_router(ops_router())
    for router in routers:
        app.include_router(router)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="health,ready")
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        upload_max_bytes=settings.max_upload_bytes,
        upload_suffixes=("/attachments",),
    )
    return app
