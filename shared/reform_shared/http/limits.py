"""Refuse oversized request bodies with 413 before any handler reads them."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _too_large(limit: int) -> bytes:
    vi = f"Nội dung yêu cầu vượt quá {limit} byte"
    en = f"request body exceeds {limit} bytes"
    return json.dumps(
        {"error": {"code": "payload_too_large", "message": f"{vi} ({en})", "message_vi": vi, "message_en": en,
                   "rule": "max_body_bytes"}},
        ensure_ascii=False,
    ).encode()


class BodySizeLimit:
    """Pure ASGI middleware: checks Content-Length, then counts a streamed body as it arrives.

    Paths ending with one of `upload_suffixes` (file uploads) get `upload_max_bytes` instead.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, upload_max_bytes: int = 0, upload_suffixes: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = max(upload_max_bytes, max_bytes)
        self.upload_suffixes = upload_suffixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        is_upload = bool(self.upload_suffixes) and path.endswith(self.upload_suffixes)
        limit = self.upload_max_bytes if is_upload else self.max_bytes
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        payload = _too_large(limit)
        start: dict[str, Any] = {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
        await send(start)
        await send({"type": "http.response.body", "body": payload})
