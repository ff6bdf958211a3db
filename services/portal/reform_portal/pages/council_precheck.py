"""The conflict pre-check of the council set-up: for the members the secretary is choosing, which one is an
author, a co-author, the head of an author's unit (now or when the initiative was made), or shares a unit with
an author (the evaluation service reads the directory and the dossiers); the secretary keeps or excludes each,
with a reason recorded."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal
from reform_portal.forms import form_values
from reform_portal.pages.council_forms import members_body
from reform_portal.pages.evaluation_base import EvaluationReads, Ident, message, notice_in
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render

router = APIRouter(prefix="/thu-ky/hoi-dong")
NOTICES = {"da-quyet-dinh": "Đã ghi nhận quyết định của thư ký về xung đột lợi ích, kèm lý do."}
DECISIONS = {"keep": "Giữ thành viên (vẫn chấm sáng kiến này)", "exclude": "Loại khỏi việc chấm sáng kiến này"}


async def precheck_page(request: Request, ev: EvaluationReads, campaign_id: str, chosen: list[str],
                        status: int = 200, **extra: Any) -> HTMLResponse:
    officials = await ev.officials()
    members, errors = members_body(officials, chosen, "")
    findings: list[dict[str, Any]] = []
    if members:
        found = await ev.portal.api.command("evaluation", ev.caller.token, "POST",
                                            ev.path(f"/campaigns/{campaign_id}/council/precheck"),
                                            {"members": members})
        findings = found["findings"]
    return render(request, "council_setup/precheck.html", {
        "campaign": await ev.reads.campaign(campaign_id), "chosen": chosen, "members": members,
        "findings": findings, "decisions": DECISIONS, "errors": {**errors, **extra.pop("errors", {})},
        "notice": notice_in(request, NOTICES), "idempotency_key": uuid.uuid4().hex,
        "query": urlencode([("members", c) for c in chosen]), **extra}, status=status)


@router.get("/{campaign_id}/kiem-tra-xung-dot", response_class=HTMLResponse)
async def precheck(request: Request, portal: PortalDep, campaign_id: Ident, caller: Caller = for_roles("secretary"),
                   members: list[str] = Query(default_factory=list, max_length=50), chair: str = "") -> HTMLResponse:
    chosen = list(dict.fromkeys([chair, *members] if chair else members))
    return await precheck_page(request, EvaluationReads(portal, caller), campaign_id, chosen)


@router.post("/{campaign_id}/kiem-tra-xung-dot/chon")
async def chosen_for_precheck(form: FormDep, campaign_id: Ident, caller: Caller = for_roles("secretary")
                              ) -> RedirectResponse:
    """The set-up form's pre-check button: posted (its CSRF token never in an address), then the pre-check of the
    members chosen, by a plain address that may be reloaded or bookmarked."""
    members = [str(m) for m in form.getlist("members")]
    chair = str(form.get("chair") or "")
    query = urlencode([("members", m) for m in members] + ([("chair", chair)] if chair else []))
    return RedirectResponse(f"/thu-ky/hoi-dong/{campaign_id}/kiem-tra-xung-dot?{query}", status_code=303)


@router.post("/{campaign_id}/kiem-tra-xung-dot", response_class=HTMLResponse)
async def decide(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident,
                 caller: Caller = for_roles("secretary")) -> Response:
    ev, values = EvaluationReads(portal, caller), form_values(form)
    chosen = [str(v) for v in form.getlist("members")]
    body = {"member_id": values.get("member_id", ""), "member_name": values.get("member_name") or None,
            "kinds": [str(k) for k in form.getlist("kinds")], "decision": values.get("decision") or "keep",
            "reason": values.get("reason", "")}
    try:
        await ev.command("POST", f"/initiatives/{values.get('initiative_id', '')}/precheck-decisions", body,
                         values.get("idempotency_key"))
    except ApiRefusal as refusal:
        field = f"reason-{values.get('member_id')}-{values.get('initiative_id')}"
        return await precheck_page(request, ev, campaign_id, chosen, status=refusal.status, refusal=refusal,
                                   values={field: values.get("reason", "")}, errors={field: message(refusal)})
    query = urlencode([("members", c) for c in chosen])
    return RedirectResponse(f"/thu-ky/hoi-dong/{campaign_id}/kiem-tra-xung-dot?{query}&da-quyet-dinh",
                            status_code=303)
