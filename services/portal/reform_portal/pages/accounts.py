"""The officials' sign-in accounts, for the commune's administrator: who has a password, who must change it,
who is locked out after failed sign-ins; unlock an account, or give an official a one-time password (shown once,
on the page that made it, never in an address or a log). Everything goes through the identity service's
administrator API; the identity provider makes the password and the official changes it at the first sign-in.

This is how officials imported from a spreadsheet get their first password, and how a locked-out secretary is
let back in at eight in the morning without waiting for the lock to expire."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.web import Caller, FormDep, Portal, PortalDep, for_roles, render

router = APIRouter(prefix="/quan-tri/tai-khoan")
ADMINISTRATOR = ("administrator",)
OfficialId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.@-]{1,100}$")]
NOTICES = {"da-mo-khoa": "Đã mở khoá tài khoản."}
FILTERS = {"": "Tất cả", "khoa": "Đang bị khoá", "chua-co": "Chưa có mật khẩu", "phai-doi": "Phải đổi mật khẩu"}


def _state(row: dict[str, Any]) -> str:
    if row.get("locked_until"):
        return "khoa"
    if not row.get("has_password"):
        return "chua-co"
    return "phai-doi" if row.get("must_change") else "san-sang"


def _flat(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The directory's tree of units, flat."""
    return [found for unit in units for found in (unit, *_flat(unit.get("children", [])))]


async def _accounts(portal: Portal, caller: Caller) -> list[dict[str, Any]]:
    commune = caller.account.commune_id
    found, units = await asyncio.gather(
        portal.api.get("identity", caller.token, commune_path(commune, "/accounts")),
        portal.api.get("directory", caller.token, commune_path(commune, "/directory/units")))
    names = {u["unit_id"]: u.get("name", u["unit_id"]) for u in _flat(units.get("units", []))}
    rows: list[dict[str, Any]] = found["items"]
    return [{**row, "unit_name": names.get(row.get("unit_id") or "", ""), "state": _state(row)} for row in rows]


@router.get("", response_class=HTMLResponse)
async def listing(request: Request, portal: PortalDep, caller: Caller = for_roles(*ADMINISTRATOR)) -> HTMLResponse:
    rows = await _accounts(portal, caller)
    shown = request.query_params.get("loc", "")
    shown = shown if shown in FILTERS else ""
    counts = {key: sum(1 for r in rows if not key or r["state"] == key) for key in FILTERS}
    notice = next((text for key, text in NOTICES.items() if key in request.query_params), None)
    return render(request, "accounts/list.html", {
        "rows": [r for r in rows if not shown or r["state"] == shown], "filters": FILTERS, "shown": shown,
        "counts": counts, "notice": notice})


@router.post("/{official_id}/mo-khoa", response_class=HTMLResponse)
async def unlock(request: Request, official_id: OfficialId, portal: PortalDep, form: FormDep,
                 caller: Caller = for_roles(*ADMINISTRATOR)) -> Response:
    path = commune_path(caller.account.commune_id, f"/accounts/{official_id}/unlock")
    await portal.api.command("identity", caller.token, "POST", path, {})
    return RedirectResponse("/quan-tri/tai-khoan?da-mo-khoa", status_code=303)


@router.post("/{official_id}/mat-khau", response_class=HTMLResponse)
async def one_time_password(request: Request, official_id: OfficialId, portal: PortalDep, form: FormDep,
                            caller: Caller = for_roles(*ADMINISTRATOR)) -> Response:
    """A one-time password made by the identity provider, shown on this page only (not cached, not in an address)."""
    path = commune_path(caller.account.commune_id, f"/accounts/{official_id}/password")
    rows = {r["official_id"]: r for r in await _accounts(portal, caller)}
    try:
        made = await portal.api.command("identity", caller.token, "PUT", path, {"temporary": True})
    except ApiRefusal as refused:
        return render(request, "accounts/password.html", {"official": rows.get(official_id, {}),
                                                          "official_id": official_id, "refusal": refused},
                      status=refused.status)
    page = render(request, "accounts/password.html", {"official": rows.get(official_id, {}),
                                                      "official_id": official_id, "made": made})
    page.headers["Cache-Control"] = "no-store"
    return page
