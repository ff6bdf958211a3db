"""The secretary's council of a campaign: constitute it (decision number and date, members from the directory,
one chair), change its members, edit its rubric, open scoring. Every rule (at least three members, one chair,
weights adding up to 100, the rubric fixed once scoring opens) is the evaluation service's; its refusal is shown
beside the input it names."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from reform_portal.api import ApiRefusal
from reform_portal.forms import form_values
from reform_portal.pages.council_forms import council_fields, members_body, rubric_body, rubric_values
from reform_portal.pages.evaluation_base import EvaluationReads, Ident, current, message, notice_in, placed
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render

router = APIRouter(prefix="/thu-ky/hoi-dong")
NOTICES = {"da-thanh-lap": "Đã thành lập hội đồng đánh giá.", "da-doi-thanh-vien": "Đã cập nhật thành viên hội đồng.",
           "da-sua-tieu-chi": "Đã lưu bộ tiêu chí chấm điểm.", "da-mo-cham": "Đã mở chấm điểm cho hội đồng."}


def member_field(api_field: str) -> str:
    return "members" if api_field.startswith("members") else api_field


@router.get("", response_class=HTMLResponse)
async def councils(request: Request, portal: PortalDep, caller: Caller = for_roles("secretary")) -> HTMLResponse:
    ev = EvaluationReads(portal, caller)
    items = [{"campaign": c, "council": await ev.council(c["campaign_id"])}
             for c in current(await ev.reads.campaigns())]
    return render(request, "council_setup/index.html", {"items": items})


async def council_page(request: Request, ev: EvaluationReads, campaign_id: str, status: int = 200,
                       **extra: Any) -> HTMLResponse:
    council = await ev.council(campaign_id)
    context: dict[str, Any] = {"campaign": await ev.reads.campaign(campaign_id), "council": council,
                               "notice": notice_in(request, NOTICES), "idempotency_key": uuid.uuid4().hex}
    if council is None:
        context |= {"officials": await ev.officials(), "chosen": []}
    return render(request, "council_setup/council.html", {**context, **extra}, status=status)


@router.get("/{campaign_id}", response_class=HTMLResponse)
async def council(request: Request, portal: PortalDep, campaign_id: Ident,
                  caller: Caller = for_roles("secretary")) -> HTMLResponse:
    return await council_page(request, EvaluationReads(portal, caller), campaign_id)


def chosen_of(form: FormData) -> list[str]:
    return [str(v) for v in form.getlist("members")]


@router.post("/{campaign_id}", response_class=HTMLResponse)
async def constitute(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident,
                     caller: Caller = for_roles("secretary")) -> Response:
    ev, values, chosen = EvaluationReads(portal, caller), form_values(form), chosen_of(form)
    body, errors = members_body(await ev.officials(), chosen, values.get("chair", ""))
    parsed = council_fields(values, errors)
    refusal: ApiRefusal | None = None
    if not errors:
        try:
            await ev.command("POST", f"/campaigns/{campaign_id}/council", {**parsed, "members": body},
                             values.get("idempotency_key"))
            await ev.council_settles(campaign_id, lambda _: True)
            return RedirectResponse(f"/thu-ky/hoi-dong/{campaign_id}?da-thanh-lap", status_code=303)
        except ApiRefusal as caught:
            refusal, errors = caught, placed(caught, member_field)
    return await council_page(request, ev, campaign_id, status=refusal.status if refusal else 422, values=values,
                              chosen=chosen, errors=errors, refusal=refusal)


# -- members -----------------------------------------------------------------------------------------
async def members_page(request: Request, ev: EvaluationReads, campaign_id: str, status: int = 200,
                       **extra: Any) -> HTMLResponse:
    council = await ev.reads.evaluation(f"/campaigns/{campaign_id}/council")
    context = {"campaign": await ev.reads.campaign(campaign_id), "council": council,
               "officials": await ev.officials(), "chosen": [m["user_id"] for m in council["members"]],
               "values": {"chair": next((m["user_id"] for m in council["members"] if m["role"] == "chair"), "")},
               "idempotency_key": uuid.uuid4().hex}
    return render(request, "council_setup/members.html", {**context, **extra}, status=status)


@router.get("/{campaign_id}/thanh-vien", response_class=HTMLResponse)
async def members_form(request: Request, portal: PortalDep, campaign_id: Ident,
                       caller: Caller = for_roles("secretary")) -> HTMLResponse:
    return await members_page(request, EvaluationReads(portal, caller), campaign_id)


@router.post("/{campaign_id}/thanh-vien", response_class=HTMLResponse)
async def change_members(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident,
                         caller: Caller = for_roles("secretary")) -> Response:
    ev, values, chosen = EvaluationReads(portal, caller), form_values(form), chosen_of(form)
    body, errors = members_body(await ev.officials(), chosen, values.get("chair", ""))
    refusal: ApiRefusal | None = None
    if not errors:
        try:
            await ev.command("PUT", f"/campaigns/{campaign_id}/council/members",
                             {"members": body, "reason": values.get("reason", "")}, values.get("idempotency_key"))
            wanted = sorted(m["user_id"] for m in body)
            await ev.council_settles(campaign_id, lambda c: sorted(m["user_id"] for m in c["members"]) == wanted)
            return RedirectResponse(f"/thu-ky/hoi-dong/{campaign_id}?da-doi-thanh-vien", status_code=303)
        except ApiRefusal as caught:
            refusal, errors = caught, placed(caught, member_field)
    return await members_page(request, ev, campaign_id, status=refusal.status if refusal else 422, values=values,
                              chosen=chosen, errors=errors, refusal=refusal)


# -- rubric ------------------------------------------------------------------------------------------
async def rubric_page(request: Request, ev: EvaluationReads, campaign_id: str, values: dict[str, str] | None = None,
                      status: int = 200, **extra: Any) -> HTMLResponse:
    council = await ev.reads.evaluation(f"/campaigns/{campaign_id}/council")
    shown = values if values is not None else rubric_values(council["rubric"])
    rows = max(len(council["rubric"]["criteria"]) + 2, *(int(k.split(".")[1]) + 1 for k in shown
                                                        if k.startswith("criteria.")))
    context = {"campaign": await ev.reads.campaign(campaign_id), "council": council, "values": shown,
               "rows": range(rows), "idempotency_key": uuid.uuid4().hex}
    return render(request, "council_setup/rubric.html", {**context, **extra}, status=status)


@router.get("/{campaign_id}/tieu-chi", response_class=HTMLResponse)
async def rubric_form(request: Request, portal: PortalDep, campaign_id: Ident,
                      caller: Caller = for_roles("secretary")) -> HTMLResponse:
    return await rubric_page(request, EvaluationReads(portal, caller), campaign_id)


@router.post("/{campaign_id}/tieu-chi", response_class=HTMLResponse)
async def set_rubric(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident,
                     caller: Caller = for_roles("secretary")) -> Response:
    ev, values = EvaluationReads(portal, caller), form_values(form)
    council = await ev.reads.evaluation(f"/campaigns/{campaign_id}/council")
    parsed = rubric_body(values, council["rubric"])
    errors, refusal = dict(parsed.errors), None
    if not errors:
        try:
            await ev.command("PUT", f"/campaigns/{campaign_id}/council/rubric", parsed.body,
                             values.get("idempotency_key"))
            version = int(council["rubric"].get("version", 1))
            await ev.council_settles(campaign_id, lambda c: int(c["rubric"].get("version", 1)) > version)
            return RedirectResponse(f"/thu-ky/hoi-dong/{campaign_id}?da-sua-tieu-chi", status_code=303)
        except ApiRefusal as caught:
            refusal, errors = caught, placed(caught, parsed.form_field)
    return await rubric_page(request, ev, campaign_id, values, status=refusal.status if refusal else 422,
                             errors=errors, refusal=refusal)


# -- opening scoring ---------------------------------------------------------------------------------
@router.post("/{campaign_id}/mo-cham-diem", response_class=HTMLResponse)
async def open_scoring(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident,
                       caller: Caller = for_roles("secretary")) -> Response:
    ev, values = EvaluationReads(portal, caller), form_values(form)
    try:
        await ev.command("POST", f"/campaigns/{campaign_id}/council/open-scoring", {}, values.get("idempotency_key"))
    except ApiRefusal as refusal:
        return await council_page(request, ev, campaign_id, status=refusal.status, refusal=refusal,
                                  errors={"_form": message(refusal)})
    await ev.council_settles(campaign_id, lambda c: bool(c.get("scoring_opened")))
    return RedirectResponse(f"/thu-ky/hoi-dong/{campaign_id}?da-mo-cham", status_code=303)
