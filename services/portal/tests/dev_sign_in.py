"""The test adapter of the portal's `SignIn` port: a small login page of test accounts, and the node's HS256
development tokens (`issue_token`) that the services already accept. Tests inject it into `build_app`;
the portal's production code has no way to reach it.

It keeps the protocol honest: the portal's state round-trips through the login page, the code is bound to
the S256 challenge and the redirect URI, a code is used once, refresh tokens are remembered.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from reform_portal.auth.port import Account, SignInError, TokenSet
from reform_shared.auth.tokens import issue_token


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    roles: tuple[str, ...]
    commune_id: str = "ninh-giang"
    unit_id: str | None = None


@dataclass
class _Grant:
    account: Person
    challenge: str
    redirect_uri: str


class DevSignIn:
    """`SignIn` for tests: `login_url` is where `login_app()` is served."""

    def __init__(self, secret: str, accounts: list[Person], ttl: dt.timedelta = dt.timedelta(hours=1)) -> None:
        self.secret, self.ttl = secret, ttl
        self.accounts = {a.user_id: a for a in accounts}
        self.login_url = ""
        self._codes: dict[str, _Grant] = {}
        self._refresh: dict[str, Person] = {}
        self._lock = threading.Lock()
        self.refreshed = 0

    async def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        query = urlencode({"redirect_uri": redirect_uri, "state": state, "code_challenge": code_challenge})
        return f"{self.login_url}?{query}"

    async def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        with self._lock:
            grant = self._codes.pop(code, None)
        if grant is None or grant.redirect_uri != redirect_uri or grant.challenge != _s256(code_verifier):
            raise SignInError("Mã đăng nhập không hợp lệ", "invalid code, verifier or redirect URI")
        return self._tokens(grant.account)

    async def refresh(self, refresh_token: str) -> TokenSet:
        with self._lock:
            account = self._refresh.pop(refresh_token, None)
        if account is None:
            raise SignInError("Phiên đăng nhập đã hết hạn", "unknown refresh token")
        self.refreshed += 1
        return self._tokens(account)

    async def logout_url(self, *, post_logout_redirect_uri: str, id_token_hint: str | None = None) -> str | None:
        return None

    def _tokens(self, a: Person) -> TokenSet:
        token = issue_token(self.secret, subject=a.user_id, name=a.name, commune_id=a.commune_id, roles=a.roles,
                            issuer="reform-node", audience="reform", ttl=self.ttl, unit_id=a.unit_id)
        refresh = secrets.token_urlsafe(24)
        with self._lock:
            self._refresh[refresh] = a
        account = Account(a.user_id, a.name, a.commune_id, a.roles, a.unit_id)
        return TokenSet(token, time.time() + self.ttl.total_seconds(), account, refresh)

    def login_app(self) -> FastAPI:
        """The provider's login page: pick an account (a button each), come back with a code."""
        app = FastAPI()

        @app.get("/login", response_class=HTMLResponse)
        async def page(redirect_uri: Annotated[str, Query()], state: Annotated[str, Query()],
                       code_challenge: Annotated[str, Query()]) -> str:
            hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in
                             (("redirect_uri", redirect_uri), ("state", state), ("code_challenge", code_challenge)))
            buttons = "".join(f'<button name="user_id" value="{a.user_id}">{html.escape(a.name)}</button>'
                              for a in self.accounts.values())
            return (f'<!doctype html><html lang="vi"><head><title>Đăng nhập thử</title>'
                    '<style>:focus-visible { outline: 3px solid #1b1b1b; }</style></head><body><main>'
                    f'<h1>Chọn tài khoản thử</h1><form method="post" action="/login">{hidden}{buttons}</form>'
                    f'</main></body></html>')

        @app.post("/login")
        async def choose(user_id: Annotated[str, Form()], redirect_uri: Annotated[str, Form()],
                         state: Annotated[str, Form()], code_challenge: Annotated[str, Form()]) -> RedirectResponse:
            code = secrets.token_urlsafe(16)
            with self._lock:
                self._codes[code] = _Grant(self.accounts[user_id], code_challenge, redirect_uri)
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=303)

        return app


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
