"""The services' HTTP APIs, called with the signed-in user's token. The portal reads nothing else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

import httpx

Service = Literal["submission", "evaluation", "awards", "reporting", "directory", "notifications", "identity",
                  "replication"]


@dataclass
class ApiRefusal(Exception):
    """A 4xx answer: the service's bilingual error (`message_vi`, `message_en`, `field`, `rule`)."""

    status: int
    error: dict[str, Any]

    @property
    def field(self) -> str | None:
        value = self.error.get("field")
        return str(value) if value else None

    @property
    def message_vi(self) -> str:
        return str(self.error.get("message_vi") or self.error.get("message") or "Yêu cầu bị từ chối")

    @property
    def message_en(self) -> str:
        return str(self.error.get("message_en") or "")

    def field_errors(self) -> dict[str, dict[str, str]]:
        """Every error the answer names, by field (a validation error may name several)."""
        found: dict[str, dict[str, str]] = {}
        for item in self.error.get("errors") or [self.error]:
            field = str(item.get("field") or "")
            found.setdefault(field, {"vi": str(item.get("message_vi") or self.message_vi),
                                     "en": str(item.get("message_en") or "")})
        return found


@dataclass
class ApiOutage(Exception):
    """The service is down, overloaded or broken (5xx, no answer): nothing was decided; try again later."""

    service: str
    detail: str
    retry_after: str | None = None


class ServiceApi:
    """One client for the services; each call names the service and the path under the commune."""

    def __init__(self, http: httpx.AsyncClient, urls: dict[str, str]) -> None:
        self._http = http
        self._urls = {name: url.rstrip("/") for name, url in urls.items()}

    def serves(self, service: Service) -> bool:
        """Whether the portal knows where `service` is (the identity service's API only with a real provider)."""
        return bool(self._urls.get(service))

    async def get(self, service: Service, token: str, path: str, params: dict[str, Any] | None = None) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        return (await self._send(service, token, "GET", path, params=clean)).json()

    async def command(self, service: Service, token: str, method: str, path: str, body: dict[str, Any],
                      idempotency_key: str | None = None) -> Any:
        """A command, under an Idempotency-Key: a retried form (double click, reload) is answered once."""
        headers = {"Idempotency-Key": idempotency_key or uuid.uuid4().hex}
        return (await self._send(service, token, method, path, json=body, headers=headers)).json()

    async def upload(self, service: Service, token: str, path: str, filename: str, data: bytes,
                     media_type: str, fields: dict[str, str] | None = None, params: dict[str, str] | None = None,
                     idempotency_key: str | None = None) -> Any:
        """A file as multipart `file` (with form `fields`); a command when it has an `idempotency_key`."""
        files = {"file": (filename, data, media_type or "application/octet-stream")}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return (await self._send(service, token, "POST", path, files=files, data=fields or {}, params=params,
                                 headers=headers)).json()

    async def download(self, service: Service, token: str, path: str,
                       params: dict[str, Any] | None = None) -> httpx.Response:
        return await self._send(service, token, "GET", path, params=params)

    async def _send(self, service: Service, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        # A read, or a command under its Idempotency-Key, may be sent again: once, when the connection it went
        # down was closed by the other side before any answer (a kept-alive connection the server was closing).
        again = method == "GET" or "Idempotency-Key" in headers
        for attempt in (1, 2):
            try:
                response = await self._http.request(method, f"{self._urls[service]}{path}", headers=headers,
                                                    **kwargs)
                break
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if not again or attempt == 2:
                    raise ApiOutage(service, f"{type(exc).__name__}: {exc}") from exc
            except httpx.HTTPError as exc:
                raise ApiOutage(service, f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise ApiOutage(service, f"{response.status_code}: {response.text[:200]}",
                            response.headers.get("Retry-After"))
        if response.status_code >= 400:
            try:
                error = response.json().get("error") or {}
            except ValueError:
                error = {}
            raise ApiRefusal(response.status_code, error if isinstance(error, dict) else {})
        return response


def commune_path(commune_id: str, rest: str) -> str:
    return f"/api/v1/communes/{commune_id}{rest}"


SERVICES: tuple[Service, ...] = ("submission", "evaluation", "awards", "reporting", "directory")


def ops_path(rest: str) -> str:
    """The operators' endpoints sit at each service's root (projections, parked events, federation)."""
    return f"/ops{rest}"
