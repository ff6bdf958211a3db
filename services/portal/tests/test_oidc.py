"""`OidcSignIn`, the production adapter of the sign-in port, against a provider written to the standards
(discovery, authorization code with PKCE S256, refresh, end session, RS256 tokens from its JWKS), served
in memory by httpx.MockTransport: what the node's identity service will answer."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from reform_portal.auth.oidc import OidcSignIn
from reform_portal.auth.port import SignInError, challenge_of, new_verifier

pytestmark = pytest.mark.application

ISSUER = "http://idp.test"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Provider:
    """The provider's side of the protocol, with what it was asked."""

    def __init__(self, audience: str = "reform", key: Any = KEY) -> None:
        self.audience, self.key = audience, key
        self.codes: dict[str, dict[str, str]] = {}
        self.token_requests: list[dict[str, str]] = []

    def access_token(self) -> str:
        now = dt.datetime.now(dt.UTC)
        claims = {"sub": "nguyen-thi-lan", "name": "Nguyễn Thị Lan", "commune": "ninh-giang",
                  "roles": ["submitter"], "unit": "vh-xh", "iss": ISSUER, "aud": self.audience, "iat": now,
                  "exp": now + dt.timedelta(minutes=15)}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={
                "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize", "token_endpoint": f"{ISSUER}/token",
                "jwks_uri": f"{ISSUER}/jwks", "end_session_endpoint": f"{ISSUER}/logout",
                "code_challenge_methods_supported": ["S256"]})
        if path == "/jwks":
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
            return httpx.Response(200, json={"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})
        if path == "/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            self.token_requests.append(form)
            return self.token(form)
        return httpx.Response(404)

    def token(self, form: dict[str, str]) -> httpx.Response:
        if form["grant_type"] == "authorization_code":
            grant = self.codes.pop(form["code"], None)
            if grant is None or challenge_of(form["code_verifier"]) != grant["challenge"] \
                    or form["redirect_uri"] != grant["redirect_uri"] or form["client_id"] != "reform-portal":
                return httpx.Response(400, json={"error": "invalid_grant"})
        elif form["grant_type"] != "refresh_token" or form["refresh_token"] != "r-1":
            return httpx.Response(400, json={"error": "invalid_grant"})
        body = {"access_token": self.access_token(), "token_type": "Bearer", "expires_in": 900}
        if form["grant_type"] == "authorization_code":
            body["refresh_token"] = "r-1"
        return httpx.Response(200, json=body)


def adapter(provider: Provider) -> OidcSignIn:
    http = httpx.AsyncClient(transport=httpx.MockTransport(provider.handle))
    return OidcSignIn(ISSUER, "reform-portal", "reform", http)


async def sign_in(client: OidcSignIn, provider: Provider) -> Any:
    verifier = new_verifier()
    url = await client.authorization_url(redirect_uri="http://portal.test/callback", state="s-1",
                                         code_challenge=challenge_of(verifier))
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert url.startswith(f"{ISSUER}/authorize?")
    assert query["code_challenge_method"] == "S256" and query["response_type"] == "code"
    assert query["client_id"] == "reform-portal" and query["state"] == "s-1" and "openid" in query["scope"]
    provider.codes["c-1"] = {"challenge": query["code_challenge"], "redirect_uri": query["redirect_uri"]}
    return await client.exchange(code="c-1", code_verifier=verifier, redirect_uri=query["redirect_uri"])


async def test_the_code_is_exchanged_with_its_verifier_and_the_token_verified() -> None:
    provider = Provider()
    tokens = await sign_in(adapter(provider), provider)
    assert tokens.account.user_id == "nguyen-thi-lan" and tokens.account.roles == ("submitter",)
    assert tokens.account.unit_id == "vh-xh" and tokens.account.commune_id == "ninh-giang"
    assert tokens.refresh_token == "r-1" and "client_secret" not in provider.token_requests[0]


async def test_a_refresh_keeps_the_refresh_token_when_the_provider_does_not_rotate_it() -> None:
    provider = Provider()
    client = adapter(provider)
    await sign_in(client, provider)
    again = await client.refresh("r-1")
    assert again.refresh_token == "r-1" and again.account.name == "Nguyễn Thị Lan"
    with pytest.raises(SignInError):
        await client.refresh("stolen")


async def test_a_wrong_verifier_is_refused_by_the_provider() -> None:
    provider = Provider()
    client = adapter(provider)
    provider.codes["c-2"] = {"challenge": challenge_of(new_verifier()), "redirect_uri": "http://portal.test/cb"}
    with pytest.raises(SignInError) as refused:
        await client.exchange(code="c-2", code_verifier=new_verifier(), redirect_uri="http://portal.test/cb")
    assert "từ chối" in refused.value.message_vi


@pytest.mark.parametrize("provider", [Provider(audience="another-app"), Provider(key=OTHER_KEY)],
                         ids=["another audience", "signed by another key"])
async def test_a_token_not_for_the_services_or_not_from_the_issuer_is_refused(provider: Provider) -> None:
    with pytest.raises(SignInError) as refused:
        await sign_in(adapter(provider), provider)
    assert refused.value.message_vi == "Mã xác thực nhận được không hợp lệ"


async def test_sign_out_goes_to_the_providers_end_session_page() -> None:
    url = await adapter(Provider()).logout_url(post_logout_redirect_uri="http://portal.test/", id_token_hint="t.o.k")
    query = parse_qs(urlparse(url or "").query)
    assert url and url.startswith(f"{ISSUER}/logout?") and query["client_id"] == ["reform-portal"]
    assert query["id_token_hint"] == ["t.o.k"]  # names the session: the provider revokes its refresh tokens
