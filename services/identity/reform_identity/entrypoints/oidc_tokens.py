"""The protocol endpoints an application calls itself: discovery, the signing keys, the token endpoint
(authorization_code, refresh_token rotated with reuse revoking the family, client_credentials), userinfo
and RP-initiated logout.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from reform_identity.application.grants import GrantError
from reform_identity.entrypoints import pages
from reform_identity.entrypoints.oidc_web import SCOPES, Wired, html, ip_of, redirect_to
from reform_shared.http.deps import ActorDep

router = APIRouter(include_in_schema=False)


@router.get("/.well-known/openid-configuration")
async def discovery(w: Wired) -> dict[str, Any]:
    i = w.issuer
    return {
        "issuer": i, "authorization_endpoint": f"{i}/authorize", "token_endpoint": f"{i}/token",
        "userinfo_endpoint": f"{i}/userinfo", "jwks_uri": f"{i}/jwks.json", "end_session_endpoint": f"{i}/logout",
        "response_types_supported": ["code"], "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"], "scopes_supported": list(SCOPES),
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "claims_supported": ["sub", "name", "commune", "roles", "unit", "iss", "aud", "exp", "iat", "jti",
                             "nonce", "auth_time", "preferred_username"],
        "ui_locales_supported": ["vi", "en"],
    }


@router.get("/jwks.json")
async def jwks(w: Wired) -> JSONResponse:
    return JSONResponse(w.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


def oauth_error(error: GrantError) -> JSONResponse:
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="token"'
    return JSONResponse({"error": error.error, "error_description": error.description}, status_code=error.status,
                        headers=headers)


def client_auth(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise GrantError("invalid_client", "malformed Basic credentials", 401) from exc
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret")


@router.post("/token")
async def token(request: Request, w: Wired) -> JSONResponse:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    ip = ip_of(request)
    try:
        client_id, secret = client_auth(request, form)
        grant = form.get("grant_type")
        if grant == "client_credentials":
            if not secret:
                raise GrantError("invalid_client", "client_credentials needs the client's secret", 401)
            tokens = await w.grants.client_credentials(client_id, secret, ip)
        elif grant in ("authorization_code", "refresh_token"):
            if w.config.client(client_id) is None:
                raise GrantError("invalid_client", "unknown client_id", 401)
            if grant == "authorization_code":
                tokens = await w.grants.redeem_code(form.get("code", ""), client_id=client_id,
                                                    redirect_uri=form.get("redirect_uri", ""),
                                                    verifier=form.get("code_verifier", ""), ip=ip)
            else:
                tokens = await w.grants.refresh(form.get("refresh_token", ""), client_id=client_id, ip=ip)
        else:
            raise GrantError("unsupported_grant_type",
                             "grant_type must be authorization_code, refresh_token or client_credentials")
    except GrantError as exc:
        return oauth_error(exc)
    return JSONResponse(tokens.body(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.api_route("/userinfo", methods=["GET", "POST"])
async def userinfo(actor: ActorDep) -> dict[str, Any]:
    info: dict[str, Any] = {"sub": actor.user_id, "name": actor.name, "commune": actor.commune_id,
                            "roles": list(actor.roles)}
    if actor.unit_id:
        info["unit"] = actor.unit_id
    return info


@router.get("/logout")
async def logout(request: Request, w: Wired) -> Response:
    """RP-initiated logout: the refresh tokens the official holds at this client are revoked."""
    q = request.query_params
    hint = q.get("id_token_hint")
    target, subject, commune, client_id = q.get("post_logout_redirect_uri"), None, None, q.get("client_id")
    if hint:
        try:
            claims = w.grants.read_id_token(hint)
            subject, commune, client_id = claims["sub"], claims.get("commune"), claims["aud"]
        except ValueError:
            subject = None
    client = w.config.client(client_id or "")
    if subject and commune:
        revoked = await w.grants.revoke_subject(commune, subject, client_id)
        await w.audit.record("signed_out", commune_id=commune, subject=subject, client_id=client_id,
                             ip=ip_of(request), revoked_refresh_tokens=revoked)
    if target and client and target in client.post_logout_redirect_uris:
        return redirect_to(target, state=q.get("state"))
    return html(pages.message_page("Đã đăng xuất", "Signed out", "Bạn đã đăng xuất khỏi hệ thống.",
                                   "You have signed out."))
