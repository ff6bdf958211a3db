"""The signed session cookie (HttpOnly, SameSite=Lax, Secure over https) and the CSRF token of every form.

The cookie holds the user's tokens and account: signed (itsdangerous, so it cannot be forged or altered), not
secret from its own holder, who owns those tokens anyway. Nothing is kept on the server.
"""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "reform_portal"
CSRF_FIELD = "csrf_token"


class Session(dict[str, Any]):
    """The session's values; written back to the cookie only when something changed."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.changed = False
        self.cleared = False

    def set(self, key: str, value: Any) -> None:
        if self.get(key) != value:
            self[key] = value
            self.changed = True

    def drop(self, *keys: str) -> None:
        for key in keys:
            if key in self:
                del self[key]
                self.changed = True

    def clear_all(self) -> None:
        self.clear()
        self.changed = self.cleared = True

    def csrf_token(self) -> str:
        if "csrf" not in self:
            self.set("csrf", secrets.token_urlsafe(24))
        return str(self["csrf"])

    def csrf_ok(self, sent: str | None) -> bool:
        expected = self.get("csrf")
        return bool(sent and expected) and hmac.compare_digest(str(sent), str(expected))


class SessionMiddleware:
    """Loads `scope["session"]` from the cookie and sets the cookie on the response when it changed."""

    def __init__(self, app: ASGIApp, secret: str, max_age: int) -> None:
        self.app = app
        self.serializer = URLSafeTimedSerializer(secret, salt="reform-portal-session")
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        session = Session(self._load(connection.cookies.get(COOKIE)))
        scope["session"] = session
        secure = connection.url.scheme == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.changed:
                headers = MutableHeaders(scope=message)
                headers.append("Set-Cookie", self._cookie(session, secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, raw: str | None) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            values = self.serializer.loads(raw, max_age=self.max_age)
        except (BadSignature, json.JSONDecodeError, UnicodeDecodeError):
            return {}
        return values if isinstance(values, dict) else {}

    def _cookie(self, session: Session, secure: bool) -> str:
        flags = f"Path=/; HttpOnly; SameSite=Lax{'; Secure' if secure else ''}"
        if session.cleared and not session:
            return f"{COOKIE}=; Max-Age=0; {flags}"
        return f"{COOKIE}={self.serializer.dumps(dict(session))}; Max-Age={self.max_age}; {flags}"
