"""One pydantic-settings `Settings` per process, read from REFORM_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from reform_shared.replicas import servers_of

DEVELOPMENT_SECRET = "development-only-secret-change-me-0123456789"


class Settings(BaseSettings):
    """Configuration of a service process. Unsafe defaults are refused outside development."""

    model_config = SettingsConfigDict(env_prefix="REFORM_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    service_name: str = "reform"
    node_id: str = "commune-node"
    host: str = "127.0.0.1"
    port: int = 8000

    nats_url: str = "nats://127.0.0.1:4222"
    """The node's NATS; several servers (a cluster) comma-separated (`nats_servers`)."""
    nats_nkey_seed_file: Path | None = None
    """The process's NATS identity: a file holding its NKEY seed (REFORM_NATS_NKEY_SEED_FILE, 0600, from a secret
    in production); the server knows only the public key. Without it (and without `nats_creds`), the URL's user
    and password are used (the node's operator)."""
    nats_creds: Path | None = None
    """A NATS credentials file (REFORM_NATS_CREDS: JWT and seed) for servers in operator (JWT) mode."""
    stream_replicas: int = 0
    """Replicas of the streams and buckets provisioning creates; 0: 3 on a JetStream cluster, 1 on one server."""
    stream_name: str = "REFORM_EVENTS"
    subject_prefix: str = "reform"
    """The first token of the subjects this node's services write: `reform` at a commune node,
    `city` at the city node (so the city's decisions never loop back as a commune's events)."""
    read_prefixes: list[str] = []
    """Subject prefixes the projections read; empty means only `subject_prefix`. A federated
    node reads both: its own events and the other side's (`["reform", "city"]`)."""
    city_domain: str = "city"
    """JetStream domain of the city hub (a federated commune node sources OUT_<node> through it)."""
    federation_role: Literal["standalone", "commune", "city"] = "standalone"
    """standalone: one node does everything (a city officer decides city awards on it);
    commune: city-level decisions arrive from the city node and are refused here;
    city: the city node (city council, Bằng khen, every commune's reports)."""
    stream_subjects: list[str] = ["reform.>"]
    idempotency_bucket: str = "REFORM_IDEMPOTENCY"
    idempotency_ttl_seconds: float = 24 * 3600
    attachments_bucket: str = "REFORM_ATTACHMENTS"
    """JetStream object store of the dossiers' attachments, on the node's own nats-server beside the
    event stream: the stream is what is backed up, so the evidence of a dossier lives as durably."""

    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    database: str | None = None

    dependency_timeout_seconds: float = 2.0
    """How long a request waits for NATS or the database before it answers 503 with Retry-After (a user
    should not wait 10 s to learn that a dependency is down)."""
    mongo_max_idle_ms: int = 60_000
    """Pooled database connections idle longer are closed by the driver: below the 300 s after which the
    embedded server closes them itself (else the next ping finds a dead connection)."""

    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    """HS256 secret of the node's scripts and tests; never accepted in production."""
    jwt_issuer: str = "reform-node"
    """The `iss` of the node secret's HS256 tokens."""
    jwt_audience: str = "reform"
    """The `aud` every token for the services carries (the issuer's and the node secret's)."""
    oidc_issuer: str | None = None
    """The OpenID Connect issuer whose tokens the services accept (REFORM_OIDC_ISSUER): the node's identity
    service, or an external provider the identity service brokers. Its JWKS comes from its discovery document."""
    jwks_url: str | None = None
    """The issuer's JWKS, when it is not to be discovered from `oidc_issuer`."""

    otlp_endpoint: str | None = None
    jaeger_ui_url: str | None = None

    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 20 * 1_048_576
    projection_batch_size: int = 500
    projection_catch_up_batch_size: int = 10_000
    projection_max_deliver: int = 5

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.environment == "production" and self.oidc_issuer is None and self.jwks_url is None:
            raise ValueError(
                "REFORM_OIDC_ISSUER (or REFORM_JWKS_URL) must name the OpenID Connect issuer when "
                "REFORM_ENVIRONMENT=production: tokens signed with REFORM_JWT_SECRET (HS256) are refused there"
            )
        return self

    @property
    def accepts_hs256(self) -> bool:
        """Tokens of the node secret: scripts and tests, never production."""
        return self.environment != "production"

    @property
    def nats_servers(self) -> list[str]:
        return servers_of(self.nats_url)

    @property
    def consumed_prefixes(self) -> list[str]:
        return list(self.read_prefixes) or [self.subject_prefix]

    @property
    def ops_prefix(self) -> str:
        """The first token of the node's operational events (`reform_shared.events.operations`): `reform-ops`
        beside `reform`, `city-ops` beside `city`. Derived, never configured: no federation source filters it,
        so an operational event stays on its node."""
        return f"{self.subject_prefix}-ops"

    @property
    def files_prefix(self) -> str:
        """The first token of the catalogue's documents in transit (`reform-files` beside `reform`, `city-files`
        beside `city`): chunks of file bytes, in the same stream but outside every consumer reading `<prefix>.>`
        (the audit, notifications, replays as of a date); the federation sources them on their own filters."""
        return f"{self.subject_prefix}-files"

    @property
    def node_stream_subjects(self) -> list[str]:
        """The stream's subjects: the configured ones, the node's operational events and its catalogue files."""
        extra = [f"{self.ops_prefix}.>", f"{self.files_prefix}.>"]
        return list(self.stream_subjects) + [s for s in extra if s not in self.stream_subjects]

    @property
    def database_name(self) -> str:
        return self.database or f"reform_{self.service_name}"
