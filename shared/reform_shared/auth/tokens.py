"""Issue and verify tokens: an OpenID Connect issuer's (RS256 through its JWKS), and HS256 with the node secret
for scripts and tests (never in production)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import jwt

from reform_shared.envelope import Actor
from reform_shared.errors import Forbidden, ServiceUnavailable, Unauthenticated

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = (
    "submitter",
    "unit_head",
    "secretary",
    "council_member",
    "council_chair",
    "chairman",
    "city_officer",
    "city_council",
    "operator",
    "administrator",
)
"""`administrator`: the commune's (or the city's) system administrator — accounts, password resets, service
accounts; nothing of the yearly cycle."""
CITY = "city"
"""The commune claim of a city account (the city's departments, officers and council)."""
CITY_ROLES: frozenset[str] = frozenset({"city_officer", "city_council"})
"""Roles that act for the whole city: only a city account may hold them."""


def issue_token(
    secret: str,
    *,
    subject: str,
    name: str,
    commune_id: str,
    roles: tuple[str, ...] | list[str],
    issuer: str,
    audience: str,
    ttl: dt.timedelta = dt.timedelta(hours=12),
    now: dt.datetime | None = None,
    unit_id: str | None = None,
) -> str:
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ValueError(f"unknown roles {unknown}; known: {', '.join(ROLES)}")
    issued = now or dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "name": name,
        "commune": commune_id,
        "roles": list(roles),
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "exp": issued + ttl,
    }
    if unit_id:
        claims["unit"] = unit_id
    return jwt.encode(claims, secret, algorithm="HS256")


SIGNED_BY_ISSUER = ["RS256", "ES256", "PS256", "EdDSA"]
"""What a token of an OpenID Connect issuer may be signed with (never HS256: a shared secret is no issuer's)."""

JwksFetch = Callable[[], Awaitable[dict[str, Any]]]
"""Returns a JWKS document (`{"keys": [...]}`); raises when the issuer cannot be reached."""


class JwksClient:
    """The signing keys of an OpenID Connect issuer, fetched asynchronously and kept.

    The JWKS address comes from the issuer's discovery document (`<issuer>/.well-known/openid-configuration`,
    `jwks_uri`) unless given. Keys are cached by `kid`; a token signed with an unknown `kid` makes the client
    fetch the set again, at most once every `min_refresh_seconds` (a flood of forged kids costs the issuer
    nothing). When the issuer cannot be reached and no key is cached, the request answers 503 with
    Retry-After — nothing was decided — never a 500."""

    def __init__(
        self,
        *,
        issuer: str | None = None,
        jwks_url: str | None = None,
        fetch: JwksFetch | None = None,
        timeout: float = 2.0,
        min_refresh_seconds: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if fetch is None and issuer is None and jwks_url is None:
            raise ValueError("a JWKS client needs an issuer, a JWKS URL or a fetch function")
        self._issuer = issuer.rstrip("/") if issuer else None
        self._jwks_url = jwks_url
        self._fetch = fetch
        self._timeout = timeout
        self._transport = transport
        self._min_refresh = min_refresh_seconds
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._last_attempt = -math.inf
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        key = self._cached(kid)
        if key is not None:
            return key
        async with self._lock:
            key = self._cached(kid)
            if key is None and time.monotonic() - self._last_attempt >= self._min_refresh:
                await self._refresh()
                key = self._cached(kid)
        if key is None:
            raise Unauthenticated(
                "Mã xác thực được ký bằng khóa không có trong danh sách khóa (JWKS) của nơi cấp",
                f"the token is signed with a key (kid {kid!r}) the issuer does not publish", rule="token_key_unknown")
        return key

    def _cached(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        self._last_attempt = time.monotonic()
        try:
            document = await (self._fetch() if self._fetch is not None else self._download())
            keys: dict[str | None, jwt.PyJWK] = {}
            for entry in document.get("keys", []):
                if entry.get("use", "sig") != "sig":
                    continue
                try:
                    keys[entry.get("kid")] = jwt.PyJWK(entry)
                except jwt.PyJWTError:
                    log.warning("JWKS: skipping a key that cannot be used (kid %s)", entry.get("kid"))
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("JWKS: the issuer's keys cannot be fetched: %s: %s", type(exc).__name__, exc)
            if not self._keys:
                raise ServiceUnavailable("oidc", f"JWKS unreachable: {type(exc).__name__}",
                                         retry_after=max(1, math.ceil(self._min_refresh))) from exc
            return
        if keys:
            self._keys = keys

    async def _download(self) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
            url = self._jwks_url
            if url is None:
                discovery = await client.get(f"{self._issuer}/.well-known/openid-configuration")
                discovery.raise_for_status()
                url = str(discovery.json()["jwks_uri"])
                self._jwks_url = url
            answer = await client.get(url)
            answer.raise_for_status()
            document: dict[str, Any] = answer.json()
            return document


class TokenVerifier:
    """Turns a bearer token into an `Actor`, or says why it cannot.

    Two kinds of token: those of the OpenID Connect issuer (RS256/ES256…, keys from its JWKS, issuer
    `oidc_issuer`), and HS256 tokens signed with the node secret (issuer `issuer`), for scripts and tests
    only — refused when `allow_hs256` is false (production)."""

    def __init__(
        self,
        *,
        secret: str | None,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        oidc_issuer: str | None = None,
        allow_hs256: bool = True,
        jwks: JwksClient | None = None,
    ) -> None:
        self._secret = secret if allow_hs256 else None
        self._issuer = issuer
        self._oidc_issuer = oidc_issuer or issuer
        self._audience = audience
        if jwks is None and (jwks_url or oidc_issuer):
            jwks = JwksClient(issuer=oidc_issuer, jwks_url=jwks_url)
        self._jwks = jwks

    def verify(self, token: str) -> Actor:
        """An HS256 token of the node secret (synchronous: no key to fetch)."""
        if self._secret is None:
            raise Unauthenticated(
                "Hệ thống không chấp nhận mã xác thực ký bằng khóa bí mật chung (HS256)",
                "tokens signed with the shared node secret (HS256) are not accepted here", rule="token_algorithm")
        return self._actor(self._decode(token, self._secret, ["HS256"], self._issuer))

    async def authenticate(self, token: str) -> Actor:
        """Any token this service accepts: the issuer's (through its JWKS), else the node secret's."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(
                f"Mã xác thực không hợp lệ: {exc}", f"the token is invalid: {exc}", rule="token_invalid") from exc
        if header.get("alg") == "HS256" or self._jwks is None:
            return self.verify(token)
        kid = header.get("kid")
        key = await self._jwks.key_for(kid if isinstance(kid, str) else None)
        return self._actor(self._decode(token, key.key, SIGNED_BY_ISSUER, self._oidc_issuer))

    def _decode(self, token: str, key: Any, algorithms: list[str], issuer: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=issuer,
                audience=self._audience,
                options={"require": ["sub", "exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("Mã xác thực đã hết hạn", "the token has expired", rule="token_expired") from exc
        except jwt.InvalidSignatureError as exc:
            raise Unauthenticated(
                "Chữ ký của mã xác thực không hợp lệ", "the token signature is invalid", rule="token_signature"
            ) from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(
                f"Mã xác thực không hợp lệ: {exc}", f"the token is invalid: {exc}", rule="token_invalid"
            ) from exc
        return claims

    def _actor(self, claims: dict[str, Any]) -> Actor:
        commune = claims.get("commune")
        roles = claims.get("roles", [])
        if not isinstance(commune, str) or not commune:
            raise Unauthenticated(
                "Mã xác thực thiếu mã xã/phường (commune)", "the token has no commune claim", rule="token_claims"
            )
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise Unauthenticated(
                "Vai trò (roles) trong mã xác thực không hợp lệ", "the roles claim is invalid", rule="token_claims"
            )
        known = tuple(role for role in roles if role in ROLES)
        check_roles(commune, known)
        return Actor(
            user_id=str(claims["sub"]),
            name=str(claims.get("name", "")),
            commune_id=commune,
            roles=known,
            unit_id=str(claims["unit"]) if claims.get("unit") else None,
        )


def check_roles(commune_id: str, roles: tuple[str, ...]) -> None:
    """Least privilege at the door: an account with no known role reads nothing, and the city's roles
    (which read every commune) belong to city accounts only — a commune account carrying one is refused
    rather than trusted, since it would let one commune read the others."""
    if not roles:
        raise Forbidden(
            "Tài khoản chưa được giao vai trò nào trong hệ thống nên không được xem hay thao tác dữ liệu",
            "the account holds no role in this system, so it may neither read nor act",
            field="roles", rule="role_required",
            details={"known_roles": list(ROLES)},
        )
    city_roles = sorted(CITY_ROLES.intersection(roles))
    if city_roles and commune_id != CITY:
        raise Forbidden(
            f"Vai trò {', '.join(city_roles)} chỉ dành cho tài khoản cấp thành phố, "
            f"không dành cho tài khoản của xã/phường '{commune_id}'",
            f"the roles {', '.join(city_roles)} belong to city accounts only, not to commune '{commune_id}'",
            field="roles", rule="city_account_only",
            details={"commune": commune_id, "city_roles": city_roles},
        )
