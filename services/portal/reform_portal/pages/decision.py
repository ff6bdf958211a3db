"""The recognition decision of a campaign, after the council's finalisation: the initiatives recognised and not
recognised with their scores, the draft decision, the minutes and each member's score sheet to download (for the
secretary, who drafts, and the chairman); the chairman alone signs (Chủ tịch UBND, as the evaluation API allows)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal
from reform_portal.formatting import parse_vn_date, vn_date
from reform_portal.forms import DATE_FORMAT_VI, form_values
from reform_portal.pages.evaluation_base import Errors, EvaluationReads, Ident, current, notice_in, outcome_rows, placed
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render

router = APIRouter(prefix="/quyet-dinh")
READERS = ("secretary", "chairman")
NOTICES = {"da-ky": "Đã ký quyết định công nhận sáng kiến."}
MemberId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$")]


@router.get("", response_class=HTMLResponse)
async def decisions(request: Request, portal: PortalDep, caller: Caller = for_roles(*READERS)) -> HTMLResponse:
    ev = EvaluationReads(portal, caller)
    items = []
    for campaign in current(await ev.reads.campaigns()):
        council = await ev.council(campaign["campaign_id"])
        if council is not None:
            rows = outcome_rows(await ev.progress(campaign["campaign_id"]))
            items.append({"campaign": campaign, "council": council, **rows})
    return render(request, "decision/index.html", {"items": items})


async def decision_page(request: Request, ev: EvaluationReads, campaign_id: str, status: int = 200,
                        **extra: Any) -> HTMLResponse:
    council = await ev.reads.evaluation(f"/campaigns/{campaign_id}/council")
    rows = outcome_rows(await ev.progress(campaign_id))
    values = {"signer": ev.caller.account.name, "decision_date": vn_date(dt.date.today())}
    context = {"campaign": await ev.reads.campaign(campaign_id), "council": council, **rows,
               "may_sign": ev.caller.account.has_any("chairman"), "values": values,
               "chosen": [r["initiative_id"] for r in rows["recognised"]], "notice": notice_in(request, NOTICES),
               "idempotency_key": uuid.uuid4().hex}
    return render(request, "decision/decision.html", {**context, **extra}, status=status)


@router.get("/{campaign_id}", response_class=HTMLResponse)
async def decision(request: Request, portal: PortalDep, campaign_id: Ident,
                   caller: Caller = for_roles(*READERS)) -> HTMLResponse:
    return await decision_page(request, EvaluationReads(portal, caller), campaign_id)


def decision_body(values: dict[str, str], chosen: list[str]) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    text = values.get("decision_date", "").strip()
    day = parse_vn_date(text) if text else None
    if day is None:
        errors["decision_date"] = {"vi": DATE_FORMAT_VI if text else "Nhập ngày ký quyết định",
                                   "en": "a date reads dd/mm/yyyy"}
    if not chosen:
        errors["initiative_ids"] = {"vi": "Chọn ít nhất một sáng kiến được công nhận",
                                    "en": "choose at least one recognised initiative"}
    return {"decision_number": values.get("decision_number", "").strip(), "signer": values.get("signer", "").strip(),
            "decision_date": day.isoformat() if day else None, "initiative_ids": chosen}, errors


def decision_field(api_field: str) -> str:
    return "initiative_ids" if api_field.startswith("initiative_ids") else api_field


@router.post("/{campaign_id}", response_class=HTMLResponse)
async def sign(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident,
               caller: Caller = for_roles("chairman")) -> Response:
    ev, values = EvaluationReads(portal, caller), form_values(form)
    chosen = [str(v) for v in form.getlist("initiative_ids")]
    body, errors = decision_body(values, chosen)
    refusal: ApiRefusal | None = None
    if not errors:
        try:
            await ev.command("POST", f"/campaigns/{campaign_id}/decision", body, values.get("idempotency_key"))
            await ev.council_settles(campaign_id, lambda c: bool(c.get("decision")))
            return RedirectResponse(f"/quyet-dinh/{campaign_id}?da-ky", status_code=303)
        except ApiRefusal as caught:
            refusal, errors = caught, placed(caught, decision_field)
    return await decision_page(request, ev, campaign_id, status=refusal.status if refusal else 422, values=values,
                               chosen=chosen, errors=errors, refusal=refusal)


# -- the documents, passed through from the evaluation service ---------------------------------------------
async def docx(ev: EvaluationReads, rest: str, filename: str) -> Response:
    answer = await ev.portal.api.download("evaluation", ev.caller.token, ev.path(rest))
    return Response(answer.content, media_type=answer.headers.get("content-type"),
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@router.get("/{campaign_id}/quyet-dinh.docx")
async def decision_docx(portal: PortalDep, campaign_id: Ident, caller: Caller = for_roles(*READERS)) -> Response:
    return await docx(EvaluationReads(portal, caller), f"/campaigns/{campaign_id}/decision.docx",
                      f"quyet-dinh-cong-nhan-{campaign_id}.docx")


@router.get("/{campaign_id}/bien-ban.docx")
async def minutes_docx(portal: PortalDep, campaign_id: Ident, caller: Caller = for_roles(*READERS)) -> Response:
    return await docx(EvaluationReads(portal, caller), f"/campaigns/{campaign_id}/minutes.docx",
                      f"bien-ban-hoi-dong-{campaign_id}.docx")


@router.get("/{campaign_id}/phieu-cham/{initiative_id}/{member_id}.docx")
async def sheet_docx(portal: PortalDep, campaign_id: Ident, initiative_id: Ident, member_id: MemberId,
                     caller: Caller = for_roles(*READERS)) -> Response:
    return await docx(EvaluationReads(portal, caller), f"/initiatives/{initiative_id}/score-sheets/{member_id}.docx",
                      f"phieu-cham-{initiative_id}-{member_id}.docx")
