"""The OpenID Connect provider's protocol endpoints and sign-in pages (documented by discovery, not OpenAPI).

Authorization code flow only, PKCE S256 required, redirect URIs matched exactly; the token endpoint takes
authorization_code, refresh_token (rotated, reuse revokes the family) and client_credentials (service
accounts). Sign-in and change-password forms are CSRF-protected (a random token in a SameSite=Strict,
HttpOnly cookie that must equal the form's and the stored request's).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import re
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from reform_identity.adapters.upstream import Upstream, UpstreamError
from reform_identity.application.accounts import SignInOutcome
from reform_identity.application.grants import GrantError, s256
from reform_identity.entrypoints import pages
from reform_identity.entrypoints.pages import FieldError
from reform_identity.wiring import IdentityWiring
from reform_shared.errors import InvalidInput
from reform_shared.http.deps import ActorDep, wiring_of

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
Wired = Annotated[IdentityWiring, Depends(wiring_of(IdentityWiring))]
STATIC = Path(__file__).parent / "static"
CSRF_COOKIE = "reform_signin_csrf"
CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")
SCOPES = ("openid", "profile", "offline_access")


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=pages.HEADERS)


def redirect_to(uri: str, **params: str | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if urlsplit(uri).query else "?"
    return RedirectResponse(f"{uri}{separator}{query}", status_code=303, headers={"Cache-Control": "no-store"})


def ip_of(request: Request) -> str | None:
    return request.client.host if request.client else None


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


@router.get("/static/signin.css")
async def stylesheet() -> FileResponse:
    return FileResponse(STATIC / "signin.css", media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


def bad_request_page(vi: str, en: str, status: int = 400) -> HTMLResponse:
    return html(pages.message_page("Yêu cầu đăng nhập không hợp lệ", "Invalid sign-in request", vi, en), status)


@router.get("/authorize")
async def authorize(request: Request, w: Wired) -> Response:
    q = request.query_params
    client = w.config.client(q.get("client_id", ""))
    redirect_uri = q.get("redirect_uri", "")
    if client is None:
        return bad_request_page("Ứng dụng (client_id) chưa được đăng ký với hệ thống.",
                                "the application (client_id) is not registered.")
    if redirect_uri not in client.redirect_uris:
        return bad_request_page("Địa chỉ chuyển hướng (redirect_uri) không khớp với địa chỉ đã đăng ký.",
                                "redirect_uri is not exactly one registered for this client.")
    state = q.get("state")
    if q.get("response_type") != "code":
        return redirect_to(redirect_uri, error="unsupported_response_type", state=state,
                           error_description="only response_type=code (authorization code flow)")
    scope = q.get("scope", "")
    if "openid" not in scope.split():
        return redirect_to(redirect_uri, error="invalid_scope", state=state, error_description="scope must hold openid")
    challenge = q.get("code_challenge", "")
    if q.get("code_challenge_method") != "S256" or not CHALLENGE.match(challenge):
        return redirect_to(redirect_uri, error="invalid_request", state=state,
                           error_description="PKCE is required: code_challenge with code_challenge_method=S256")
    params = {"client_id": client.client_id, "redirect_uri": redirect_uri, "state": state, "nonce": q.get("nonce"),
              "scope": " ".join(s for s in scope.split() if s in SCOPES), "code_challenge": challenge}
    pending = await w.requests.open(params)
    if w.upstream is not None:
        return await to_upstream(request, w, w.upstream, pending)
    response = html(pages.sign_in_page(request_id=pending["_id"], csrf=pending["csrf"],
                                       client_name=client.name or client.client_id,
                                       user_name=q.get("login_hint", "")[:80]))
    set_csrf(response, pending["csrf"], request)
    return response


OUTCOMES_LEFT = ("Tài khoản không còn hiệu lực (cán bộ đã thôi công tác).", "the account is no longer valid (the "
                 "official has left).", 403)
OUTCOMES_NO_ROLE = ("Tài khoản chưa được giao vai trò nào trong hệ thống; liên hệ văn phòng xã/phường.",
                    "the account holds no role in this system; ask the commune's office.", 403)
OUTCOMES: dict[str, tuple[str, str, int]] = {
    "bad_credentials": ("Tên đăng nhập hoặc mật khẩu không đúng.", "the user name or password is wrong.", 401),
    "locked": ("Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Hãy thử lại sau {minutes} phút hoặc liên hệ quản "
               "trị viên để mở khóa.", "the account is locked after repeated wrong passwords; try again in {minutes} "
               "minutes or ask the administrator to unlock it.", 403),
    "left": OUTCOMES_LEFT,
    "no_role": OUTCOMES_NO_ROLE,
}


async def to_upstream(request: Request, w: IdentityWiring, upstream: Upstream, pending: dict[str, Any]) -> Response:
    """Sign-in is the upstream provider's: the browser goes there with a state, nonce and PKCE of our own."""
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    try:
        target = await upstream.authorization_url(redirect_uri=f"{w.issuer}{UPSTREAM_CALLBACK}", state=state,
                                                  nonce=nonce, challenge=s256(verifier),
                                                  login_hint=request.query_params.get("login_hint"))
    except UpstreamError:
        log.warning("upstream provider %s unreachable", upstream.issuer, exc_info=True)
        return upstream_page(*UPSTREAM_DOWN)
    await w.requests.update(pending["_id"], upstream={"state": state, "nonce": nonce, "verifier": verifier})
    response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    # Lax, not Strict: the upstream sends the browser back with a top-level GET from its own site.
    response.set_cookie(UPSTREAM_COOKIE, pending["csrf"], httponly=True, samesite="lax", path=UPSTREAM_CALLBACK,
                        secure=request.url.scheme == "https", max_age=w.config.sign_in_request_seconds)
    return response


UPSTREAM_CALLBACK = "/upstream/callback"
UPSTREAM_COOKIE = "reform_upstream"
UPSTREAM_DOWN = ("Không kết nối được với hệ thống đăng nhập tập trung. Hãy thử lại sau ít phút.",
                 "the single sign-on provider cannot be reached or did not vouch for you; try again in a few minutes.",
                 502)
UPSTREAM_REFUSED: dict[str, tuple[str, str, int]] = {
    "unknown": ("Tài khoản đăng nhập tập trung của bạn không ứng với cán bộ nào trong danh bạ của xã/phường. Hãy liên "
                "hệ văn phòng xã/phường để được bổ sung vào danh bạ.",
                "your single sign-on account matches no official in the commune's directory; ask the commune's "
                "office to add you.", 403),
    "ambiguous": ("Tài khoản đăng nhập tập trung của bạn ứng với nhiều cán bộ trong danh bạ; hãy liên hệ văn phòng "
                  "xã/phường.", "your single sign-on account matches several officials; ask the commune's office.",
                  403),
    "left": OUTCOMES_LEFT,
    "no_role": OUTCOMES_NO_ROLE,
}


def upstream_page(vi: str, en: str, status: int) -> HTMLResponse:
    return html(pages.message_page("Không đăng nhập được", "Could not sign in", vi, en), status)


@router.get(UPSTREAM_CALLBACK)
async def upstream_callback(request: Request, w: Wired) -> Response:
    """The upstream provider's answer: its code exchanged, its ID token verified, the person mapped to an official
    of the directory, and a code of ours for the application that asked."""
    q = request.query_params
    upstream = w.upstream
    pending = await w.requests.find_upstream(q.get("state", ""), request.cookies.get(UPSTREAM_COOKIE))
    if upstream is None or pending is None:
        return bad_request_page("Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Hãy quay lại ứng dụng và đăng nhập lại.",
                                "the sign-in session expired or is invalid; go back to the application and retry.")
    await w.requests.close(pending["_id"])
    if q.get("error") or not q.get("code"):
        await w.audit.record("sign_in_failed", commune_id=None, subject=None, client_id=pending["client_id"],
                             ip=ip_of(request), reason="upstream_error", via="upstream",
                             error=str(q.get("error", "no_code"))[:80])
        return upstream_page("Hệ thống đăng nhập tập trung đã không xác nhận bạn. Hãy quay lại ứng dụng và thử lại.",
                             "the single sign-on provider did not sign you in; go back to the application and retry.",
                             403)
    kept = pending["upstream"]
    try:
        answer = await upstream.exchange(code=q["code"], redirect_uri=f"{w.issuer}{UPSTREAM_CALLBACK}",
                                         verifier=kept["verifier"])
        claims = await upstream.verify_id_token(answer["id_token"], kept["nonce"])
    except UpstreamError as exc:
        await w.audit.record("sign_in_failed", commune_id=None, subject=None, client_id=pending["client_id"],
                             ip=ip_of(request), reason="upstream_unverified", via="upstream", error=str(exc)[:200])
        return upstream_page(*UPSTREAM_DOWN)
    outcome = await w.accounts.upstream_sign_in(claims, claim=w.config.upstream_subject_claim,
                                                commune_id=w.config.upstream_commune, issuer=upstream.issuer,
                                                client_id=pending["client_id"], ip=ip_of(request))
    if not outcome.ok or outcome.principal is None:
        return upstream_page(*UPSTREAM_REFUSED.get(outcome.reason, UPSTREAM_REFUSED["unknown"]))
    code = await w.grants.issue_code(outcome.principal, client_id=pending["client_id"],
                                     redirect_uri=pending["redirect_uri"], code_challenge=pending["code_challenge"],
                                     nonce=pending.get("nonce"), scope=pending["scope"], auth_time=w.grants.now())
    response = redirect_to(pending["redirect_uri"], code=code, state=pending.get("state"))
    response.delete_cookie(UPSTREAM_COOKIE, path=UPSTREAM_CALLBACK)
    return response


def set_csrf(response: Response, token: str, request: Request) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https", max_age=3600)


@router.post("/authorize")
async def sign_in(request: Request, w: Wired, request_id: Annotated[str, Form(max_length=100)] = "",
                  csrf: Annotated[str, Form(max_length=100)] = "", username: Annotated[str, Form(max_length=200)] = "",
                  password: Annotated[str, Form(max_length=1000)] = "") -> Response:
    pending = await w.requests.find(request_id, csrf, request.cookies.get(CSRF_COOKIE))
    if pending is None or w.upstream is not None:  # with an upstream provider, no password is typed here
        return bad_request_page("Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Hãy quay lại ứng dụng và đăng nhập lại.",
                                "the sign-in session expired or is invalid; go back to the application and retry.")
    client = w.config.client(pending["client_id"])
    client_name = (client.name or client.client_id) if client else pending["client_id"]
    errors = []
    if not username.strip():
        errors.append(FieldError("username", "Hãy nhập tên đăng nhập", "enter your user name"))
    if not password:
        errors.append(FieldError("password", "Hãy nhập mật khẩu", "enter your password"))
    if errors:
        return html(pages.sign_in_page(request_id=request_id, csrf=csrf, client_name=client_name,
                                       user_name=username, errors=errors), 422)
    outcome = await w.accounts.sign_in(username, password, client_id=pending["client_id"], ip=ip_of(request))
    if not outcome.ok:
        return refused(outcome, request_id, csrf, client_name, username, w)
    assert outcome.principal is not None
    now = w.grants.now()
    if outcome.must_change:
        await w.requests.update(request_id, subject=outcome.principal.subject,
                                commune_id=outcome.principal.commune_id, auth_time=now)
        return html(pages.change_password_page(request_id=request_id, csrf=csrf, user_name=outcome.principal.subject,
                                               min_length=w.config.min_password_length))
    await w.requests.close(request_id)
    code = await w.grants.issue_code(outcome.principal, client_id=pending["client_id"],
                                     redirect_uri=pending["redirect_uri"], code_challenge=pending["code_challenge"],
                                     nonce=pending.get("nonce"), scope=pending["scope"], auth_time=now)
    return redirect_to(pending["redirect_uri"], code=code, state=pending.get("state"))


def refused(outcome: SignInOutcome, request_id: str, csrf: str, client_name: str, username: str, w: IdentityWiring
            ) -> HTMLResponse:
    vi, en, status = OUTCOMES.get(outcome.reason, OUTCOMES["bad_credentials"])
    minutes = str(w.config.lockout_minutes)
    if outcome.locked_until is not None:
        left = outcome.locked_until - w.grants.now()
        minutes = str(max(1, int(left.total_seconds() // 60) + 1))
    field = "password" if outcome.reason == "bad_credentials" else "username"
    error = FieldError(field, vi.format(minutes=minutes), en.format(minutes=minutes))
    return html(pages.sign_in_page(request_id=request_id, csrf=csrf, client_name=client_name, user_name=username,
                                   errors=[error]), status)


@router.post("/password")
async def change_password(request: Request, w: Wired, request_id: Annotated[str, Form(max_length=100)] = "",
                          csrf: Annotated[str, Form(max_length=100)] = "",
                          new_password: Annotated[str, Form(max_length=1000)] = "",
                          confirm_password: Annotated[str, Form(max_length=1000)] = "") -> Response:
    pending = await w.requests.find(request_id, csrf, request.cookies.get(CSRF_COOKIE))
    if pending is None or not pending.get("subject"):
        return bad_request_page("Phiên đổi mật khẩu đã hết hạn hoặc không hợp lệ. Hãy đăng nhập lại.",
                                "the password-change session expired or is invalid; sign in again.")
    subject, commune_id = pending["subject"], pending["commune_id"]
    errors = []
    if new_password != confirm_password:
        errors.append(FieldError("confirm_password", "Hai mật khẩu nhập không giống nhau",
                                 "the two passwords differ"))
    else:
        try:
            await w.accounts.change_password(commune_id, subject, new_password)
        except InvalidInput as exc:
            errors.append(FieldError("new_password", exc.message_vi, exc.message_en))
    if errors:
        return html(pages.change_password_page(request_id=request_id, csrf=csrf, user_name=subject,
                                               min_length=w.config.min_password_length, errors=errors), 422)
    principal = await w.accounts.principal(commune_id, subject)
    await w.requests.close(request_id)
    if principal is None:
        return bad_request_page("Tài khoản không còn hiệu lực.", "the account is no longer valid.", 403)
    auth_time = pending["auth_time"] if pending["auth_time"].tzinfo else pending["auth_time"].replace(tzinfo=dt.UTC)
    code = await w.grants.issue_code(principal, client_id=pending["client_id"], redirect_uri=pending["redirect_uri"],
                                     code_challenge=pending["code_challenge"], nonce=pending.get("nonce"),
                                     scope=pending["scope"], auth_time=auth_time)
    return redirect_to(pending["redirect_uri"], code=code, state=pending.get("state"))


@router.get("/account/password")
async def own_password_form(request: Request, w: Wired) -> Response:
    """The voluntary password change (the portal links here with login_hint): current password, new one twice."""
    pending = await w.requests.open({"purpose": "own_password"})
    response = html(pages.own_password_page(request_id=pending["_id"], csrf=pending["csrf"],
                                            user_name=request.query_params.get("login_hint", "")[:80],
                                            min_length=w.config.min_password_length))
    set_csrf(response, pending["csrf"], request)
    return response


@router.post("/account/password")
async def own_password(request: Request, w: Wired, request_id: Annotated[str, Form(max_length=100)] = "",
                       csrf: Annotated[str, Form(max_length=100)] = "",
                       username: Annotated[str, Form(max_length=200)] = "",
                       current_password: Annotated[str, Form(max_length=1000)] = "",
                       new_password: Annotated[str, Form(max_length=1000)] = "",
                       confirm_password: Annotated[str, Form(max_length=1000)] = "") -> Response:
    pending = await w.requests.find(request_id, csrf, request.cookies.get(CSRF_COOKIE))
    if pending is None or pending.get("purpose") != "own_password":
        return bad_request_page("Phiên đổi mật khẩu đã hết hạn hoặc không hợp lệ. Hãy mở lại trang đổi mật khẩu.",
                                "the password-change form expired or is invalid; open the page again.")

    def again(errors: list[FieldError], status: int) -> HTMLResponse:
        return html(pages.own_password_page(request_id=request_id, csrf=csrf, user_name=username,
                                            min_length=w.config.min_password_length, errors=errors), status)

    errors = [FieldError(name, vi, en) for name, value, vi, en in (
        ("username", username.strip(), "Hãy nhập tên đăng nhập", "enter your user name"),
        ("current_password", current_password, "Hãy nhập mật khẩu hiện tại", "enter your current password"),
        ("new_password", new_password, "Hãy nhập mật khẩu mới", "enter the new password")) if not value]
    if new_password and new_password != confirm_password:
        errors.append(FieldError("confirm_password", "Hai mật khẩu nhập không giống nhau", "the two passwords differ"))
    if errors:
        return again(errors, 422)
    try:
        outcome = await w.accounts.change_own_password(username, current_password, new_password, ip=ip_of(request))
    except InvalidInput as exc:
        return again([FieldError("new_password", exc.message_vi, exc.message_en)], 422)
    if not outcome.ok:
        vi, en, status = OUTCOMES.get(outcome.reason, OUTCOMES["bad_credentials"])
        if outcome.reason == "bad_credentials":
            vi, en = "Tên đăng nhập hoặc mật khẩu hiện tại không đúng.", "the user name or current password is wrong."
        minutes = str(w.config.lockout_minutes)
        if outcome.locked_until is not None:
            minutes = str(max(1, int((outcome.locked_until - w.grants.now()).total_seconds() // 60) + 1))
        field = "current_password" if outcome.reason == "bad_credentials" else "username"
        return again([FieldError(field, vi.format(minutes=minutes), en.format(minutes=minutes))], status)
    assert outcome.principal is not None
    await w.requests.close(request_id)
    await w.grants.revoke_subject(outcome.principal.commune_id, outcome.principal.subject)
    return html(pages.message_page("Đã đổi mật khẩu", "Password changed",
                                   "Mật khẩu của bạn đã được đổi. Các phiên đăng nhập khác đã được đăng xuất; lần sau "
                                   "hãy đăng nhập bằng mật khẩu mới.",
                                   "Your password was changed. Your other sessions were signed out; sign in with the "
                                   "new password next time."))


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
