"""Error responses: a domain error becomes its status; validation errors name field and rule."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from reform_shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RuleViolation,
    ServiceUnavailable,
    Unauthenticated,
)
from reform_shared.outages import MONGO_OUTAGES, NATS_OUTAGES, outage_of

log = logging.getLogger(__name__)

STATUS_OF: dict[type[DomainError], int] = {
    DomainError: 400,
    RuleViolation: 422,
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,  # ConcurrencyConflict too
    Unauthenticated: 401,
    Forbidden: 403,
    PayloadTooLarge: 413,
    ServiceUnavailable: 503,
}
"""The HTTP status of each kind of domain error; a subclass answers as its nearest listed ancestor."""


def status_of(error: DomainError) -> int:
    """The status of an error: the first class of its MRO in `STATUS_OF`."""
    return next(STATUS_OF[kind] for kind in type(error).__mro__ if kind in STATUS_OF)

_RULES_VI: dict[str, str] = {
    "missing": "là trường bắt buộc",
    "string_too_short": "quá ngắn (tối thiểu {min_length} ký tự)",
    "string_too_long": "quá dài (tối đa {max_length} ký tự)",
    "too_short": "cần ít nhất {min_length} phần tử",
    "too_long": "có nhiều nhất {max_length} phần tử",
    "string_type": "phải là chuỗi ký tự",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "float_type": "phải là số",
    "float_parsing": "phải là số",
    "bool_type": "phải là true/false",
    "bool_parsing": "phải là true/false",
    "list_type": "phải là danh sách",
    "dict_type": "phải là đối tượng JSON",
    "model_type": "phải là đối tượng JSON",
    "model_attributes_type": "phải là đối tượng JSON",
    "literal_error": "chỉ nhận một trong các giá trị: {expected}",
    "enum": "chỉ nhận một trong các giá trị: {expected}",
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "string_pattern_mismatch": "sai định dạng (mẫu {pattern})",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "datetime_parsing": "phải là thời điểm ISO 8601 có múi giờ",
    "datetime_from_date_parsing": "phải là thời điểm ISO 8601 có múi giờ",
    "timezone_aware": "phải có múi giờ",
    "extra_forbidden": "không phải là trường được phép",
    "json_invalid": "không phải JSON hợp lệ",
    "value_error": "không hợp lệ: {error}",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _malformed_json(error: dict[str, Any]) -> dict[str, Any]:
    """A body that is not JSON names no field: the number in its location is the character offset where the
    parser stopped, said as such (never "Trường '10'")."""
    position = next((part for part in error.get("loc", ()) if isinstance(part, int)), None)
    where_vi = f" (lỗi ở ký tự thứ {position})" if position is not None else ""
    where_en = f" (at character {position})" if position is not None else ""
    reason = (error.get("ctx") or {}).get("error") or "invalid JSON"
    return {"field": "body", "rule": "json_invalid",
            "message_vi": f"Nội dung gửi lên không phải JSON hợp lệ{where_vi}",
            "message_en": f"the request body is not valid JSON{where_en}: {reason}"}


def describe_validation_error(error: dict[str, Any]) -> dict[str, Any]:
    rule = str(error.get("type", "invalid"))
    if rule == "json_invalid":
        return _malformed_json(error)
    field = _field_name(tuple(error.get("loc", ())))
    template = _RULES_VI.get(rule, "không hợp lệ")
    ctx = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        rule_vi = template.format(**ctx)
    except (KeyError, IndexError):
        rule_vi = template.split(" (")[0].split(":")[0]
    message_en = str(error.get("msg", "invalid value"))
    return {
        "field": field,
        "rule": rule,
        "message_vi": f"Trường '{field}' {rule_vi}",
        "message_en": f"field '{field}': {message_en}",
    }


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        if isinstance(exc, ServiceUnavailable):
            return unavailable(exc)
        return JSONResponse(exc.to_body(), status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [describe_validation_error(dict(e)) for e in exc.errors()]
        malformed = any(e["rule"] == "json_invalid" for e in errors)
        first = errors[0] if errors else {"message_vi": "Dữ liệu không hợp lệ", "message_en": "invalid input"}
        body = {
            "error": {
                "code": "malformed_json" if malformed else "invalid_input",
                "message": f"{first['message_vi']} ({first['message_en']})",
                "message_vi": first["message_vi"],
                "message_en": first["message_en"],
                "field": first.get("field"),
                "rule": first.get("rule"),
                "errors": errors,
            }
        }
        return JSONResponse(body, status_code=400 if malformed else 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        vi = {404: "Không tìm thấy", 405: "Phương thức không được hỗ trợ"}.get(exc.status_code, "Yêu cầu không hợp lệ")
        body = {"error": {"code": f"http_{exc.status_code}", "message": f"{vi} ({exc.detail})",
                          "message_vi": vi, "message_en": str(exc.detail)}}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    async def _outage(request: Request, exc: Exception) -> JSONResponse:
        outage = outage_of(exc)
        if outage is None:
            return await _unexpected(request, exc)
        log.warning("%s %s: %s unavailable (%s: %s)", request.method, request.url.path, outage.dependency,
                    type(exc).__name__, str(exc)[:300])
        return unavailable(outage)

    # Registered per class (not only under Exception, whose handler Starlette runs and then re-raises).
    for outage_class in (*NATS_OUTAGES, *MONGO_OUTAGES, PyMongoError):
        app.add_exception_handler(outage_class, _outage)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        outage = outage_of(exc)
        if outage is not None:
            return unavailable(outage)
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        body = {"error": {"code": "internal", "message": "Lỗi hệ thống, đã ghi nhận (internal error, logged)",
                          "message_vi": "Lỗi hệ thống, đã ghi nhận", "message_en": "internal error, logged"}}
        return JSONResponse(body, status_code=500)


def unavailable(exc: ServiceUnavailable) -> JSONResponse:
    return JSONResponse(exc.to_body(), status_code=503, headers={"Retry-After": str(exc.retry_after)})
