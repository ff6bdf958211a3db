"""The commune's awards: the register with its filters (the secretary, the chairman), one's own awards (the
recipient), an award's page with its conditions, the chairman's grant, rejection and revocation, and the
certificate (DOCX) of a granted award."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal
from reform_portal.formatting import parse_vn_date
from reform_portal.forms import DATE_FORMAT_VI, form_values
from reform_portal.pages.awards_base import DECIDERS, LABELS, AwardReads, may_see, proposal_of
from reform_portal.web import STAFF, Caller, FormDep, NotAllowed, PortalDep, for_roles, render

router = APIRouter(prefix="/khen-thuong")
Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")]
NOTICES = {"da-de-nghi": "Đã gửi đề nghị khen thưởng.", "da-khen-thuong": "Đã quyết định khen thưởng.",
           "da-tu-choi": "Đã từ chối đề nghị khen thưởng.", "da-thu-hoi": "Đã thu hồi khen thưởng."}
ACTIONS = {"khen-thuong": ("grant", "granted", "da-khen-thuong"), "tu-choi": ("reject", "rejected", "da-tu-choi"),
           "thu-hoi": ("revoke", "revoked", "da-thu-hoi")}


def notice_of(request: Request) -> str | None:
    return next((text for key, text in NOTICES.items() if key in request.query_params), None)


Year = Annotated[str, Query(pattern=r"^(\d{4})?$")]
Status = Annotated[str, Query(pattern=r"^(proposed|granted|rejected|revoked)?$")]


@router.get("", response_class=HTMLResponse)
async def register(request: Request, portal: PortalDep, caller: Caller = for_roles(*DECIDERS), nam: Year = "",
                   trang_thai: Status = "") -> HTMLResponse:
    reads = AwardReads(portal, caller)
    items = await reads.register(int(nam) if nam else None, trang_thai or None)
    filters = {"nam": nam, "trang_thai": trang_thai}
    return render(request, "awards/register.html", {
        "items": items, "forms": await reads.forms(), "labels": LABELS, "filters": filters,
        "query": urlencode({k: v for k, v in filters.items() if v}), "notice": notice_of(request)})


@router.get("/so-khen-thuong.{fmt}")
async def export(portal: PortalDep, fmt: Annotated[str, Path(pattern=r"^(xlsx|csv)$")],
                 caller: Caller = for_roles(*DECIDERS), nam: Year = "", trang_thai: Status = "") -> Response:
    """The register as the service exports it (XLSX or CSV), with the page's filters."""
    reads = AwardReads(portal, caller)
    answer = await portal.api.download("awards", caller.token, reads.path("/awards"),
                                       {k: v for k, v in (("year", nam), ("status", trang_thai), ("format", fmt)) if v})
    return Response(answer.content, media_type=answer.headers.get("content-type"),
                    headers={"Content-Disposition": f'attachment; filename="so-khen-thuong.{fmt}"'})


@router.get("/cua-toi", response_class=HTMLResponse)
async def mine(request: Request, portal: PortalDep, caller: Caller = for_roles(*STAFF)) -> HTMLResponse:
    reads = AwardReads(portal, caller)
    account = caller.account
    items = [a for a in await reads.register()
             if a["recipient"]["recipient_id"] in (account.user_id, account.unit_id)]
    return render(request, "awards/mine.html", {"items": items, "forms": await reads.forms(), "labels": LABELS})


async def visible(reads: AwardReads, award_id: str) -> dict[str, Any]:
    award = await reads.award(award_id)
    if not may_see(reads.caller, award):
        raise NotAllowed(DECIDERS)
    return award


async def award_page(request: Request, reads: AwardReads, award_id: str, status: int = 200,
                     **extra: Any) -> HTMLResponse:
    award = await visible(reads, award_id)
    forms = await reads.forms()
    form = forms.get(award["form"], {"name": award["form"], "decided_by": "", "level": ""})
    account = reads.caller.account
    decides = account.has_any("chairman") and form["decided_by"] == "chairman"
    checked = await reads.eligibility(proposal_of(award)) if account.has_any(*DECIDERS) else None
    dossiers = [await reads.dossier(i) for i in (award.get("basis") or {}).get("initiative_ids", [])]
    today = f"{dt.date.today():%d/%m/%Y}"
    values = {"signer": account.name, "decision_date": today, "thu-hoi.signer": account.name,
              "thu-hoi.decision_date": today, **extra.pop("values", {})}
    return render(request, "awards/award.html", {
        "award": award, "form": form, "labels": LABELS, "checked": checked, "decides": decides, "dossiers": dossiers,
        "values": values, "notice": notice_of(request), "idempotency_key": uuid.uuid4().hex, **extra},
        status=status)


@router.get("/{award_id}", response_class=HTMLResponse)
async def award(request: Request, portal: PortalDep, award_id: Ident,
                caller: Caller = for_roles(*STAFF)) -> HTMLResponse:
    return await award_page(request, AwardReads(portal, caller), award_id)


DECIDED = ("decision_number", "decision_date", "signer")
"""What a decision carries: the grant's, and a revocation's (a decision of its own, its fields `thu-hoi.*`)."""


def decision_body(action: str, values: dict[str, str]) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    if action == "tu-choi":
        return {"reason": values.get(f"{action}.reason", "")}, {}
    prefix = "thu-hoi." if action == "thu-hoi" else ""
    day = parse_vn_date(values.get(f"{prefix}decision_date", ""))
    errors = {} if day else {f"{prefix}decision_date": {"vi": DATE_FORMAT_VI, "en": "a date reads dd/mm/yyyy"}}
    body = {"decision_number": values.get(f"{prefix}decision_number", ""), "signer": values.get(f"{prefix}signer", ""),
            "decision_date": day.isoformat() if day else ""}
    if action == "thu-hoi":
        body["reason"] = values.get("thu-hoi.reason", "")
    return body, errors


def error_field(action: str, api_field: str | None) -> str:
    if action == "tu-choi" or (action == "thu-hoi" and api_field == "reason"):
        return f"{action}.reason"
    prefix = "thu-hoi." if action == "thu-hoi" else ""
    return f"{prefix}{api_field}" if api_field in DECIDED else "_form"


@router.post("/{award_id}/{action}", response_class=HTMLResponse)
async def decide(request: Request, portal: PortalDep, form: FormDep, award_id: Ident,
                 action: Annotated[str, Path(pattern=r"^(khen-thuong|tu-choi|thu-hoi)$")],
                 caller: Caller = for_roles("chairman")) -> Response:
    """Grant, reject or revoke; a refusal is the award's page again, the message beside the field, typed values
    kept."""
    reads = AwardReads(portal, caller)
    values = form_values(form)
    verb, status, notice = ACTIONS[action]
    body, errors = decision_body(action, values)
    refusal: ApiRefusal | None = None
    if not errors:
        try:
            await portal.api.command("awards", caller.token, "POST", reads.path(f"/awards/{award_id}/{verb}"), body,
                                     idempotency_key=values.get("idempotency_key") or None)
            await reads.shows(award_id, status)
            return RedirectResponse(f"/khen-thuong/{award_id}?{notice}", status_code=303)
        except ApiRefusal as caught:
            if caught.status == 404:
                raise
            refusal = caught
            errors = {error_field(action, name): text for name, text in caught.field_errors().items()}
    return await award_page(request, reads, award_id, refusal.status if refusal else 422, values=values,
                            errors=errors, refusal=refusal, action=action)


@router.get("/{award_id}/giay-khen.docx")
async def certificate(portal: PortalDep, award_id: Ident, caller: Caller = for_roles(*STAFF)) -> Response:
    reads = AwardReads(portal, caller)
    await visible(reads, award_id)
    answer = await portal.api.download("awards", caller.token, reads.path(f"/awards/{award_id}/certificate.docx"))
    return Response(answer.content, media_type=answer.headers.get("content-type"), headers={
        "Content-Disposition": f'attachment; filename="giay-khen-{award_id}.docx"'})
