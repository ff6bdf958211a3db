"""Each service's OpenAPI document tells the errors as they are answered: the project's ErrorBody (never
FastAPI's HTTPValidationError), 422 wherever a request carries input, 401/403 on every protected route,
503 with Retry-After, and exports in their real media types."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from reform_awards import bootstrap as awards
from reform_directory import bootstrap as directory
from reform_evaluation import bootstrap as evaluation
from reform_identity import bootstrap as identity
from reform_notifications import bootstrap as notifications
from reform_replication import bootstrap as replication
from reform_reporting import bootstrap as reporting
from reform_shared.http.openapi import CSV, DOCX, SVG, XLSX, ErrorBody
from reform_shared.settings import Settings
from reform_submission import bootstrap as submission

pytestmark = pytest.mark.domain

BUILDERS = {"submission": submission, "evaluation": evaluation, "awards": awards, "reporting": reporting,
            "directory": directory, "identity": identity, "notifications": notifications, "replication": replication}
ERROR_REF = "#/components/schemas/ErrorBody"
OPEN = {"/health", "/ready", "/api/v1/award-forms", "/api/v1/communes/{commune_id}/open-data/{year}"}
"""Served without a token: open data publishes published records only (reporting's domain/published.py)."""
EXPORTS: dict[str, dict[str, set[str]]] = {
    "submission": {
        "/api/v1/communes/{commune_id}/initiatives": {"application/json", CSV, XLSX},
        "/api/v1/communes/{commune_id}/initiatives/{initiative_id}/dossier.docx": {DOCX},
        "/api/v1/communes/{commune_id}/attachments/{attachment_id}": {"application/pdf", DOCX, XLSX, "image/png",
                                                                       "image/jpeg"},
    },
    "evaluation": {
        "/api/v1/communes/{commune_id}/initiatives/{initiative_id}/score-sheets/{member_id}.docx": {DOCX},
        "/api/v1/communes/{commune_id}/campaigns/{campaign_id}/minutes.docx": {DOCX},
        "/api/v1/communes/{commune_id}/campaigns/{campaign_id}/decision.docx": {DOCX},
    },
    "awards": {
        "/api/v1/communes/{commune_id}/awards": {"application/json", CSV, XLSX},
        "/api/v1/communes/{commune_id}/awards/{award_id}/certificate.docx": {DOCX},
    },
    "directory": {
        "/api/v1/communes/{commune_id}/directory/import/template.xlsx": {XLSX},
        "/api/v1/communes/{commune_id}/directory/units": {"application/json", CSV, XLSX},
        "/api/v1/communes/{commune_id}/directory/officials": {"application/json", CSV, XLSX},
    },
    "reporting": {
        "/api/v1/communes/{commune_id}/reports/{year}": {"application/json", DOCX, XLSX, CSV},
        "/api/v1/communes/{commune_id}/open-data/{year}": {"application/json", CSV},
        "/api/v1/communes/{commune_id}/charts/{name}.svg": {SVG},
    },
    "notifications": {},
    "replication": {
        "/api/v1/city/replication": {"application/json", DOCX, XLSX},
        "/api/v1/city/replication/charts/{name}.svg": {SVG},
        "/api/v1/communes/{commune_id}/evidence/{year}": {"application/json", "application/zip"},
        "/api/v1/catalogue/{entry_id}/files/{attachment_id}": {"application/pdf", DOCX, XLSX, "image/png",
                                                               "image/jpeg"},
    },
    "identity": {},  # the OpenID Connect endpoints are documented by its discovery document, not OpenAPI
}


def app_of(name: str) -> FastAPI:
    module = BUILDERS[name]
    return module.build_app(module.build_runtime(Settings(environment="test", service_name=name)))


@pytest.fixture(scope="module", params=list(BUILDERS))
def service(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return request.param, app_of(request.param).openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def error_schema(response: dict[str, Any]) -> str | None:
    ref: str | None = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    return ref


def test_no_fastapi_validation_error_remains(service: tuple[str, dict[str, Any]]) -> None:
    _, document = service
    text = json.dumps(document)
    assert "HTTPValidationError" not in text and '"ValidationError"' not in text
    schemas = document["components"]["schemas"]
    assert schemas["ErrorBody"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorContent"}
    content = schemas["ErrorContent"]
    assert set(content["required"]) == {"code", "message", "message_vi", "message_en"}
    assert {"field", "rule", "details", "errors"} <= set(content["properties"])


def test_error_body_matches_what_the_handlers_answer() -> None:
    validation = {"error": {"code": "invalid_input", "message": "x (y)", "message_vi": "x", "message_en": "y",
                            "field": None, "rule": "missing",
                            "errors": [{"field": "title", "rule": "missing", "message_vi": "x", "message_en": "y"}]}}
    domain = {"error": {"code": "forbidden", "message": "x (y)", "message_vi": "x", "message_en": "y",
                        "rule": "role_required", "details": {"required_roles": ["secretary"]}}}
    for body in (validation, domain):
        assert ErrorBody.model_validate(body).model_dump(exclude_none=True) == {
            "error": {k: v for k, v in body["error"].items() if v is not None}}


def test_every_operation_with_input_documents_422_with_the_project_error(service: tuple[str, dict[str, Any]]) -> None:
    _, document = service
    for path, method, op in operations(document):
        if op.get("parameters") or op.get("requestBody"):
            assert error_schema(op["responses"].get("422", {})) == ERROR_REF, f"{method} {path}"
        if op.get("requestBody"):
            for status in ("400", "413"):
                assert error_schema(op["responses"].get(status, {})) == ERROR_REF, f"{status} of {method} {path}"


def test_every_protected_route_documents_401_and_403(service: tuple[str, dict[str, Any]]) -> None:
    _, document = service
    protected = [(path, method, op) for path, method, op in operations(document) if path not in OPEN]
    assert protected
    for path, method, op in protected:
        for status in ("401", "403"):
            assert error_schema(op["responses"].get(status, {})) == ERROR_REF, f"{status} of {method} {path}"
        assert op.get("security") == [{"bearer": []}], f"{method} {path}"
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_writes_document_409_and_outages_503_with_retry_after(service: tuple[str, dict[str, Any]]) -> None:
    _, document = service
    for path, method, op in operations(document):
        if path in OPEN:
            continue
        if method in ("post", "put", "patch", "delete"):
            assert error_schema(op["responses"].get("409", {})) == ERROR_REF, f"409 of {method} {path}"
        unavailable = op["responses"].get("503", {})
        assert error_schema(unavailable) == ERROR_REF and "Retry-After" in unavailable.get("headers", {}), path


def test_routes_addressing_by_path_document_404(service: tuple[str, dict[str, Any]]) -> None:
    _, document = service
    for path, method, op in operations(document):
        if "{" in path:
            assert error_schema(op["responses"].get("404", {})) == ERROR_REF, f"{method} {path}"


def test_exports_document_their_media_types(service: tuple[str, dict[str, Any]]) -> None:
    name, document = service
    for path, media_types in EXPORTS[name].items():
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(content) == media_types, path


def test_the_city_routes_document_the_commune_node_refusal() -> None:
    document = app_of("evaluation").openapi()
    for path, method, op in operations(document):
        if path.startswith("/api/v1/city/"):
            assert error_schema(op["responses"].get("409", {})) == ERROR_REF, f"{method} {path}"


@pytest.mark.parametrize("name", list(BUILDERS))
async def test_docs_load_only_the_service_s_own_assets(name: str) -> None:
    """/docs and /redoc of every service work offline: every script, style and icon they reference is a path
    of the service itself (no CDN), and each is served."""
    app = app_of(name)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as http:
        for page in ("/docs", "/redoc"):
            answer = await http.get(page)
            assert answer.status_code == 200, answer.text
            urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']|(?:url|Url)\s*:\s*["\']([^"\']+)["\']',
                              answer.text)
            found = {u for pair in urls for u in pair if u}
            assert found and all(u.startswith("/") and not u.startswith("//") for u in found), (page, found)
            assert "://" not in answer.text.replace("http://www.w3.org", ""), page
            for url in found - {"/openapi.json"}:
                asset = await http.get(url)
                assert asset.status_code == 200 and len(asset.content) > 1000, url
        assert (await http.get("/docs-assets/../app.py")).status_code == 404
