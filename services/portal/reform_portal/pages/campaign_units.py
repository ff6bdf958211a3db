"""The secretary's list of a campaign's expected units that have not proposed an initiative yet (each unit must
propose at least one a year, seed 001 §3), linked from the campaigns list."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from reform_portal.api import commune_path
from reform_portal.pages.evaluation_base import Ident
from reform_portal.reads import Reads
from reform_portal.web import Caller, PortalDep, for_roles, render

router = APIRouter(prefix="/thu-ky/dot-phat-dong")


@router.get("/{campaign_id}/don-vi-chua-de-xuat", response_class=HTMLResponse)
async def units_without_initiatives(request: Request, portal: PortalDep, campaign_id: Ident,
                                    caller: Caller = for_roles("secretary")) -> HTMLResponse:
    reads = Reads(portal.api, caller)
    campaign = await reads.campaign(campaign_id)
    path = commune_path(caller.account.commune_id, f"/campaigns/{campaign_id}/units-without-initiatives")
    report = await portal.api.get("submission", caller.token, path)
    return render(request, "council_setup/units_missing.html", {"campaign": campaign, "report": report})

