"""Nominations to the city (đề nghị cấp thành phố): the secretary (or the chairman, as the API allows) chooses
the best recognised initiatives of a campaign, at most its 1–2 a year, with the reason, and may withdraw one
before the deadline. The quota, the recognised-only rule and the deadline are the evaluation service's: its
refusal is shown beside the choice it refuses."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal
from reform_portal.forms import form_values
from reform_portal.pages.evaluation_base import EvaluationReads, Ident, current, notice_in, outcome_rows, placed
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render

router = APIRouter(prefix="/de-nghi-thanh-pho")
NOMINATORS = ("secretary", "chairman")
NOTICES = {"da-de-nghi": "Đã đề nghị sáng kiến lên thành phố.", "da-rut": "Đã rút đề nghị."}


@router.get("", response_class=HTMLResponse)
async def campaigns(request: Request, portal: PortalDep, caller: Caller = for_roles(*NOMINATORS)) -> HTMLResponse:
    ev = EvaluationReads(portal, caller)
    return render(request, "nominations/index.html", {"campaigns": current(await ev.reads.campaigns())})


async def slate_page(request: Request, ev: EvaluationReads, campaign_id: str, status: int = 200,
                     **extra: Any) -> HTMLResponse:
    campaign = await ev.reads.campaign(campaign_id)
    nominated = [n for n in await ev.nominations(int(campaign["year"])) if n.get("campaign_id") == campaign_id]
    rows = outcome_rows(await ev.progress(campaign_id))
    taken = {n["initiative_id"] for n in nominated}
    context = {"campaign": campaign, "nominated": nominated, "not_recognised": rows["not_recognised"],
               "choices": [r for r in rows["recognised"] if r["initiative_id"] not in taken],
               "notice": notice_in(request, NOTICES), "idempotency_key": uuid.uuid4().hex}
    return render(request, "nominations/slate.html", {**context, **extra}, status=status)


@router.get("/{campaign_id}", response_class=HTMLResponse)
async def slate(request: Request, portal: PortalDep, campaign_id: Ident,
                caller: Caller = for_roles(*NOMINATORS)) -> HTMLResponse:
    return await slate_page(request, EvaluationReads(portal, caller), campaign_id)


def beside_choice(api_field: str) -> str:
    """A rule of the slate (the quota, recognised only, the deadline) names no input: it refuses the choice."""
    return api_field if api_field in ("reason",) else "initiative_id"


@router.post("/{campaign_id}", response_class=HTMLResponse)
async def nominate(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident,
                   caller: Caller = for_roles(*NOMINATORS)) -> Response:
    ev, values = EvaluationReads(portal, caller), form_values(form)
    chosen = values.get("initiative_id", "")
    if not chosen:
        errors = {"initiative_id": {"vi": "Chọn một sáng kiến đã được công nhận để đề nghị",
                                    "en": "choose a recognised initiative"}}
        return await slate_page(request, ev, campaign_id, status=422, values=values, errors=errors)
    try:
        await ev.command("POST", "/nominations", {"initiative_id": chosen, "reason": values.get("reason", "")},
                         values.get("idempotency_key"))
    except ApiRefusal as refusal:
        return await slate_page(request, ev, campaign_id, status=refusal.status, values=values, refusal=refusal,
                                errors=placed(refusal, beside_choice))
    year = int((await ev.reads.campaign(campaign_id))["year"])
    await ev.nominations_settle(year, lambda items: any(n["initiative_id"] == chosen for n in items))
    return RedirectResponse(f"/de-nghi-thanh-pho/{campaign_id}?da-de-nghi", status_code=303)


@router.post("/{campaign_id}/{initiative_id}/rut", response_class=HTMLResponse)
async def withdraw(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident, initiative_id: Ident,
                   caller: Caller = for_roles(*NOMINATORS)) -> Response:
    ev, values = EvaluationReads(portal, caller), form_values(form)
    name = f"withdraw.{initiative_id}"
    try:
        await ev.command("POST", f"/nominations/{initiative_id}/withdraw", {"reason": values.get(name, "")},
                         values.get("idempotency_key"))
    except ApiRefusal as refusal:
        return await slate_page(request, ev, campaign_id, status=refusal.status, values=values, refusal=refusal,
                                errors=placed(refusal, lambda _: name))
    year = int((await ev.reads.campaign(campaign_id))["year"])
    await ev.nominations_settle(year, lambda items: all(n["initiative_id"] != initiative_id for n in items))
    return RedirectResponse(f"/de-nghi-thanh-pho/{campaign_id}?da-rut", status_code=303)
