"""The secretary's pages (Phòng VH-XH): campaigns (launch, close) and the dossier register."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.forms import campaign_body, form_values
from reform_portal.pages.campaign_amend import upcoming
from reform_portal.pages.profile import campaign_defaults
from reform_portal.reads import Reads, accepting, closes_at
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render
from reform_shared.catalog import REFORM_FIELDS

router = APIRouter(prefix="/thu-ky")
Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
Filter = Annotated[str | None, Query(max_length=100)]
PAGE = 50
REGISTERS: dict[str, tuple[Any, str, str]] = {
    "ho-so": ("submission", "/initiatives", "so-ho-so-sang-kien"),
    "khen-thuong": ("awards", "/awards", "so-khen-thuong"),
    "don-vi": ("directory", "/directory/units", "don-vi"),
    "can-bo": ("directory", "/directory/officials", "can-bo"),
}
"""The registers the secretary downloads from the register page: (service, route, file name)."""
NOTICES = {"da-phat-dong": "Đã phát động đợt mới.", "da-dong": "Đã khoá nhận hồ sơ của đợt.",
           "da-sua": "Đã lưu điều kiện đã sửa của đợt."}


@router.get("/dot-phat-dong", response_class=HTMLResponse)
async def campaigns(request: Request, portal: PortalDep, caller: Caller = for_roles("secretary")) -> HTMLResponse:
    now = dt.datetime.now(dt.UTC)
    items = [{**c, "accepting": accepting(c, now), "closes_at": closes_at(c), "upcoming": upcoming(c, now)}
             for c in await Reads(portal.api, caller).campaigns()]
    notice = next((text for key, text in NOTICES.items() if key in request.query_params), None)
    return render(request, "campaigns.html", {"campaigns": items, "notice": notice})


def launch_context(values: dict[str, str], fields: list[str], **extra: Any) -> dict[str, Any]:
    return {"values": values, "chosen_fields": fields, "all_fields": REFORM_FIELDS,
            "idempotency_key": uuid.uuid4().hex, **extra}


@router.get("/dot-phat-dong/moi", response_class=HTMLResponse)
async def launch_form(request: Request, portal: PortalDep, caller: Caller = for_roles("secretary")) -> HTMLResponse:
    year = dt.date.today().year
    values = {"year": str(year), "max_nominations": "2",
              "title": f"Phát động phong trào thi đua sáng kiến cải cách hành chính năm {year}",
              **await campaign_defaults(portal, caller, year)}  # the commune's profile: its name, usual deadlines
    return render(request, "campaign_form.html", launch_context(values, list(REFORM_FIELDS)))


@router.post("/dot-phat-dong/moi", response_class=HTMLResponse)
async def launch(request: Request, portal: PortalDep, form: FormDep,
                 caller: Caller = for_roles("secretary")) -> Response:
    values = form_values(form)
    fields = [str(code) for code in form.getlist("fields")]
    parsed = campaign_body(values, fields)
    refusal: ApiRefusal | None = None
    errors = dict(parsed.errors)
    if not errors:
        try:
            launched = await portal.api.command("submission", caller.token, "POST",
                                                commune_path(caller.account.commune_id, "/campaigns"), parsed.body,
                                                idempotency_key=values.get("idempotency_key") or None)
            await Reads(portal.api, caller).listed("/campaigns", "campaign_id", str(launched.get("id")), launched)
            return RedirectResponse("/thu-ky/dot-phat-dong?da-phat-dong", status_code=303)
        except ApiRefusal as caught:
            refusal = caught
            errors = {parsed.form_field(name) or "_form": text for name, text in caught.field_errors().items()}
    return render(request, "campaign_form.html", launch_context(values, fields, errors=errors, refusal=refusal),
                  status=refusal.status if refusal else 422)


@router.get("/dot-phat-dong/{campaign_id}/dong", response_class=HTMLResponse)
async def close_form(request: Request, portal: PortalDep, campaign_id: Ident,
                     caller: Caller = for_roles("secretary")) -> HTMLResponse:
    campaign = await Reads(portal.api, caller).campaign(campaign_id)
    return render(request, "close_campaign.html", {"campaign": campaign, "idempotency_key": uuid.uuid4().hex})


@router.post("/dot-phat-dong/{campaign_id}/dong", response_class=HTMLResponse)
async def close(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident,
                caller: Caller = for_roles("secretary")) -> Response:
    values = form_values(form)
    path = commune_path(caller.account.commune_id, f"/campaigns/{campaign_id}/close")
    try:
        closed = await portal.api.command("submission", caller.token, "POST", path,
                                          {"reason": values.get("reason", "")},
                                          idempotency_key=values.get("idempotency_key") or None)
    except ApiRefusal as refusal:
        campaign = await Reads(portal.api, caller).campaign(campaign_id)
        return render(request, "close_campaign.html", {
            "campaign": campaign, "values": values, "refusal": refusal, "idempotency_key": uuid.uuid4().hex,
            "errors": {refusal.field or "reason": {"vi": refusal.message_vi, "en": refusal.message_en}}},
            status=refusal.status)
    await Reads(portal.api, caller).listed("/campaigns", "campaign_id", campaign_id, closed)
    return RedirectResponse("/thu-ky/dot-phat-dong?da-dong", status_code=303)


@router.get("/ho-so", response_class=HTMLResponse)
async def register(request: Request, portal: PortalDep, caller: Caller = for_roles("secretary"),
                   dot: Filter = None, linh_vuc: Filter = None, trang_thai: Filter = None, don_vi: Filter = None,
                   tac_gia: Filter = None, q: Annotated[str | None, Query(max_length=200)] = None,
                   trang: Annotated[int, Query(ge=1, le=2000)] = 1) -> HTMLResponse:
    reads = Reads(portal.api, caller)
    found = await reads.initiatives(campaign_id=dot, field=linh_vuc, status=trang_thai, unit_id=don_vi,
                                    author=tac_gia, q=q, limit=PAGE, skip=(trang - 1) * PAGE)
    filters = {"dot": dot or "", "linh_vuc": linh_vuc or "", "trang_thai": trang_thai or "", "don_vi": don_vi or "",
               "tac_gia": tac_gia or "", "q": q or ""}
    pages = max(1, -(-found["total"] // PAGE))
    return render(request, "register.html", {
        "found": found, "filters": filters, "campaigns": await reads.campaigns(), "all_fields": REFORM_FIELDS,
        "page": trang, "pages": pages, "query": {k: v for k, v in filters.items() if v}})


@router.get("/so/{name}.{fmt}")
async def register_file(portal: PortalDep, name: Literal["ho-so", "khen-thuong", "don-vi", "can-bo"],
                        fmt: Literal["csv", "xlsx"], caller: Caller = for_roles("secretary"),
                        dot: Filter = None, linh_vuc: Filter = None, trang_thai: Filter = None,
                        don_vi: Filter = None, tac_gia: Filter = None,
                        q: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """A register as CSV or XLSX, from its service; the dossier register with the page's filters."""
    service, route, filename = REGISTERS[name]
    params: dict[str, Any] = {"format": fmt}
    if name == "ho-so":
        chosen = {"campaign_id": dot, "field": linh_vuc, "status": trang_thai, "unit_id": don_vi, "author": tac_gia,
                  "q": q}
        params |= {k: v for k, v in chosen.items() if v}
    commune = caller.account.commune_id
    answer = await portal.api.download(service, caller.token, commune_path(commune, route), params)
    disposition = f"attachment; filename*=UTF-8''{quote(f'{filename}-{commune}.{fmt}')}"
    return Response(answer.content, media_type=answer.headers.get("content-type"),
                    headers={"Content-Disposition": disposition})
