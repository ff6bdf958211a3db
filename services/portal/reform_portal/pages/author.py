"""The author's pages: open campaigns, the initiative form (submit, revise), my initiatives, withdraw."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.formatting import field_label
from reform_portal.forms import AUTHOR_ROWS, INDICATOR_ROWS, Parsed, form_values, initiative_blank, initiative_body
from reform_portal.forms import initiative_values as content_values
from reform_portal.reads import Reads
from reform_portal.web import AUTHORS, Caller, FormDep, Portal, PortalDep, for_roles, render

router = APIRouter()
Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
WRITERS = (*AUTHORS, "secretary")


@router.get("/dot-phat-dong", response_class=HTMLResponse)
async def open_campaigns(request: Request, portal: PortalDep, caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    campaigns = await Reads(portal.api, caller).open_campaigns(dt.datetime.now(dt.UTC))
    return render(request, "open_campaigns.html", {"campaigns": campaigns})


@router.get("/sang-kien-cua-toi", response_class=HTMLResponse)
async def my_initiatives(request: Request, portal: PortalDep, caller: Caller = for_roles(*AUTHORS)) -> HTMLResponse:
    return render(request, "my_initiatives.html", {"items": await Reads(portal.api, caller).mine()})


def form_context(campaign: dict[str, Any], values: dict[str, str], attachments: list[dict[str, str]],
                 errors: dict[str, dict[str, str]] | None = None, officials: list[dict[str, Any]] | None = None,
                 **extra: Any) -> dict[str, Any]:
    return {"campaign": campaign, "values": values, "attachments": attachments, "errors": errors or {},
            "officials": officials or [],
            "unit_options": [(u["unit_id"], u["name"]) for u in campaign.get("expected_units", [])],
            "field_options": [(code, field_label(code)) for code in campaign.get("fields", [])],
            "sub_area_options": [(area, area) for area in campaign.get("sub_areas", [])],
            "author_rows": range(AUTHOR_ROWS), "indicator_rows": range(INDICATOR_ROWS),
            "idempotency_key": uuid.uuid4().hex, **extra}


@router.get("/sang-kien/moi", response_class=HTMLResponse)
async def new_initiative(request: Request, portal: PortalDep, dot: Annotated[str, Query(max_length=64)],
                         caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    campaign = await Reads(portal.api, caller).campaign(dot)
    a = caller.account
    values = initiative_blank(a.user_id, a.name, a.unit_id)
    officials = await Reads(portal.api, caller).officials()
    return render(request, "initiative_form.html", form_context(campaign, values, [], officials=officials,
                                                                mode="submit"))


@router.post("/sang-kien/moi", response_class=HTMLResponse)
async def submit_initiative(request: Request, portal: PortalDep, form: FormDep,
                            dot: Annotated[str, Query(max_length=64)],
                            caller: Caller = for_roles(*WRITERS)) -> Response:
    campaign = await Reads(portal.api, caller).campaign(dot)
    return await write_initiative(request, portal, caller, form, campaign, "POST",
                                  f"/campaigns/{campaign['campaign_id']}/initiatives", mode="submit")


@router.get("/ho-so/{initiative_id}/sua", response_class=HTMLResponse)
async def revise_form(request: Request, portal: PortalDep, initiative_id: Ident,
                      caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    reads = Reads(portal.api, caller)
    initiative = await reads.initiative(initiative_id)
    campaign = await reads.campaign(initiative["campaign_id"])
    values = {**content_values(initiative["content"]), "note": ""}
    attachments = [{"id": a["attachment_id"], "filename": a["filename"]}
                   for a in initiative["content"].get("attachments", [])]
    officials = await Reads(portal.api, caller).officials()
    return render(request, "initiative_form.html", form_context(campaign, values, attachments, officials=officials,
                                                                mode="revise",
                                                                initiative=initiative))


@router.post("/ho-so/{initiative_id}/sua", response_class=HTMLResponse)
async def revise_initiative(request: Request, portal: PortalDep, form: FormDep, initiative_id: Ident,
                            caller: Caller = for_roles(*WRITERS)) -> Response:
    reads = Reads(portal.api, caller)
    initiative = await reads.initiative(initiative_id)
    campaign = await reads.campaign(initiative["campaign_id"])
    return await write_initiative(request, portal, caller, form, campaign, "PUT", f"/initiatives/{initiative_id}",
                                  mode="revise", initiative=initiative)


async def write_initiative(request: Request, portal: Portal, caller: Caller, form: FormData,
                           campaign: dict[str, Any], method: str, rest: str, **extra: Any) -> Response:
    """Upload the chosen files, then submit or revise; on a refusal, the same form with every value kept."""
    officials = await Reads(portal.api, caller).officials()
    values = authors_from_directory(form_values(form), officials)
    kept = [{"id": str(i), "filename": str(form.get(f"attachment_name.{i}") or i)}
            for i in form.getlist("attachment_ids")]
    commune = caller.account.commune_id
    extra["officials"] = officials
    try:
        kept += await upload_all(portal, caller, [f for f in form.getlist("files") if isinstance(f, UploadFile)],
                                 values.get("idempotency_key", ""))
    except ApiRefusal as refusal:
        return refused(request, campaign, values, kept, {"files": _first(refusal)}, refusal, **extra)
    units = {u["unit_id"]: u["name"] for u in campaign.get("expected_units", [])}
    parsed = initiative_body(values, units, [a["id"] for a in kept])
    if parsed.errors:
        return refused(request, campaign, values, kept, parsed.errors, None, **extra)
    try:
        created = await portal.api.command("submission", caller.token, method, commune_path(commune, rest),
                                           parsed.body, idempotency_key=values.get("idempotency_key") or None)
    except ApiRefusal as refusal:
        if refusal.status in (401, 403) and not refusal.field:
            raise
        return refused(request, campaign, values, kept, errors_by_input(parsed, refusal), refusal, **extra)
    done = "da-nop" if extra.get("mode") == "submit" else "da-sua"
    return RedirectResponse(f"/ho-so/{created['id']}?{done}", status_code=303)


def authors_from_directory(values: dict[str, str], officials: list[dict[str, Any]]) -> dict[str, str]:
    """Each author row whose name is one official's of the commune's directory (picked from the list, or typed)
    is that official: his id, and his position when none was typed. A name the directory does not hold (an
    author from outside the commune) is taken as typed, without an id; an id whose name was changed is dropped."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for official in officials:
        by_name.setdefault(_folded(str(official.get("full_name") or "")), []).append(official)
    by_id = {str(o.get("official_id")): o for o in officials}
    out = dict(values)
    for index in range(AUTHOR_ROWS):
        name = values.get(f"authors.{index}.name", "").strip()
        ident = values.get(f"authors.{index}.user_id", "")
        if not name:
            out[f"authors.{index}.user_id"] = ""
            continue
        same = by_name.get(_folded(name), [])
        if ident and ident in by_id and _folded(str(by_id[ident].get("full_name") or "")) == _folded(name):
            continue  # the official already chosen
        if len(same) == 1:
            out[f"authors.{index}.user_id"] = str(same[0]["official_id"])
            if not values.get(f"authors.{index}.position", "").strip():
                out[f"authors.{index}.position"] = str(same[0].get("position") or "")
        elif ident in by_id:
            out[f"authors.{index}.user_id"] = ""
    return out


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


async def upload_all(portal: Portal, caller: Caller, files: list[UploadFile], form_key: str
                     ) -> list[dict[str, str]]:
    """Each chosen file, under a key of the form's and of its content: the same form sent again (its answer lost
    on the line) finds the same attachments, so the dossier's body is the same and gets the first answer."""
    stored = []
    path = commune_path(caller.account.commune_id, "/attachments")
    for upload in files:
        if not upload.filename:
            continue  # the file input left empty
        data = await upload.read()
        key = f"{form_key}.{hashlib.sha256(data).hexdigest()[:32]}" if form_key else None
        ref = await portal.api.upload("submission", caller.token, path, upload.filename, data,
                                      upload.content_type or "", idempotency_key=key)
        stored.append({"id": ref["attachment_id"], "filename": ref["filename"]})
    return stored


def _first(refusal: ApiRefusal) -> dict[str, str]:
    return {"vi": refusal.message_vi, "en": refusal.message_en}


def errors_by_input(parsed: Parsed, refusal: ApiRefusal) -> dict[str, dict[str, str]]:
    return {parsed.form_field(name) or "_form": message for name, message in refusal.field_errors().items()}


def refused(request: Request, campaign: dict[str, Any], values: dict[str, str], kept: list[dict[str, str]],
            errors: dict[str, dict[str, str]], refusal: ApiRefusal | None, **extra: Any) -> HTMLResponse:
    status = refusal.status if refusal is not None else 422
    context = form_context(campaign, values, kept, errors, refusal=refusal, **extra)
    return render(request, "initiative_form.html", context, status=status)


@router.get("/ho-so/{initiative_id}/rut", response_class=HTMLResponse)
async def withdraw_form(request: Request, portal: PortalDep, initiative_id: Ident,
                        caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    initiative = await Reads(portal.api, caller).initiative(initiative_id)
    return render(request, "withdraw.html", {"initiative": initiative, "idempotency_key": uuid.uuid4().hex})


@router.post("/ho-so/{initiative_id}/rut", response_class=HTMLResponse)
async def withdraw(request: Request, portal: PortalDep, form: FormDep, initiative_id: Ident,
                   caller: Caller = for_roles(*WRITERS)) -> Response:
    values = form_values(form)
    path = commune_path(caller.account.commune_id, f"/initiatives/{initiative_id}/withdraw")
    try:
        await portal.api.command("submission", caller.token, "POST", path, {"reason": values.get("reason", "")},
                                 idempotency_key=values.get("idempotency_key") or None)
    except ApiRefusal as refusal:
        initiative = await Reads(portal.api, caller).initiative(initiative_id)
        return render(request, "withdraw.html", {
            "initiative": initiative, "values": values, "refusal": refusal, "idempotency_key": uuid.uuid4().hex,
            "errors": {refusal.field or "reason": _first(refusal)}}, status=refusal.status)
    return RedirectResponse(f"/ho-so/{initiative_id}?da-rut", status_code=303)
