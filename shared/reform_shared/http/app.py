"""The FastAPI app factory every service uses: lifespan, errors, limits, health, operations."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from reform_shared.auth.tokens import TokenVerifier
from reform_shared.errors import ServiceUnavailable
from reform_shared.http.audit import audit_router
from reform_shared.http.deps import ActorDep, RuntimeDep, current_actor, require_role
from reform_shared.http.errors import install_error_handlers
from reform_shared.http.limits import BodySizeLimit
from reform_shared.http.openapi import Readiness, install_openapi
from reform_shared.runtime import Connections, ServiceRuntime
from reform_shared.source_keeper import STALLED_NS
from reform_shared.telemetry import setup_tracing

DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
"""Swagger UI and ReDoc as the pinned `fastapi-offline` wheel ships them: /docs works on a node with no
Internet (never a CDN)."""
DOCS_FILES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
              "redoc.standalone.js": "text/javascript", "favicon.png": "image/png"}

MULTIPART_MARGIN_BYTES = 64 * 1024
STATUS_SECONDS = 4.0
"""How long `GET /ops/projections` waits for the projections' consumers before answering 503."""


def ops_router() -> APIRouter:
    """Operator endpoints: projection health, parked events, replay and rebuild."""
    router = APIRouter(prefix="/ops", tags=["operations"])

    @router.get("/projections")
    async def projections(runtime: RuntimeDep, actor: ActorDep) -> list[dict[str, Any]]:
        """Every runner asked at once, within `STATUS_SECONDS`: while JetStream elects a stream's leader (a hub server
        lost) a consumer's info waits on it, and the operator gets a 503 to retry instead of a page that hangs."""
        require_role(actor, "operator")
        try:
            return list(await asyncio.wait_for(
                asyncio.gather(*(runner.status() for runner in runtime.runners.values())), STATUS_SECONDS))
        except TimeoutError:
            raise ServiceUnavailable("nats", f"the projections' consumers did not answer in {STATUS_SECONDS} s") \
                from None

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

    @router.get("/federation")
    async def federation(runtime: RuntimeDep, actor: ActorDep) -> dict[str, Any]:
        """The node's side of the federation: its role and, per JetStream source of its stream (the
        city's decisions on a commune node, every node's events on the city node), whether the link
        is alive, how far behind it is and the last error."""
        require_role(actor, "operator")
        return await federation_status(runtime)

    return router


async def federation_status(runtime: ServiceRuntime) -> dict[str, Any]:
    s = runtime.settings
    assert runtime.js is not None
    info = await runtime.js.stream_info(s.stream_name)
    sources = []
    for source in info.sources or []:
        active = source.active if source.active is not None and source.active >= 0 else None
        sources.append({
            "source": source.name, "lag": source.lag,
            "last_heard_seconds_ago": None if active is None else round(active / 1e9, 3),
            "alive": active is not None and active <= STALLED_NS,
            "error": (source.error or {}).get("description") if source.error else None,
        })
    return {"node_id": s.node_id, "role": s.federation_role, "stream": s.stream_name,
            "messages": info.state.messages, "last_seq": info.state.last_seq, "sources": sources}


Wire = Callable[[Connections], Any]
"""Builds a service's one typed wiring object from the started runtime's connections (sync or async)."""


def create_app(runtime: ServiceRuntime, routers: Sequence[APIRouter], title: str, wire: Wire | None = None
               ) -> FastAPI:
    """The service's app. At start, `wire` builds its wiring object, kept as `app.state.wiring`: routes
    reach it through `reform_shared.http.deps.wiring_of(<its type>)`."""
    settings = runtime.settings
    setup_tracing(settings.service_name, settings.otlp_endpoint)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        if wire is not None:
            wiring = wire(runtime.connections)
            app.state.wiring = await wiring if inspect.isawaitable(wiring) else wiring
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    app.state.verifier = TokenVerifier(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        jwks_url=settings.jwks_url,
        oidc_issuer=settings.oidc_issuer,
        allow_hs256=settings.accepts_hs256,
    )
    install_error_handlers(app)

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/ready", tags=["operations"], response_model=Readiness,
             responses={503: {"model": Readiness, "description": "a dependency does not answer"}})
    async def ready() -> JSONResponse:
        checks = await runtime.readiness()
        ok = all(checks.values())
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    app.include_router(ops_router())
    app.include_router(audit_router())
    for router in routers:
        app.include_router(router)
    install_openapi(app, authenticate=current_actor)
    install_docs(app)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="health,ready")
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        # The multipart framing around the file (boundaries, part headers) on top of the file's own limit:
        # a file of exactly max_upload_bytes is accepted, a larger one gets the store's bilingual 422.
        upload_max_bytes=settings.max_upload_bytes + MULTIPART_MARGIN_BYTES,
        upload_suffixes=("/attachments",),
    )
    return app


def install_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc, their scripts and styles served by the service itself."""

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} – API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} – API",
                              redoc_js_url="/docs-assets/redoc.standalone.js",
                              redoc_favicon_url="/docs-assets/favicon.png", with_google_fonts=False)

    @app.get("/docs-assets/{name}", include_in_schema=False)
    async def asset(name: str) -> FileResponse:
        if name not in DOCS_FILES:
            raise HTTPException(404)
        return FileResponse(DOCS_ASSETS / name, media_type=DOCS_FILES[name],
                            headers={"Cache-Control": "public, max-age=86400"})

