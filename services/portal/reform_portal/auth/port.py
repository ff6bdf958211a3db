"""The sign-in port: what the portal needs from an identity provider, and the PKCE pieces it keeps.

The portal's routes only know this port. In production it is `OidcSignIn` (any OpenID Connect provider:
discovery, authorization code with PKCE S256, refresh tokens, RP-initiated logout); tests inject an adapter
of their own. There is no other way in.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Account:
    """Who is signed in, as the access token says (the services check the token again on every call)."""

    user_id: str
    name: str
    commune_id: str
    roles: tuple[str, ...]
    unit_id: str | None = None

    def has_any(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


@dataclass(frozen=True)
class TokenSet:
    """What the token endpoint answered, with the account its access token names."""

    access_token: str
    expires_at: float
    """Unix time after which the access token is refused."""
    account: Account
    refresh_token: str | None = None
    id_token: str | None = None
    """The OpenID Connect ID token, kept only to name the session when signing out (`id_token_hint`)."""


class SignInError(Exception):
    """The provider refused or could not be reached; `message_vi` is what the user reads."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


class SignIn(Protocol):
    """An identity provider seen from the portal (a public OAuth 2 client)."""

    async def authorization_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Where to send the browser to sign in (S256 code challenge)."""
        ...

    async def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        """The authorization code, with the PKCE verifier, for tokens."""
        ...

    async def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens before the access token expires."""
        ...

    async def logout_url(self, *, post_logout_redirect_uri: str, id_token_hint: str | None = None) -> str | None:
        """Where to send the browser to end the provider's session too (None: the provider has no such page);
        `id_token_hint` names the session, so the provider revokes its refresh tokens."""
        ...


def new_verifier() -> str:
    """A PKCE code verifier: 43 characters of URL-safe randomness (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(32)


def challenge_of(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
