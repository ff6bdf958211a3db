"""The identity service's own settings (REFORM_IDENTITY_*), beside the node's `Settings`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from reform_identity.adapters.keys import KeyStore


class Client(BaseModel):
    """A relying party registered in configuration: its redirect URIs are matched exactly."""

    client_id: str
    name: str = ""
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = []
    public: bool = True
    """A public client (a browser or phone app) holds no secret: PKCE S256 protects its codes."""


PORTAL = Client(client_id="reform-portal", name="Cổng cán bộ (officials' portal)",
                redirect_uris=["http://127.0.0.1:8100/callback", "http://localhost:8100/callback"],
                post_logout_redirect_uris=["http://127.0.0.1:8100/", "http://localhost:8100/"])


class IdentityConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFORM_IDENTITY_", extra="ignore")

    key_file: Path = Path("var/identity/signing-keys.json")
    """The RSA signing keys (current and previous), created once, kept 0600 in the node's data folder."""
    key_bits: Literal[2048, 3072, 4096] = 3072
    access_token_seconds: int = 600
    id_token_seconds: int = 600
    refresh_token_seconds: int = 8 * 3600
    code_seconds: int = 60
    sign_in_request_seconds: int = 900
    clients: list[Client] = [PORTAL]

    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    """Argon2id (RFC 9106's second recommended setting: 3 passes over 64 MiB, 4 lanes); tests lower them."""
    lockout_failures: int = 5
    lockout_minutes: int = 15
    min_password_length: int = 10

    upstream_issuer: str | None = None
    """An external OpenID Connect provider (Keycloak, the city's SSO): sign-in is sent there, the identity
    service maps the upstream subject to an official of the directory and issues its own tokens."""
    upstream_client_id: str = "reform-identity"
    """This service's client id at the upstream provider (its redirect URI there: `<issuer>/upstream/callback`)."""
    upstream_client_secret: SecretStr | None = None
    """Set: a confidential client (client_secret_basic); unset: a public one (PKCE only)."""
    upstream_subject_claim: Literal["preferred_username", "email", "sub"] = "preferred_username"
    """The upstream ID token's claim naming the official: their id in the directory (preferred_username, sub),
    or their e-mail address as the directory has it (email)."""
    upstream_commune: str | None = None
    """The commune whose directory upstream users are looked up in (the node's commune); unset: every commune
    this service knows, when exactly one has the official."""
    upstream_scope: str = "openid profile email"

    @property
    def key_keep_seconds(self) -> int:
        """How long a retired signing key stays in the JWKS: the longest life of a token it signed, and a minute
        of clock skew."""
        return max(self.access_token_seconds, self.id_token_seconds) + 60

    def keys(self) -> KeyStore:
        return KeyStore(self.key_file, self.key_bits, self.key_keep_seconds)

    def client(self, client_id: str) -> Client | None:
        return next((c for c in self.clients if c.client_id == client_id), None)
