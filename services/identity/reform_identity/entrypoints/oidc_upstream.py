"""Brokering sign-in to an upstream OpenID provider (when one is configured): the browser sent there with a
state, nonce and PKCE of our own, and its answer (`/upstream/callback`) verified and mapped to an official
of the directory, who gets a code of ours for the application that asked.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_identity.adapters.upstream import Upstream, UpstreamError
from reform_identity.application.grants import s256
from reform_identity.entrypoints import pages
from reform_identity.entrypoints.oidc_web import (
    OUTCOMES_LEFT,
    OUTCOMES_NO_ROLE,
    Wired,
    bad_request_page,
    html,
    ip_of,
    redirect_to,
)
from reform_identity.wiring import IdentityWiring

log = logging.getLogger("reform_identity.entrypoints.oidc")  # the logger these endpoints always wrote to
router = APIRouter(include_in_schema=False)


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
