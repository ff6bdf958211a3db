"""The secretary amends a campaign's terms before its window opens (the service refuses once it has opened)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.formatting import to_moment, vn_date
from reform_portal.forms import campaign_body, form_values
from reform_portal.reads import Reads
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render
from reform_shared.catalog import REFORM_FIELDS

router = APIRouter(prefix="/thu-ky/dot-phat-dong")
Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
FIXED = ("campaign_id", "year")
"""What an amendment cannot change: the campaign's id and its year."""


def upcoming(campaign: dict[str, Any], now: dt.datetime) -> bool:
    """The window has not opened yet: the terms may still be amended."""
    opens = to_moment(campaign.get("submission_opens_at"))
    return bool(opens and now < opens)


def campaign_values(campaign: dict[str, Any]) -> dict[str, str]:
    """A campaign's terms as the form shows them (dates dd/mm/yyyy in Vietnam's time, units one a line)."""
    basis = campaign.get("legal_basis") or {}
    values = {"title": campaign.get("title", ""), "year": str(campaign.get("year", "")),
              "campaign_id": campaign.get("campaign_id", ""), "commune_name": campaign.get("commune_name", ""),
              "legal_basis.document_number": basis.get("document_number") or "",
              "legal_basis.document_date": vn_date(basis.get("document_date")),
              "max_nominations": str(campaign.get("max_nominations", 2)),
              "sub_areas": "\n".join(campaign.get("sub_areas", [])),
              "expected_units": "\n".join(f"{u['unit_id']} | {u['name']}" for u in campaign.get("expected_units", []))}
    for name in ("submission_opens_at", "submission_closes_at", "evaluation_deadline", "recognition_deadline",
                 "nomination_deadline"):
        values[name] = vn_date(campaign.get(name))
    return values


def amend_context(campaign: dict[str, Any], values: dict[str, str], fields: list[str], **extra: Any
                  ) -> dict[str, Any]:
    return {"values": values, "chosen_fields": fields, "all_fields": REFORM_FIELDS, "mode": "amend",
            "campaign": campaign, "idempotency_key": uuid.uuid4().hex, **extra}


@router.get("/{campaign_id}/sua", response_class=HTMLResponse)
async def amend_form(request: Request, portal: PortalDep, campaign_id: Ident,
                     caller: Caller = for_roles("secretary")) -> HTMLResponse:
    campaign = await Reads(portal.api, caller).campaign(campaign_id)
    return render(request, "campaign_form.html",
                  amend_context(campaign, campaign_values(campaign), list(campaign.get("fields", []))))


@router.post("/{campaign_id}/sua", response_class=HTMLResponse)
async def amend(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident,
                caller: Caller = for_roles("secretary")) -> Response:
    reads = Reads(portal.api, caller)
    campaign = await reads.campaign(campaign_id)
    values = {**form_values(form), **{k: campaign_values(campaign)[k] for k in FIXED}}
    fields = [str(code) for code in form.getlist("fields")]
    parsed = campaign_body(values, fields)
    body = {k: v for k, v in parsed.body.items() if k not in FIXED}
    errors, refusal = dict(parsed.errors), None
    if not errors:
        try:
            amended = await portal.api.command("submission", caller.token, "PUT",
                                               commune_path(caller.account.commune_id, f"/campaigns/{campaign_id}"),
                                               body, idempotency_key=values.get("idempotency_key") or None)
            await reads.listed("/campaigns", "campaign_id", campaign_id, amended)
            return RedirectResponse("/thu-ky/dot-phat-dong?da-sua", status_code=303)
        except ApiRefusal as caught:
            refusal = caught
            errors = {parsed.form_field(name) or "_form": text for name, text in caught.field_errors().items()}
    return render(request, "campaign_form.html", amend_context(campaign, values, fields, errors=errors,
                                                               refusal=refusal),
                  status=refusal.status if refusal else 422)
