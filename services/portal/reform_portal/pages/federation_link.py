"""Liên thông với thành phố: the link between the node and the city, for officials on both sides (issue 22).

A commune's officials see whether the node is connected to the city (since when), the last of their events the
city received, and how many are not there yet; its administrator applies the join package the city issued
(checked here — reform_shared.join_package — then kept in the node's data folder, where the node's launcher
picks it up and restarts its NATS and services on it). The city's officers see one row per commune.

Read without NATS credentials: the node's nats-server monitoring (/leafz, /jsz) and the record its keeper
writes (reform_shared.link_state). The monitoring down: 503 with Retry-After, never a 500."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from reform_portal.api import ApiOutage
from reform_portal.web import Caller, FormDep, Portal, PortalDep, for_roles, render
from reform_shared.join_package import (
    MAX_PACKAGE_BYTES,
    PackageRefused,
    applied_package,
    apply_package,
    hosted_communes,
    parse_package,
)
from reform_shared.link_state import STALE_AFTER, CommuneLink, KeeperRecord, city_rows, commune_link

router = APIRouter(prefix="/lien-thong")
READERS = ("administrator", "secretary", "chairman", "operator", "city_officer", "city_council")
ADMINISTRATOR = ("administrator",)
NOTICES = {"da-ap-dung": "Đã nhận gói tham gia. Nút đang khởi động lại kết nối với thành phố trong giây lát.",
           "da-co": "Gói này đã được áp dụng cho nút từ trước: không có gì thay đổi."}


async def monitoring(portal: Portal, path: str) -> list[dict[str, Any]]:
    """Every monitoring server's answer to `path` (a hub cluster has three); none answering is an outage."""
    async def one(url: str) -> dict[str, Any] | None:
        try:
            async with httpx.AsyncClient(timeout=3) as http:
                answer = await http.get(f"{url.rstrip('/')}{path}")
                answer.raise_for_status()
                found: dict[str, Any] = answer.json()
                return found
        except (httpx.HTTPError, ValueError):
            return None
    answers = await asyncio.gather(*(one(url) for url in portal.settings.nats_monitor_urls))
    found = [a for a in answers if a is not None]
    if not found:
        raise ApiOutage("nats", f"no monitoring answer at {portal.settings.nats_monitor_urls}", "5")
    return found


def notice(request: Request) -> str | None:
    return next((text for key, text in NOTICES.items() if key in request.query_params), None)


@router.get("", response_class=HTMLResponse)
async def link(request: Request, portal: PortalDep, caller: Caller = for_roles(*READERS)) -> HTMLResponse:
    now = dt.datetime.now(dt.UTC)
    if portal.settings.federation_role == "city":
        leafzs, jszs = await asyncio.gather(monitoring(portal, "/leafz"),
                                            monitoring(portal, "/jsz?accounts=true&streams=true"))
        return render(request, "link/city.html", {"rows": city_rows(leafzs, jszs, now), "now": now})
    return await commune_page(request, portal, caller, now)


async def commune_page(request: Request, portal: Portal, caller: Caller, now: dt.datetime, status: int = 200,
                       errors: dict[str, dict[str, str]] | None = None) -> HTMLResponse:
    folder = portal.settings.federation_folder
    package = applied_package(folder) if folder else None
    state: CommuneLink | None = None
    if package is not None and folder is not None:
        leafz = (await monitoring(portal, "/leafz"))[0]
        record = KeeperRecord.load(folder) or KeeperRecord(  # the keeper has not written yet: nothing counted
            node_id=package.node.node_id, communes=package.node.communes, checked_at=now - STALE_AFTER * 2,
            connected=int(leafz.get("leafnodes") or 0) > 0)
        state = commune_link(leafz, record, now)
    return render(request, "link/commune.html", {
        "package": package, "state": state, "notice": notice(request), "errors": errors or {},
        "may_apply": caller.account.has_any(*ADMINISTRATOR) and folder is not None}, status=status)


@router.post("/goi-tham-gia", response_class=HTMLResponse)
async def apply(request: Request, portal: PortalDep, form: FormDep, caller: Caller = for_roles(*ADMINISTRATOR)
                ) -> Response:
    """The administrator's upload: checked for this node and this commune, then kept; a refused one changes
    nothing."""
    now = dt.datetime.now(dt.UTC)
    folder, communes = portal.settings.federation_folder, portal.settings.communes_file
    upload = form.get("package")
    if folder is None or communes is None:
        return await commune_page(request, portal, caller, now, 409, {"package": {
            "vi": "Cổng này không gắn với một nút xã: không áp dụng được gói", "en": "no node behind this portal"}})
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await commune_page(request, portal, caller, now, 422, {"package": {
            "vi": "Hãy chọn tệp gói tham gia do thành phố cấp", "en": "choose the join package file"}})
    raw = await upload.read(MAX_PACKAGE_BYTES + 1)
    try:
        if caller.account.commune_id not in parse_package(raw).node.communes:
            raise PackageRefused("own_commune", "Gói không dành cho xã của bạn",
                                 "the package is not for your commune")
        _, changed = apply_package(folder, raw, hosted_communes(communes), now)
    except PackageRefused as refused:
        status = 403 if refused.rule == "own_commune" else 422
        return await commune_page(request, portal, caller, now, status, {"package": {
            "vi": f"Gói bị từ chối, nút không thay đổi gì: {refused.message_vi}",
            "en": f"{refused.rule}: {refused.message_en}"}})
    return RedirectResponse("/lien-thong?" + ("da-ap-dung" if changed else "da-co"), status_code=303)
