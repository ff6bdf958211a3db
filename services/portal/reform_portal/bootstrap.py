"""Builds the portal: its HTTP client, its sign-in adapter, its pages and the pages of its errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from reform_portal.api import ApiOutage, ApiRefusal, ServiceApi
from reform_portal.auth.oidc import OidcSignIn
from reform_portal.auth.port import SignIn
from reform_portal.pages import (
    accounts,
    author,
    campaign_amend,
    campaign_units,
    city,
    city_awards,
    city_overview,
    city_rules,
    council,
    council_deliberation,
    council_precheck,
    council_setup,
    decision,
    directory,
    directory_import,
    dossier,
    federation_link,
    home,
    inbox,
    nominations,
    operator,
    profile,
    replication,
    reports,
    secretary,
)
from reform_portal.pages import auth as auth_pages
from reform_portal.pages import award_proposal as award_proposal_pages
from reform_portal.pages import awards as award_pages
from reform_portal.session import SessionMiddleware
from reform_portal.settings import PortalSettings
from reform_portal.web import STATIC, BadCsrf, NeedsSignIn, NotAllowed, Portal, render, session_of, sign_in_location

log = logging.getLogger(__name__)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def build_app(settings: PortalSettings, sign_in: SignIn | None = None,
              transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """`sign_in`: the identity provider's adapter; by default `OidcSignIn` on `REFORM_OIDC_ISSUER` (none set:
    the sign-in page says so, and nobody gets in)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Idle connections dropped before the services' servers drop them (uvicorn: after 5 s), so a request is
        # not sent down a connection the other side is closing.
        limits = httpx.Limits(keepalive_expiry=2.0)
        async with httpx.AsyncClient(timeout=settings.api_timeout_seconds, transport=transport,
                                     limits=limits) as http:
            provider = sign_in
            if provider is None and settings.oidc_issuer:
                provider = OidcSignIn(settings.oidc_issuer, settings.oidc_client_id, settings.jwt_audience, http)
            urls = {"submission": settings.submission_url, "evaluation": settings.evaluation_url,
                    "awards": settings.awards_url, "reporting": settings.reporting_url,
                    "directory": settings.directory_url, "notifications": settings.notifications_url,
                    "replication": settings.replication_url,
                    "identity": settings.identity_url or settings.oidc_issuer or ""}
            app.state.portal = Portal(settings, ServiceApi(http, urls), provider)
            yield

    app = FastAPI(title="Cổng thông tin sáng kiến cải cách hành chính", lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None)
    for module in (auth_pages, home, author, secretary, dossier, council, directory_import, directory,
                   campaign_units, council_setup, decision, nominations, award_proposal_pages, award_pages,
                   operator, reports, inbox, city, city_awards, city_overview, campaign_amend, council_precheck,
                   council_deliberation, city_rules, profile, replication, accounts, federation_link):
        app.include_router(module.router)
    install_pages_of_errors(app)
    install_basics(app)
    app.middleware("http")(inbox.unread_in_header)  # inside the session middleware (added after it)
    app.middleware("http")(profile.letterhead_in_header)
    app.add_middleware(SessionMiddleware, secret=settings.cookie_secret(), max_age=settings.session_max_age_seconds)
    return app


def install_basics(app: FastAPI) -> None:
    @app.get("/static/{version}/{name}", include_in_schema=False)
    async def static(version: Annotated[str, Path(max_length=20)], name: Annotated[str, Path(max_length=60)]
                     ) -> Response:
        path = STATIC / name
        if path.parent != STATIC or not path.is_file():
            raise StarletteHTTPException(404)
        return FileResponse(path, headers={"Cache-Control": "public, max-age=31536000, immutable"})

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, bool]:
        return {"alive": True}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> dict[str, bool]:
        return {"ready": True}

    @app.middleware("http")
    async def security_headers(request: Request, call_next: object) -> Response:
        response: Response = await call_next(request)  # type: ignore[operator]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.media_type == "text/html" or response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def install_pages_of_errors(app: FastAPI) -> None:
    """Every failure is a calm page in Vietnamese: never a traceback, never JSON."""

    @app.exception_handler(NeedsSignIn)
    async def _sign_in(request: Request, _: NeedsSignIn) -> Response:
        return RedirectResponse(sign_in_location(request), status_code=303)

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> Response:
        return render(request, "error.html", {"title": "Không có quyền truy cập", "roles": exc.roles,
                                              "message_vi": "Trang này không dành cho vai trò của bạn.",
                                              "message_en": "this page is not for your roles"}, status=403)

    @app.exception_handler(BadCsrf)
    async def _csrf(request: Request, _: BadCsrf) -> Response:
        return render(request, "error.html", {
            "title": "Biểu mẫu đã hết hạn", "message_en": "the form's security token is missing or stale",
            "message_vi": "Biểu mẫu này đã cũ hoặc không đến từ cổng thông tin. Hãy mở lại trang và gửi lại."},
            status=403)

    @app.exception_handler(ApiOutage)
    async def _outage(request: Request, exc: ApiOutage) -> Response:
        log.warning("%s %s: %s unavailable (%s)", request.method, request.url.path, exc.service, exc.detail)
        return render(request, "unavailable.html", {"service": exc.service}, status=503,
                      headers={"Retry-After": exc.retry_after or "5"})

    @app.exception_handler(ApiRefusal)
    async def _refusal(request: Request, exc: ApiRefusal) -> Response:
        if exc.status == 401:
            session_of(request).clear_all()
            return RedirectResponse(sign_in_location(request), status_code=303)
        title = {403: "Không có quyền truy cập", 404: "Không tìm thấy"}.get(exc.status, "Yêu cầu bị từ chối")
        return render(request, "error.html", {"title": title, "message_vi": exc.message_vi,
                                              "message_en": exc.message_en}, status=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return render(request, "error.html", {"title": "Địa chỉ không hợp lệ", "message_en": "invalid address",
                                              "message_vi": "Địa chỉ trang có tham số không hợp lệ."}, status=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = "Không tìm thấy trang" if exc.status_code == 404 else "Yêu cầu không hợp lệ"
        return render(request, "error.html", {"title": title, "message_vi": title, "message_en": str(exc.detail)},
                      status=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return render(request, "unavailable.html", {"service": "portal"}, status=500)
