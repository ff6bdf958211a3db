"""The city's pages for the communes' nominations: the list from every commune (filters by commune, year and
field), the city council's appraisal sheet, and the city officer's decision (city-level recognition)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal
from reform_portal.formatting import parse_vn_date, parse_vn_number, vn_points
from reform_portal.forms import DATE_FORMAT_VI, form_values
from reform_portal.pages.city_common import (
    CITY_ROLES,
    COUNCIL,
    OFFICER,
    CityReads,
    Filter,
    Ident,
    YearQuery,
    city_path,
    errors_of,
    year_or_now,
)
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render
from reform_shared.catalog import REFORM_FIELDS

router = APIRouter(prefix="/thanh-pho")
NOTICES = {"da-cham": "Đã lưu phiếu thẩm định.", "da-quyet-dinh": "Đã ghi quyết định của thành phố."}
STATUS_VI = {"awaiting_appraisal": "Chờ thẩm định", "appraising": "Đang thẩm định",
             "ready_for_decision": "Đủ túc số, chờ quyết định", "recognised": "Được công nhận cấp thành phố",
             "not_recognised": "Không được công nhận", "withdrawn": "Xã đã rút đề nghị"}
SCORE_FIELDS = ("effectiveness", "replicability", "comment")
DECISION_FIELDS = ("recognised", "decision_number", "decision_date", "decided_by", "reason")
CITY_SIGNER = "Chủ tịch UBND thành phố"


def notice_of(request: Request) -> str | None:
    return next((text for key, text in NOTICES.items() if key in request.query_params), None)


@router.get("/de-nghi", response_class=HTMLResponse)
async def nominations(request: Request, portal: PortalDep, year: YearQuery = None, commune: Filter = None,
                      field: Filter = None, caller: Caller = for_roles(*CITY_ROLES)) -> HTMLResponse:
    reads = CityReads(portal.api, caller)
    chosen = year_or_now(year)
    every = await reads.nominations(chosen)
    if year is None and not every:  # nominations of a campaign year ahead (or just past) when none of this one
        for near in (chosen + 1, chosen - 1):
            if found := await reads.nominations(near):
                chosen, every = near, found
                break
    names = await reads.commune_names(chosen)
    communes = sorted(((c, names.get(c, c)) for c in {item["commune_id"] for item in every}), key=lambda c: c[1])
    shown = [item for item in every if (not commune or item["commune_id"] == commune)
             and (not field or item.get("field") == field)]
    return render(request, "city/nominations.html", {
        "items": shown, "total": len(every), "year": chosen, "communes": communes, "names": names,
        "fields": REFORM_FIELDS, "status_vi": STATUS_VI,
        "values": {"nam": str(chosen), "commune": commune or "", "field": field or ""}})


def own_sheet(appraisal: dict[str, Any], user_id: str) -> dict[str, Any] | None:
    return next((s for s in appraisal.get("sheets", []) if s.get("member_id") == user_id), None)


async def sheet_page(request: Request, reads: CityReads, commune_id: str, initiative_id: str,
                     status: int = 200, typed: dict[str, str] | None = None, **extra: Any) -> HTMLResponse:
    """The nomination, where its appraisal stands, and the member's own sheet (as saved, or as just typed)."""
    appraisal = await reads.appraisal(commune_id, initiative_id)
    own = own_sheet(appraisal, reads.caller.account.user_id)
    saved = {"effectiveness": vn_points(own["effectiveness"]), "replicability": vn_points(own["replicability"]),
             "comment": own.get("comment", "")} if own else {}
    values = saved if typed is None else typed
    context = {"n": appraisal, "own": own, "values": values, "status_vi": STATUS_VI, "notice": notice_of(request),
               "idempotency_key": uuid.uuid4().hex, "is_officer": reads.caller.account.has_any(OFFICER),
               "is_council": reads.caller.account.has_any(COUNCIL), **extra}
    return render(request, "city/appraisal.html", context, status=status)


@router.get("/de-nghi/{commune_id}/{initiative_id}", response_class=HTMLResponse)
async def appraisal(request: Request, portal: PortalDep, commune_id: Ident, initiative_id: Ident,
                    caller: Caller = for_roles(*CITY_ROLES)) -> HTMLResponse:
    return await sheet_page(request, CityReads(portal.api, caller), commune_id, initiative_id)


def scores_of(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    body: dict[str, Any] = {"comment": values.get("comment", "")}
    errors: dict[str, dict[str, str]] = {}
    for name, label in (("effectiveness", "Hiệu quả áp dụng"), ("replicability", "Khả năng nhân rộng")):
        text = values.get(name, "").strip()
        number = parse_vn_number(text) if text else None
        if number is None:
            errors[name] = {"vi": f"Nhập điểm «{label}» bằng số, từ 0 đến 10", "en": "a number is required"}
        body[name] = number
    return body, errors


def score_errors(refusal: ApiRefusal) -> dict[str, dict[str, str]]:
    """Points out of range beside each criterion the refusal names (`effectiveness=12 (0–10)`)."""
    out = [str(item) for item in (refusal.error.get("details") or {}).get("out_of_range", [])]
    named = [name for name in SCORE_FIELDS if any(item.startswith(f"{name}=") for item in out)]
    if named:
        return {name: {"vi": refusal.message_vi, "en": refusal.message_en} for name in named}
    return errors_of(refusal, SCORE_FIELDS)


@router.post("/de-nghi/{commune_id}/{initiative_id}", response_class=HTMLResponse)
async def appraise(request: Request, portal: PortalDep, form: FormDep, commune_id: Ident, initiative_id: Ident,
                   caller: Caller = for_roles(COUNCIL)) -> Response:
    reads, values = CityReads(portal.api, caller), form_values(form)
    body, errors = scores_of(values)
    refusal: ApiRefusal | None = None
    if not errors:
        try:
            await portal.api.command("evaluation", caller.token, "PUT",
                                     city_path(f"/appraisals/{commune_id}/{initiative_id}/scores/me"), body,
                                     idempotency_key=values.get("idempotency_key") or None)

            def shows(found: dict[str, Any]) -> bool:
                own = own_sheet(found, caller.account.user_id) or {}
                return (own.get("effectiveness"), own.get("replicability")) == (body["effectiveness"],
                                                                              body["replicability"])

            await reads.appraisal_shows(commune_id, initiative_id, shows)
            return RedirectResponse(f"/thanh-pho/de-nghi/{commune_id}/{initiative_id}?da-cham", status_code=303)
        except ApiRefusal as caught:
            refusal, errors = caught, score_errors(caught)
    return await sheet_page(request, reads, commune_id, initiative_id, status=refusal.status if refusal else 422,
                            typed=values, errors=errors, refusal=refusal)


def decision_of(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    errors: dict[str, dict[str, str]] = {}
    choice = values.get("recognised", "")
    if choice not in ("yes", "no"):
        errors["recognised"] = {"vi": "Chọn công nhận hoặc không công nhận", "en": "choose one"}
    date = parse_vn_date(values.get("decision_date", ""))
    if date is None:
        errors["decision_date"] = {"vi": DATE_FORMAT_VI, "en": "dd/mm/yyyy"}
    body = {"recognised": choice == "yes", "decision_number": values.get("decision_number", "").strip(),
            "decision_date": date.isoformat() if date else None,
            "decided_by": values.get("decided_by", "").strip(), "reason": values.get("reason", "").strip()}
    return body, errors


async def decision_page(request: Request, reads: CityReads, commune_id: str, initiative_id: str,
                        values: dict[str, str], status: int = 200, **extra: Any) -> HTMLResponse:
    appraisal = await reads.appraisal(commune_id, initiative_id)
    return render(request, "city/decision.html", {
        "n": appraisal, "values": values, "status_vi": STATUS_VI, "idempotency_key": uuid.uuid4().hex, **extra},
        status=status)


@router.get("/de-nghi/{commune_id}/{initiative_id}/quyet-dinh", response_class=HTMLResponse)
async def decision_form(request: Request, portal: PortalDep, commune_id: Ident, initiative_id: Ident,
                        caller: Caller = for_roles(OFFICER)) -> HTMLResponse:
    return await decision_page(request, CityReads(portal.api, caller), commune_id, initiative_id,
                               {"decided_by": CITY_SIGNER})


@router.post("/de-nghi/{commune_id}/{initiative_id}/quyet-dinh", response_class=HTMLResponse)
async def decide(request: Request, portal: PortalDep, form: FormDep, commune_id: Ident, initiative_id: Ident,
                 caller: Caller = for_roles(OFFICER)) -> Response:
    reads, values = CityReads(portal.api, caller), form_values(form)
    body, errors = decision_of(values)
    refusal: ApiRefusal | None = None
    if not errors:
        try:
            await portal.api.command("evaluation", caller.token, "POST",
                                     city_path(f"/appraisals/{commune_id}/{initiative_id}/decision"), body,
                                     idempotency_key=values.get("idempotency_key") or None)
            await reads.appraisal_shows(commune_id, initiative_id, lambda found: found.get("decision"))
            return RedirectResponse(f"/thanh-pho/de-nghi/{commune_id}/{initiative_id}?da-quyet-dinh",
                                    status_code=303)
        except ApiRefusal as caught:
            refusal, errors = caught, errors_of(caught, DECISION_FIELDS)
    return await decision_page(request, reads, commune_id, initiative_id, values,
                               status=refusal.status if refusal else 422, errors=errors, refusal=refusal)
