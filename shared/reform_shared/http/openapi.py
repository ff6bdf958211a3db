"""The OpenAPI document as the API really answers: the project's error body, not FastAPI's.

FastAPI documents every validation failure as its own `HTTPValidationError`, and no other error.
`document_errors` rewrites the generated document once, for every route of every service: the 422
becomes the project's `ErrorBody`, and each operation lists the errors it can answer, derived from
the route itself — 401/403 where the route depends on `current_actor`, 400/413 where it reads a
body, 404 where it addresses something by path, 409 where it writes, 503 (with `Retry-After`)
wherever it needs NATS or the database. Doing it here, rather than with `responses=` on each
router, keeps the rule in one place: a new route is documented right without anyone remembering to.
Routers still add what is theirs alone with `responses=` (`file_responses` for exports).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
SVG = "image/svg+xml"
BINARY = {"type": "string", "format": "binary"}
TEXT_TYPES = frozenset({CSV, SVG})


class FieldError(BaseModel):
    """One invalid field of a request, named with the rule it breaks."""

    field: str = Field(description="dotted path of the field, e.g. unit.name; 'body' for the whole body")
    rule: str = Field(description="the rule broken, e.g. missing, string_too_long, less_than_equal")
    message_vi: str
    message_en: str


class ErrorContent(BaseModel):
    """What went wrong, in Vietnamese first and English beside it, with the field and rule when known."""

    code: str = Field(description="e.g. invalid_input, malformed_json, rule_violation, not_found, conflict, "
                                  "concurrency_conflict, unauthenticated, forbidden, payload_too_large, "
                                  "service_unavailable, http_404")
    message: str = Field(description="message_vi (message_en)")
    message_vi: str
    message_en: str
    field: str | None = None
    rule: str | None = None
    details: dict[str, Any] | None = Field(default=None, description="structured facts of the rule")
    errors: list[FieldError] | None = Field(default=None, description="every invalid field (validation only)")


class ErrorBody(BaseModel):
    """The body of every error response of every service."""

    error: ErrorContent


class Readiness(BaseModel):
    """GET /ready: whether each dependency answers."""

    ready: bool
    checks: dict[str, bool]


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed request (JSON that does not parse, an unreadable form) / Yêu cầu sai cú pháp",
    401: "Missing, expired or invalid bearer token / Thiếu hoặc sai mã xác thực",
    403: "The account lacks the role, or belongs to another commune / Không đủ quyền",
    404: "Nothing at this address / Không tìm thấy",
    409: "Conflicts with the current state, or another writer came first / Xung đột trạng thái",
    413: "Request body too large / Nội dung yêu cầu quá lớn",
    422: "Invalid input, or a business rule refuses the command / Dữ liệu không hợp lệ hoặc vi phạm quy định",
    503: "NATS or the database is unavailable; retry after Retry-After seconds / Dịch vụ tạm thời gián đoạn",
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
OPEN_PATHS = frozenset({"/health", "/ready"})


def error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if status == 503:
        response["headers"] = RETRY_AFTER
    return response


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router or route whose errors the structural rules cannot see."""
    return {status: error_response(status) for status in statuses}


def file_responses(*media_types: str, json: bool = False) -> dict[int | str, dict[str, Any]]:
    """`responses=` of an export: its 200 in each media type it is served as (binary files)."""
    content: dict[str, Any] = {media: {"schema": {"type": "string"} if media in TEXT_TYPES else BINARY}
                               for media in media_types}
    if json:
        content["application/json"] = {"schema": {}}
    return {200: {"description": "The file (or its JSON form) / Tệp xuất", "content": content}}


def api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route with its full path and effective dependant (router dependencies included).
    FastAPI 0.16x nests included routers, walked by `iter_route_contexts`; older ones list them flat."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    routes: Iterable[Any] = iterate(app.routes) if iterate is not None else app.routes
    for route in routes:
        if isinstance(getattr(route, "original_route", route), APIRoute) and route.include_in_schema:
            yield route


def _calls(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def statuses_of(route: Any, method: str, authenticate: Callable[..., Any]) -> set[int]:
    """The error statuses a route can answer, read from its path, method, parameters, body and
    dependencies (a route that depends on nothing, like the catalogue, needs no server either)."""
    if route.path in OPEN_PATHS:
        return set()
    calls = set(_calls(route.dependant))
    statuses: set[int] = {503} if calls else set()
    if authenticate in calls:
        statuses |= {401, 403}
    dependant = route.dependant
    if dependant.path_params or dependant.query_params or dependant.header_params or _flat_params(dependant):
        statuses.add(422)
    if dependant.path_params:
        statuses.add(404)
    if route.body_field is not None:
        statuses |= {400, 404, 413, 422}
    if method in WRITE_METHODS:
        statuses.add(409)
    return statuses


def _flat_params(dependant: Dependant) -> bool:
    """Whether a sub-dependency reads a parameter (e.g. Idempotency-Key through CommandContextDep)."""
    return any(sub.path_params or sub.query_params or sub.header_params or _flat_params(sub)
               for sub in dependant.dependencies)


def document_errors(document: dict[str, Any], app: FastAPI, authenticate: Callable[..., Any]) -> dict[str, Any]:
    """Rewrite a generated document in place: the project's error body everywhere, no HTTPValidationError."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for model in (ErrorBody, Readiness):
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(model_schema.pop("$defs", {}))
        schemas[model.__name__] = model_schema
    security: dict[str, list[str]] = {"bearer": []}
    document["components"].setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "HS256 token of the node (or of the JWKS issuer): sub, name, commune, roles"}
    for route in api_routes(app):
        for method in route.methods:
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            statuses = statuses_of(route, method.lower(), authenticate)
            if 401 in statuses:
                operation.setdefault("security", [security])
            for status in sorted(statuses):
                documented = responses.get(str(status))
                if documented is None or "HTTPValidationError" in str(documented):
                    responses[str(status)] = error_response(status)
    return document


def install_openapi(app: FastAPI, authenticate: Callable[..., Any]) -> None:
    """Serve the rewritten document (built once, on first request, as FastAPI does)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, openapi_version=app.openapi_version,
                                   summary=app.summary, description=app.description, routes=app.routes,
                                   tags=app.openapi_tags, servers=app.servers)
            app.openapi_schema = document_errors(document, app, authenticate)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
