"""Issue and verify tokens. HS256 with the node secret by default; a JWKS issuer in production."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt

from reform_shared.envelope import Actor
from reform_shared.errors import Unauthenticated

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
)


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
        return Actor(
            user_id=str(claims["sub"]),
            name=str(claims.get("name", "")),
            commune_id=commune,
            roles=tuple(role for role in roles if role in ROLES),
            unit_id=str(claims["unit"]) if claims.get("unit") else None,
        )
