"""Sign-in and sign-out: the authorization code flow with PKCE, through the `SignIn` port only."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.auth.port import SignInError, challenge_of, new_verifier
from reform_portal.web import FormDep, PortalDep, SessionDep, account_in, keep_tokens, render

router = APIRouter()
CALLBACK = "/callback"
"""As registered for the `reform-portal` client by the node's identity service (exact match)."""


def safe_next(target: str | None) -> str:
    """Only a path of this site: never an open redirect to another one."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def redirect_uri(request: Request, public_url: str | None) -> str:
    base = (public_url or str(request.base_url)).rstrip("/")
    return f"{base}{CALLBACK}"


@router.get("/dang-nhap", response_class=HTMLResponse)
async def sign_in_page(request: Request, portal: PortalDep, session: SessionDep,
                       next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    if account_in(session) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    signed_out = bool(session.get("signed_out"))
    session.drop("signed_out")
    return render(request, "sign_in.html", {"next": safe_next(next), "configured": portal.sign_in is not None,
                                            "signed_out": signed_out})


@router.post("/dang-nhap")
async def start_sign_in(request: Request, portal: PortalDep, session: SessionDep, form: FormDep) -> Response:
    if portal.sign_in is None:
        return render(request, "sign_in.html", {"next": "/", "configured": False}, status=503)
    verifier, state = new_verifier(), secrets.token_urlsafe(24)
    session.set("pending", {"state": state, "verifier": verifier, "next": safe_next(str(form.get("next") or ""))})
    try:
        url = await portal.sign_in.authorization_url(redirect_uri=redirect_uri(request, portal.settings.public_url),
                                                     state=state, code_challenge=challenge_of(verifier))
    except SignInError as exc:
        return render(request, "sign_in.html", {"next": "/", "configured": True, "problem": exc}, status=503)
    return RedirectResponse(url, status_code=303)


@router.get(CALLBACK)
async def finish_sign_in(request: Request, portal: PortalDep, session: SessionDep,
                         code: Annotated[str | None, Query(max_length=2000)] = None,
                         state: Annotated[str | None, Query(max_length=200)] = None,
                         error: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    pending = session.get("pending") or {}
    session.drop("pending")
    if portal.sign_in is None or not code or not pending or state != pending.get("state"):
        problem = SignInError("Phiên đăng nhập không hợp lệ hoặc đã hết hạn, xin đăng nhập lại",
                              f"the sign-in was not completed ({error or 'state mismatch'})")
        return render(request, "sign_in.html", {"next": "/", "configured": portal.sign_in is not None,
                                                "problem": problem}, status=400)
    try:
        tokens = await portal.sign_in.exchange(code=code, code_verifier=pending["verifier"],
                                               redirect_uri=redirect_uri(request, portal.settings.public_url))
    except SignInError as exc:
        return render(request, "sign_in.html", {"next": "/", "configured": True, "problem": exc}, status=400)
    session.clear_all()  # a new session, and a new CSRF token, for the signed-in user (no fixation)
    keep_tokens(session, tokens)
    return RedirectResponse(safe_next(pending.get("next")), status_code=303)


@router.post("/dang-xuat")
async def sign_out(request: Request, portal: PortalDep, session: SessionDep, form: FormDep) -> Response:
    id_token = session.get("id_token")
    session.clear_all()
    session.set("signed_out", True)  # the sign-in page says so, once
    back = f"{str(portal.settings.public_url or request.base_url).rstrip('/')}/"
    target = None
    if portal.sign_in is not None:
        try:
            target = await portal.sign_in.logout_url(post_logout_redirect_uri=back,
                                                     id_token_hint=str(id_token) if id_token else None)
        except SignInError:
            target = None
    return RedirectResponse(target or "/dang-nhap", status_code=303)
