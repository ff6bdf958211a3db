"""`SignIn` against an OpenID Connect provider, written to the standards only (OIDC Discovery 1.0, RFC 6749
authorization code, RFC 7636 PKCE S256, refresh tokens, RP-initiated logout), so it works with the node's
identity service or any other conforming issuer. A public client: no client secret."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from reform_portal.auth.port import Account, SignInError, TokenSet
from reform_shared.auth.tokens import JwksClient
from reform_shared.errors import ServiceUnavailable, Unauthenticated

SIGNING_ALGORITHMS = ["RS256", "ES256", "PS256", "EdDSA"]
DISCOVERY_TTL_SECONDS = 3600.0


def account_of(claims: dict[str, Any]) -> Account:
    roles = claims.get("roles") or []
    return Account(
        user_id=str(claims["sub"]),
        name=str(claims.get("name") or claims["sub"]),
        commune_id=str(claims.get("commune") or ""),
        roles=tuple(str(role) for role in roles if isinstance(role, str)),
        unit_id=str(claims["unit"]) if claims.get("unit") else None,
    )


class OidcSignIn:
    """Discovery is read once an hour; the access token is verified against the issuer's JWKS (signature,
    issuer, audience, expiry) before the portal trusts what it says about the user."""

    def __init__(self, issuer: str, client_id: str, audience: str, http: httpx.AsyncClient,
                 scope: str = "openid profile offline_access") -> None:
        self._issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._audience = audience
        self._http = http
        self._scope = scope
        self._metadata: dict[str, Any] | None = None
        # The services' JWKS client, its keys read from the discovery's jwks_uri; a key unknown once is looked up
        # again at once (the tokens come from the issuer's own token endpoint, not from whoever calls).
        self._keys = JwksClient(fetch=self._jwks, min_refresh_seconds=0)
        self._read_at = 0.0

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._read_at > DISCOVERY_TTL_SECONDS:
            document = await self._get_json(f"{self._issuer}/.well-known/openid-configuration")
            if str(document.get("issuer", "")).rstrip("/") != self._issuer:
                raise SignInError("Máy chủ đăng nhập trả lời sai định danh (issuer)",
                                  f"the discovery document names issuer {document.get('issuer')!r}")
            if "S256" not in document.get("code_challenge_methods_supported", ["S256"]):
                raise SignInError("Máy chủ đăng nhập không hỗ trợ PKCE S256", "the issuer does not support S256")
            self._metadata, self._read_at = document, time.monotonic()
        return self._metadata

    async def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        endpoint = (await self.metadata())["authorization_endpoint"]
        query = urlencode({"response_type": "code", "client_id": self._client_id, "redirect_uri": redirect_uri,
                           "scope": self._scope, "state": state, "code_challenge": code_challenge,
                           "code_challenge_method": "S256"})
        return f"{endpoint}?{query}"

    async def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        return await self._token({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                  "code_verifier": code_verifier})

    async def refresh(self, refresh_token: str) -> TokenSet:
        tokens = await self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        if tokens.refresh_token is None:  # the provider kept the same refresh token (it need not rotate)
            tokens = replace(tokens, refresh_token=refresh_token)
        return tokens

    async def logout_url(self, *, post_logout_redirect_uri: str, id_token_hint: str | None = None) -> str | None:
        endpoint = (await self.metadata()).get("end_session_endpoint")
        if not endpoint:
            return None
        params = {"client_id": self._client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        query = urlencode(params)
        return f"{endpoint}?{query}"

    async def _token(self, form: dict[str, str]) -> TokenSet:
        endpoint = (await self.metadata())["token_endpoint"]
        try:
            response = await self._http.post(endpoint, data={**form, "client_id": self._client_id},
                                             headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise SignInError("Không kết nối được máy chủ đăng nhập", f"token endpoint unreachable: {exc}") from exc
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code != 200 or "access_token" not in body:
            raise SignInError("Máy chủ đăng nhập từ chối yêu cầu, xin đăng nhập lại",
                              f"token endpoint answered {response.status_code}: {body.get('error', '')}")
        claims = await self._verify(str(body["access_token"]))
        expires_at = float(claims.get("exp") or time.time() + float(body.get("expires_in", 300)))
        return TokenSet(access_token=str(body["access_token"]), expires_at=expires_at, account=account_of(claims),
                        refresh_token=body.get("refresh_token"), id_token=body.get("id_token"))

    async def _verify(self, token: str) -> dict[str, Any]:
        key_id = jwt.get_unverified_header(token).get("kid")
        key = await self._key(key_id)
        try:
            claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=SIGNING_ALGORITHMS, issuer=self._issuer,
                                                audience=self._audience,
                                                options={"require": ["sub", "exp", "iss", "aud"]})
        except jwt.PyJWTError as exc:
            raise SignInError("Mã xác thực nhận được không hợp lệ", f"the access token is invalid: {exc}") from exc
        return claims

    async def _jwks(self) -> dict[str, Any]:
        return await self._get_json((await self.metadata())["jwks_uri"])

    async def _key(self, key_id: str | None) -> jwt.PyJWK:
        try:
            return await self._keys.key_for(key_id)
        except (Unauthenticated, ServiceUnavailable) as exc:
            raise SignInError("Mã xác thực ký bằng khoá không rõ", f"no key {key_id!r} in the issuer's JWKS") from exc

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInError("Không kết nối được máy chủ đăng nhập", f"{url}: {exc}") from exc
        return document
