"""The external OpenID Connect provider the node trusts in production (Keycloak, the city's single sign-on),
configured by its issuer URL (`REFORM_IDENTITY_UPSTREAM_ISSUER`).

The identity service is its client (authorization code with PKCE S256; confidential with
`REFORM_IDENTITY_UPSTREAM_CLIENT_SECRET`, client_secret_basic, else public): it sends the browser there,
exchanges the code, and verifies the upstream's ID token through the upstream's JWKS (fetched asynchronously,
cached by kid: `reform_shared.auth.tokens.JwksClient`). Who the person is comes from one configurable claim;
what they may do comes from the directory, never from the upstream.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from reform_shared.auth.tokens import SIGNED_BY_ISSUER, JwksClient
from reform_shared.errors import ServiceUnavailable, Unauthenticated


class UpstreamError(Exception):
    """The upstream provider could not be reached, answered wrongly, or its ID token does not verify."""


class Upstream:
    def __init__(self, issuer: str, client_id: str, client_secret: str | None, scope: str, *,
                 timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self._timeout = timeout
        self._transport = transport
        self._discovery: dict[str, Any] | None = None
        self._lock = asyncio.Lock()
        self.jwks = JwksClient(issuer=self.issuer, timeout=timeout, transport=transport)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self._timeout, transport=self._transport)

    async def discovery(self) -> dict[str, Any]:
        async with self._lock:
            if self._discovery is None:
                try:
                    async with self._client() as http:
                        answer = await http.get(f"{self.issuer}/.well-known/openid-configuration")
                        answer.raise_for_status()
                        document: dict[str, Any] = answer.json()
                except (httpx.HTTPError, ValueError) as exc:
                    raise UpstreamError(f"discovery of {self.issuer} failed: {type(exc).__name__}") from exc
                if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                    raise UpstreamError(f"the discovery document names another issuer: {document.get('issuer')!r}")
                self._discovery = document
            return self._discovery

    async def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, challenge: str,
                                login_hint: str | None = None) -> str:
        endpoint = str((await self.discovery())["authorization_endpoint"])
        params = {"client_id": self.client_id, "redirect_uri": redirect_uri, "response_type": "code",
                  "scope": self.scope, "state": state, "nonce": nonce, "code_challenge": challenge,
                  "code_challenge_method": "S256"}
        if login_hint:
            params["login_hint"] = login_hint
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"

    async def exchange(self, *, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        """The upstream's token response for the code (its `id_token` not verified yet)."""
        endpoint = str((await self.discovery())["token_endpoint"])
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": verifier}
        auth = None
        if self._secret:
            auth = httpx.BasicAuth(self.client_id, self._secret)
        else:
            form["client_id"] = self.client_id
        try:
            async with self._client() as http:
                answer = await http.post(endpoint, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT,
                                         headers={"Accept": "application/json"})
            body: dict[str, Any] = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise UpstreamError(f"the token endpoint failed: {type(exc).__name__}") from exc
        if answer.status_code != 200 or not isinstance(body.get("id_token"), str):
            raise UpstreamError(f"the token endpoint refused the code: {answer.status_code} {body.get('error')}")
        return body

    async def verify_id_token(self, token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature (the upstream's JWKS), issuer, audience, expiry and nonce
        are checked."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = await self.jwks.key_for(kid if isinstance(kid, str) else None)
            claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=SIGNED_BY_ISSUER, issuer=self.issuer,
                                                audience=self.client_id,
                                                options={"require": ["sub", "exp", "iat", "iss", "aud"]})
        except (jwt.PyJWTError, Unauthenticated, ServiceUnavailable) as exc:
            raise UpstreamError(f"the upstream ID token does not verify: {exc}") from exc
        if claims.get("nonce") != nonce:
            raise UpstreamError("the upstream ID token's nonce is not this sign-in's")
        return claims
