"""The identity service's wiring: what its routes use, built once at start by `bootstrap.py`."""

from __future__ import annotations

from dataclasses import dataclass

from reform_identity.adapters.keys import KeyStore
from reform_identity.adapters.upstream import Upstream
from reform_identity.application.accounts import Accounts
from reform_identity.application.audit import AuditLog
from reform_identity.application.grants import Grants
from reform_identity.application.requests import SignInRequests
from reform_identity.config import IdentityConfig


@dataclass(frozen=True)
class IdentityWiring:
    config: IdentityConfig
    issuer: str
    keys: KeyStore
    accounts: Accounts
    grants: Grants
    audit: AuditLog
    requests: SignInRequests
    production: bool
    upstream: Upstream | None = None
    """The external provider sign-in is sent to, when configured (REFORM_IDENTITY_UPSTREAM_ISSUER)."""
