"""Issue and verify tokens. HS256 with the node secret by default; a JWKS issuer in production."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt

from reform_shared.envelope import Actor
from reform_shared.errors import Forbidden, Unauthenticated

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


class TokenVerifier:
    """Turns a bearer token into an `Actor`, or says why it cannot."""

    def __init__(self, *, secret: str | None, issuer: str, audience: str, jwks_url: str | None = None) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None

    def verify(self, token: str) -> Actor:
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256", "ES256", "PS256", "EdDSA"]
            else:
                key, algorithms = self._secret, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=self._issuer,
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
