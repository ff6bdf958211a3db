"""The secretary proposes a commune-level award (Giấy khen, ad-hoc award) for an official or a unit of the
directory: the eligibility check is shown condition by condition (met or not, and why) before the proposal is
sent; a refusal (deadline, one award per achievement, not eligible) is shown beside the field it names."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal
from reform_portal.forms import form_values
from reform_portal.pages.awards_base import ACHIEVEMENT_ROWS, LABELS, AwardReads, input_of, proposal_body
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render

router = APIRouter(prefix="/khen-thuong")
CHECK, PROPOSE = "kiem-tra", "de-nghi"


async def scene(reads: AwardReads) -> dict[str, Any]:
    forms = await reads.forms()
    recipients = await reads.recipients()
    return {"form_options": [(code, f["name"]) for code, f in forms.items() if f["level"] == "commune"],
            "official_options": [(o["official_id"], o["full_name"]) for o in recipients["officials"]],
            **recipients, "initiatives": await reads.initiatives(), "rows": range(ACHIEVEMENT_ROWS),
            "labels": LABELS}


def page(request: Request, context: dict[str, Any], values: dict[str, str], chosen: list[str],
         status: int = 200, **extra: Any) -> HTMLResponse:
    return render(request, "awards/propose.html", {**context, "values": values, "chosen": chosen,
                                                   "idempotency_key": uuid.uuid4().hex, **extra}, status=status)


@router.get("/de-nghi", response_class=HTMLResponse)
async def propose_form(request: Request, portal: PortalDep, caller: Caller = for_roles("secretary")) -> HTMLResponse:
    values = {"form": "giay-khen-xa", "year": str(dt.date.today().year), "recipient.kind": "individual"}
    return page(request, await scene(AwardReads(portal, caller)), values, [])


@router.post("/de-nghi", response_class=HTMLResponse)
async def check_or_propose(request: Request, portal: PortalDep, form: FormDep,
                           caller: Caller = for_roles("secretary")) -> Response:
    """"Kiểm tra điều kiện" asks the service why eligible or not and shows it; "Gửi đề nghị" proposes (offered
    once the check has been shown)."""
    reads = AwardReads(portal, caller)
    values = form_values(form)
    chosen = [str(i) for i in form.getlist("basis.initiative_ids")]
    context = await scene(reads)
    parsed = proposal_body(values, chosen, context)
    if parsed.errors:
        return page(request, context, values, chosen, 422, errors=parsed.errors)
    checked: dict[str, Any] | None = None
    try:
        checked = await reads.eligibility(parsed.body)
        # A rule the check names (deadline, quota, form) is refused by the service beside the field it names.
        by_rule = any(c.get("rule") for c in checked.get("conditions") or [])
        if values.get("action") != PROPOSE or not (checked.get("eligible") or by_rule):
            beside = {input_of(c["field"], values, parsed): {"vi": str(c["why"]).removeprefix("Chưa đạt: "), "en": ""}
                      for c in checked.get("conditions") or [] if c.get("field")}
            return page(request, context, values, chosen, checked=checked, errors=beside)
        proposed = await portal.api.command("awards", caller.token, "POST", reads.path("/awards"), parsed.body,
                                            idempotency_key=values.get("idempotency_key") or None)
    except ApiRefusal as refusal:
        errors = {input_of(name, values, parsed): text for name, text in refusal.field_errors().items()}
        unmet = (refusal.error.get("details") or {}).get("conditions")
        return page(request, context, values, chosen, refusal.status, errors=errors, refusal=refusal,
                    checked={"eligible": False, "conditions": unmet} if unmet else checked)
    award_id = str(proposed["award_id"])
    await reads.shows(award_id, "proposed")
    return RedirectResponse(f"/khen-thuong/{award_id}?da-de-nghi", status_code=303)
