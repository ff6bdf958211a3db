"""The OpenID Connect provider's protocol endpoints and sign-in pages (documented by discovery, not OpenAPI).

Authorization code flow only, PKCE S256 required, redirect URIs matched exactly; the token endpoint takes
authorization_code, refresh_token (rotated, reuse revokes the family) and client_credentials (service
accounts). Sign-in and change-password forms are CSRF-protected (a random token in a SameSite=Strict,
HttpOnly cookie that must equal the form's and the stored request's).

The endpoints are in three modules, joined into one router here (every name still importable from here):
`oidc_signin` (the authorize and password pages), `oidc_tokens` (discovery, keys, token, userinfo, logout),
`oidc_upstream` (brokering to an upstream provider); `oidc_web` holds what they share.
"""

from __future__ import annotations

from fastapi import APIRouter

from reform_identity.entrypoints import oidc_signin, oidc_tokens, oidc_upstream
from reform_identity.entrypoints.oidc_signin import (
    CHALLENGE,
    STATIC,
    authorize,
    change_password,
    own_password,
    own_password_form,
    refused,
    sign_in,
    stylesheet,
)
from reform_identity.entrypoints.oidc_tokens import (
    client_auth,
    discovery,
    jwks,
    logout,
    oauth_error,
    token,
    userinfo,
)
from reform_identity.entrypoints.oidc_upstream import (
    UPSTREAM_CALLBACK,
    UPSTREAM_COOKIE,
    UPSTREAM_DOWN,
    UPSTREAM_REFUSED,
    log,
    to_upstream,
    upstream_callback,
    upstream_page,
)
from reform_identity.entrypoints.oidc_web import (
    CSRF_COOKIE,
    OUTCOMES,
    OUTCOMES_LEFT,
    OUTCOMES_NO_ROLE,
    SCOPES,
    Wired,
    bad_request_page,
    html,
    ip_of,
    redirect_to,
    set_csrf,
)

__all__ = ["CHALLENGE", "CSRF_COOKIE", "OUTCOMES", "OUTCOMES_LEFT", "OUTCOMES_NO_ROLE", "SCOPES", "STATIC",
           "UPSTREAM_CALLBACK", "UPSTREAM_COOKIE", "UPSTREAM_DOWN", "UPSTREAM_REFUSED", "Wired", "authorize",
           "bad_request_page", "change_password", "client_auth", "discovery", "html", "ip_of", "jwks", "log", "logout",
           "oauth_error", "own_password", "own_password_form", "redirect_to", "refused", "router", "set_csrf",
           "sign_in", "stylesheet", "to_upstream", "token", "upstream_callback", "upstream_page", "userinfo"]

router = APIRouter(include_in_schema=False)
for _part in (oidc_tokens, oidc_signin, oidc_upstream):
    router.include_router(_part.router)
