"""The portal's settings, read from REFORM_* variables like every service's; it holds no database or stream."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from reform_shared.settings import DEVELOPMENT_SECRET

DEFAULT_PORT = 8100


class PortalSettings(BaseSettings):
    """Where the services and the identity provider are, and how the session cookie is signed."""

    model_config = SettingsConfigDict(env_prefix="REFORM_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    public_url: str | None = None
    """The portal's address as browsers see it (the OIDC redirect URI is built on it); by default the
    address a request came to."""

    submission_url: str = "http://127.0.0.1:8101"
    evaluation_url: str = "http://127.0.0.1:8102"
    awards_url: str = "http://127.0.0.1:8103"
    reporting_url: str = "http://127.0.0.1:8104"
    directory_url: str = "http://127.0.0.1:8105"
    notifications_url: str = "http://127.0.0.1:8107"
    replication_url: str = "http://127.0.0.1:8108"
    identity_url: str | None = None
    """The identity service's administrator API (accounts locked out); by default at the OIDC issuer's address.
    Neither set (a test provider): the portal reads no accounts."""
    api_timeout_seconds: float = 10.0

    # The link with the city (issue 22), read without NATS credentials: the node's nats-server monitoring, and
    # the folder where the node keeps its join package and its keeper's record of the link.
    federation_role: Literal["standalone", "commune", "city"] = "standalone"
    nats_monitor_urls: list[str] = ["http://127.0.0.1:8222"]
    federation_folder: Path | None = None
    """`<data>/federation`: the join package an administrator applies here is written there (0600)."""
    communes_file: Path | None = None
    """`<data>/communes.json`: the communes the node hosts (a package must be for them)."""

    oidc_issuer: str | None = None
    """The identity service's issuer (discovery at `<issuer>/.well-known/openid-configuration`)."""
    oidc_client_id: str = "reform-portal"
    jwt_audience: str = "reform"

    session_secret: SecretStr | None = None
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    session_max_age_seconds: int = 12 * 3600

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> PortalSettings:
        if self.environment == "production":
            secret = self.session_secret.get_secret_value() if self.session_secret else ""
            if len(secret) < 32:
                raise ValueError("REFORM_SESSION_SECRET must be set to at least 32 characters in production")
            if not self.oidc_issuer:
                raise ValueError("REFORM_OIDC_ISSUER must name the identity service in production")
        return self

    def cookie_secret(self) -> str:
        """The session cookie's key: its own secret when set, else one derived from the node secret (never the
        node secret itself, which signs the services' tokens)."""
        if self.session_secret is not None:
            return self.session_secret.get_secret_value()
        node = self.jwt_secret.get_secret_value().encode()
        return hmac.new(node, b"reform-portal-session", hashlib.sha256).hexdigest()
