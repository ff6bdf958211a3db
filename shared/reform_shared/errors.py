"""A flat, small error hierarchy with structured fields.

Every message is bilingual: Vietnamese first (what a commune secretary reads), English beside it.
The HTTP layer (`reform_shared.http.errors.STATUS_OF`) maps each class to one status code; nothing a user
can do ends in a 500.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a user or a caller can cause."""

    code = "domain_error"

    def __init__(
        self,
        message_vi: str,
        message_en: str,
        *,
        field: str | None = None,
        rule: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en
        self.field = field
        self.rule = rule
        self.details = details or {}

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": f"{self.message_vi} ({self.message_en})",
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }
        if self.field is not None:
            body["field"] = self.field
        if self.rule is not None:
            body["rule"] = self.rule
        if self.details:
            body["details"] = self.details
        return {"error": body}


class RuleViolation(DomainError):
    """A business rule of the seeds refuses the command (HTTP 422)."""

    code = "rule_violation"


class InvalidInput(DomainError):
    """The request itself is malformed (HTTP 400/422 depending on the case)."""

    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The command conflicts with the current state (HTTP 409)."""

    code = "conflict"


class ConcurrencyConflict(Conflict):
    """Another writer appended to the same aggregate first (HTTP 409)."""

    code = "concurrency_conflict"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class ServiceUnavailable(DomainError):
    """A dependency (NATS, the database) is unreachable or too slow: nothing was decided, retry later
    (HTTP 503 with Retry-After). A keyed command retried with the same Idempotency-Key gets its first
    answer if it did reach the record."""

    code = "service_unavailable"

    def __init__(self, dependency: str, detail: str = "", retry_after: int = 2) -> None:
        label = {"nats": "máy chủ sự kiện (NATS)", "mongo": "cơ sở dữ liệu"}.get(dependency, dependency)
        super().__init__(
            f"Hệ thống tạm thời không kết nối được {label}; vui lòng thử lại sau {retry_after} giây "
            "(gửi lại với cùng Idempotency-Key sẽ không tạo bản ghi trùng)",
            f"{dependency} is unavailable right now; retry in {retry_after} s "
            "(a retry with the same Idempotency-Key never records twice)",
            rule="dependency_available",
            details={"dependency": dependency, **({"detail": detail[:200]} if detail else {})},
        )
        self.dependency = dependency
        self.retry_after = retry_after
