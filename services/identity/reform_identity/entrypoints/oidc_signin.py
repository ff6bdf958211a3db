"""The sign-in pages: the authorization request (`GET /authorize`, checked, then the sign-in form or the
upstream provider), the password form (`POST /authorize`), the first-sign-in and voluntary password changes,
and the pages' stylesheet. Forms are CSRF-protected (a random token in a SameSite=Strict, HttpOnly cookie that
must equal the form's and the stored request's).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from reform_identity.application.accounts import SignInOutcome
from reform_identity.entrypoints import pages
from reform_identity.entrypoints.oidc_upstream import to_upstream
from reform_identity.entrypoints.oidc_web import (
    CSRF_COOKIE,
    OUTCOMES,
    SCOPES,
    Wired,
    bad_request_page,
    html,
    ip_of,
    redirect_to,
    set_csrf,
)
from reform_identity.entrypoints.pages import FieldError
from reform_identity.wiring import IdentityWiring
from reform_shared.errors import InvalidInput

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"
CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43,128}$")


@router.get("/static/signin.css")
async def stylesheet() -> FileResponse:
    return FileResponse(STATIC / "signin.css", media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


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
