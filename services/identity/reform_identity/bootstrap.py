"""Wires the identity service: its directory projection, keys, accounts, grants and routes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from reform_identity.adapters.keys import KeyStore
from reform_identity.adapters.upstream import Upstream
from reform_identity.application.accounts import Accounts
from reform_identity.application.audit import AuditLog
from reform_identity.application.directory import DirectoryCopy, DirectoryReader
from reform_identity.application.grants import Grants
from reform_identity.application.requests import SignInRequests
from reform_identity.config import IdentityConfig
from reform_identity.entrypoints.http import router as admin_router
from reform_identity.entrypoints.oidc import router as oidc_router
from reform_identity.wiring import IdentityWiring
from reform_shared.auth.tokens import JwksClient, TokenVerifier
from reform_shared.http.app import create_app
from reform_shared.ids import Clock, SystemClock
from reform_shared.runtime import Connections, ServiceRuntime
from reform_shared.settings import Settings

SERVICE = "identity"
DEFAULT_PORT = 8106


def build_runtime(settings: Settings, run_projections: bool = True) -> ServiceRuntime:
    return ServiceRuntime(settings, projections=(DirectoryCopy(),), run_projections=run_projections)


def issuer_of(settings: Settings) -> str:
    """This provider's issuer URL: REFORM_OIDC_ISSUER (what browsers and services reach), else its address."""
    return (settings.oidc_issuer or f"http://{settings.host}:{settings.port}").rstrip("/")


def build_app(runtime: ServiceRuntime, clock: Clock | None = None, config: IdentityConfig | None = None) -> FastAPI:
    settings = runtime.settings
    config = config or IdentityConfig()
    clock = clock or SystemClock()
    issuer = issuer_of(settings)
    kept: list[KeyStore] = []  # loaded (or created) at start, not when the app is built

    async def own_keys() -> dict[str, Any]:
        return kept[0].jwks() if kept else {"keys": []}

    async def wire(c: Connections) -> IdentityWiring:
        keys = config.keys()
        kept.append(keys)
        audit = AuditLog(c.db, clock)
        accounts = Accounts(c.db, DirectoryReader(c.db), audit, config, clock)
        grants = Grants(c.db, keys, accounts, audit, config, clock, issuer, settings.jwt_audience)
        await accounts.create_indexes()
        await grants.create_indexes()
        upstream = None
        if config.upstream_issuer:
            secret = config.upstream_client_secret.get_secret_value() if config.upstream_client_secret else None
            upstream = Upstream(config.upstream_issuer, config.upstream_client_id, secret, config.upstream_scope)
        return IdentityWiring(config, issuer, keys, accounts, grants, audit,
                              SignInRequests(c.db, clock, config.sign_in_request_seconds),
                              production=settings.environment == "production", upstream=upstream)

    app = create_app(runtime, [oidc_router, admin_router], title="Dịch vụ đăng nhập (identity)", wire=wire)
    app.state.clock = clock
    # Its own tokens are verified with its own keys (no HTTP round trip to itself); the node secret's as elsewhere.
    app.state.verifier = TokenVerifier(
        secret=settings.jwt_secret.get_secret_value(), issuer=settings.jwt_issuer, audience=settings.jwt_audience,
        oidc_issuer=issuer, allow_hs256=settings.accepts_hs256, jwks=JwksClient(fetch=own_keys, min_refresh_seconds=0))
    return app
