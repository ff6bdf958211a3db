"""Tokens of an OpenID Connect issuer verified through its JWKS, fetched asynchronously and cached."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from reform_shared.auth.tokens import JwksClient, TokenVerifier, issue_token
from reform_shared.errors import ServiceUnavailable, Unauthenticated
from reform_shared.http.errors import status_of

pytestmark = pytest.mark.domain

ISSUER = "https://id.example"
SECRET = "a-node-secret-0123456789-0123456789-abcdef"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**public, "kid": kid, "use": "sig", "alg": "RS256"}


def signed(key: rsa.RSAPrivateKey = KEY, kid: str = "k1", **overrides: Any) -> str:
    now = dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {"sub": "lan", "name": "Nguyễn Thị Lan", "commune": "ninh-giang", "roles": ["submitter"],
                              "unit": "tt-phvhcc", "iss": ISSUER, "aud": "reform", "iat": now,
                              "exp": now + dt.timedelta(minutes=10), "jti": "j1"}
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


class Issuer:
    def __init__(self) -> None:
        self.keys = [jwk(KEY, "k1")]
        self.calls: list[str] = []
        self.up = True

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        if not self.up:
            raise httpx.ConnectError("refused", request=request)
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks.json"})
        return httpx.Response(200, json={"keys": self.keys})

    def verifier(self, **extra: Any) -> TokenVerifier:
        client = JwksClient(issuer=ISSUER, transport=httpx.MockTransport(self.handler),
                            **{k: v for k, v in extra.items() if k != "allow_hs256"})
        return TokenVerifier(secret=SECRET, issuer="reform-node", audience="reform", oidc_issuer=ISSUER,
                             jwks=client, **{k: v for k, v in extra.items() if k == "allow_hs256"})


async def test_the_issuers_token_is_verified_through_discovery_and_cached() -> None:
    issuer = Issuer()
    verifier = issuer.verifier()
    actor = await verifier.authenticate(signed())
    assert (actor.user_id, actor.commune_id, actor.roles, actor.unit_id) == (
        "lan", "ninh-giang", ("submitter",), "tt-phvhcc")
    await verifier.authenticate(signed())
    assert issuer.calls == ["/.well-known/openid-configuration", "/jwks.json"]


async def test_an_unknown_kid_refreshes_at_most_every_few_seconds() -> None:
    issuer = Issuer()
    verifier = issuer.verifier()
    await verifier.authenticate(signed())
    issuer.keys.append(jwk(OTHER, "k2"))
    for _ in range(3):
        with pytest.raises(Unauthenticated) as caught:
            await verifier.authenticate(signed(OTHER, "k2"))
        assert caught.value.rule == "token_key_unknown"
    assert issuer.calls.count("/jwks.json") == 1
    fast = Issuer()
    quick = TokenVerifier(secret=None, issuer="x", audience="reform", oidc_issuer=ISSUER, jwks=JwksClient(
        issuer=ISSUER, transport=httpx.MockTransport(fast.handler), min_refresh_seconds=0))
    await quick.authenticate(signed())
    fast.keys.append(jwk(OTHER, "k2"))  # a rotation: the new kid is found on the next fetch
    assert (await quick.authenticate(signed(OTHER, "k2"))).user_id == "lan"


@pytest.mark.parametrize(("token", "rule"), [
    (lambda: signed(iss="https://another.example"), "token_invalid"),
    (lambda: signed(exp=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)), "token_expired"),
    (lambda: signed(aud="another-system"), "token_invalid"),
    (lambda: signed(OTHER, "k1"), "token_signature"),
    (lambda: jwt.encode({"sub": "x"}, "k" * 64, algorithm="HS512"), "token_invalid"),
])
async def test_tokens_not_of_the_issuer_are_refused(token, rule: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Unauthenticated) as caught:
        await Issuer().verifier().authenticate(token())
    assert caught.value.rule == rule


async def test_an_unreachable_issuer_with_no_key_cached_is_a_503_not_a_500() -> None:
    issuer = Issuer()
    issuer.up = False
    with pytest.raises(ServiceUnavailable) as caught:
        await issuer.verifier().authenticate(signed())
    assert status_of(caught.value) == 503 and caught.value.retry_after >= 1
    cached = Issuer()
    verifier = cached.verifier(min_refresh_seconds=0)
    await verifier.authenticate(signed())
    cached.up = False
    assert (await verifier.authenticate(signed())).user_id == "lan"  # what is cached keeps serving


async def test_the_node_secret_is_accepted_beside_the_issuer_except_in_production() -> None:
    hs = issue_token(SECRET, subject="s", name="Script", commune_id="ninh-giang", roles=["operator"],
                     issuer="reform-node", audience="reform")
    assert (await Issuer().verifier().authenticate(hs)).user_id == "s"
    with pytest.raises(Unauthenticated) as caught:
        await Issuer().verifier(allow_hs256=False).authenticate(hs)
    assert caught.value.rule == "token_algorithm"
