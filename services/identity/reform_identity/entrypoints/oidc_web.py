"""What the OpenID Connect endpoints share: the wiring they take, their HTML and redirect responses, the
sign-in CSRF cookie, the scopes this provider knows and the refusals a sign-in shows (here or upstream).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_identity.entrypoints import pages
from reform_identity.wiring import IdentityWiring
from reform_shared.http.deps import wiring_of

Wired = Annotated[IdentityWiring, Depends(wiring_of(IdentityWiring))]
CSRF_COOKIE = "reform_signin_csrf"
SCOPES = ("openid", "profile", "offline_access")


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=pages.HEADERS)


def redirect_to(uri: str, **params: str | None) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if urlsplit(uri).query else "?"
    return RedirectResponse(f"{uri}{separator}{query}", status_code=303, headers={"Cache-Control": "no-store"})


def ip_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def bad_request_page(vi: str, en: str, status: int = 400) -> HTMLResponse:
    return html(pages.message_page("Yêu cầu đăng nhập không hợp lệ", "Invalid sign-in request", vi, en), status)


def set_csrf(response: Response, token: str, request: Request) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https", max_age=3600)


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
