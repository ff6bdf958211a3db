"""The signed-in person's notifications (/thong-bao): the inbox, mark read, and how to be told (preferences).

Everything comes from the notifications service's API under the person's own token; the unread count in the
header is read once per page by `unread_in_header` (a failure there only hides the count).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiOutage, ApiRefusal
from reform_portal.web import STAFF, Caller, FormDep, PortalDep, account_in, for_roles, portal_of, render

router = APIRouter()
log = logging.getLogger(__name__)
BASE = "/api/v1/notifications"
NOTICES = {"da-doc": "Đã đánh dấu là đã đọc.", "da-luu": "Đã lưu cách nhận thông báo."}
EVERYONE = (*STAFF, "city_officer", "city_council")


@router.get("/thong-bao", response_class=HTMLResponse)
async def inbox(request: Request, portal: PortalDep, caller: Caller = for_roles(*EVERYONE)) -> HTMLResponse:
    items = await portal.api.get("notifications", caller.token, f"{BASE}/me")
    prefs = await portal.api.get("notifications", caller.token, f"{BASE}/me/preferences")
    kinds = await portal.api.get("notifications", caller.token, f"{BASE}/kinds")
    notice = next((text for key, text in NOTICES.items() if key in request.query_params), None)
    request.state.unread_count = sum(1 for item in items if not item["read"])
    return render(request, "inbox.html", {"items": items, "prefs": prefs, "kinds": kinds, "notice": notice,
                                          "idempotency_key": uuid.uuid4().hex})


@router.post("/thong-bao/da-doc", response_class=HTMLResponse)
async def mark_read(portal: PortalDep, form: FormDep, caller: Caller = for_roles(*EVERYONE)) -> Response:
    ids = [str(value) for value in form.getlist("id")]
    body: dict[str, Any] = {"ids": ids} if ids else {}
    await portal.api.command("notifications", caller.token, "POST", f"{BASE}/me/read", body,
                             idempotency_key=str(form.get("idempotency_key") or "") or None)
    return RedirectResponse("/thong-bao?da-doc", status_code=303)


@router.post("/thong-bao/cai-dat", response_class=HTMLResponse)
async def save_preferences(portal: PortalDep, form: FormDep, caller: Caller = for_roles(*EVERYONE)) -> Response:
    kinds = await portal.api.get("notifications", caller.token, f"{BASE}/kinds")
    wanted = {str(value) for value in form.getlist("kind")}
    body = {"muted_kinds": sorted(kind for kind in kinds if kind not in wanted),
            "email": form.get("email") == "on", "digest": form.get("digest") == "on"}
    await portal.api.command("notifications", caller.token, "PUT", f"{BASE}/me/preferences", body,
                             idempotency_key=str(form.get("idempotency_key") or "") or None)
    return RedirectResponse("/thong-bao?da-luu", status_code=303)


async def unread_in_header(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """The signed-in person's unread count for the header of a page (`request.state.unread_count`)."""
    if request.method == "GET" and not request.url.path.startswith(("/static", "/health", "/ready", "/thong-bao")):
        session = request.scope.get("session")
        account = account_in(session) if session is not None else None
        if session is not None and account is not None and float(session.get("expires_at", 0)) > time.time():
            try:
                answer = await portal_of(request).api.get("notifications", str(session["access_token"]),
                                                          f"{BASE}/me/unread")
                request.state.unread_count = int(answer["unread"])
            except (ApiOutage, ApiRefusal, KeyError, ValueError) as exc:
                log.debug("no unread count: %s", exc)
    return await call_next(request)
