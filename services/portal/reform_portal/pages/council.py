"""The council's pages: a member's queue, the blind scoring sheet, declaring a conflict; the chair's and the
secretary's progress of scoring, and the chair's finalisation of an initiative."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.formatting import parse_vn_number, vn_number, vn_points
from reform_portal.forms import form_values
from reform_portal.reads import Reads, settled
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render

router = APIRouter()
Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
MEMBERS = ("council_member", "council_chair")
OVERSEERS = ("council_chair", "secretary")
NOTICES = {"da-cham": "Đã lưu phiếu chấm điểm.", "da-bao-xung-dot": "Đã ghi nhận xung đột lợi ích; "
           "bạn không chấm sáng kiến này.", "da-ket-luan": "Đã kết luận sáng kiến."}


def notice_of(request: Request) -> str | None:
    return next((text for key, text in NOTICES.items() if key in request.query_params), None)


async def current_campaigns(reads: Reads) -> list[dict[str, Any]]:
    year = dt.date.today().year
    return [c for c in await reads.campaigns() if c.get("year", 0) >= year - 1]


async def queue_shows(reads: Reads, campaign_id: str, initiative_id: str, key: str) -> bool:
    found = await reads.evaluation(f"/campaigns/{campaign_id}/my-queue")
    return any(item["initiative_id"] == initiative_id for item in found.get(key, []))


# -- a member: the queue, the sheet, a conflict ------------------------------------------------------------
@router.get("/cham-diem", response_class=HTMLResponse)
async def queue(request: Request, portal: PortalDep, caller: Caller = for_roles(*MEMBERS)) -> HTMLResponse:
    reads = Reads(portal.api, caller)
    queues = []
    for campaign in await current_campaigns(reads):
        found = await reads.optional("evaluation", f"/campaigns/{campaign['campaign_id']}/my-queue")
        if found:
            queues.append({"campaign": campaign, **found})
    return render(request, "council_queue.html", {"queues": queues, "notice": notice_of(request)})


async def sheet_scene(reads: Reads, initiative_id: str) -> dict[str, Any]:
    """The dossier, the rubric, where this member stands with it, and his or her own sheet (never another's)."""
    initiative = await reads.initiative(initiative_id)
    campaign_id = initiative["campaign_id"]
    council = await reads.evaluation(f"/campaigns/{campaign_id}/council")
    mine = await reads.evaluation(f"/campaigns/{campaign_id}/my-queue")
    state = "to_score"
    reason = None
    for key in ("conflicted", "finalised", "scored"):
        for item in mine.get(key, []):
            if item["initiative_id"] == initiative_id:
                state, reason = key, item.get("reason")
    scores = await reads.evaluation(f"/initiatives/{initiative_id}/scores")
    own = next((s for s in scores.get("sheets", []) if s.get("member_id") == reads.caller.account.user_id), None)
    return {"initiative": initiative, "content": initiative["content"], "rubric": council["rubric"],
            "state": state, "conflict_reason": reason, "own": own, "scoring_opened": mine.get("scoring_opened")}


def sheet_values(own: dict[str, Any] | None) -> dict[str, str]:
    if own is None:
        return {}
    values = {f"points.{code}": vn_points(value) for code, value in own.get("points", {}).items()}
    return {**values, "comment": str(own.get("comment") or "")}


async def sheet_page(request: Request, reads: Reads, initiative_id: str, status: int = 200,
                     **extra: Any) -> HTMLResponse:
    scene = await sheet_scene(reads, initiative_id)
    context = {**scene, "values": sheet_values(scene["own"]), "notice": notice_of(request),
               "idempotency_key": uuid.uuid4().hex, **extra}
    return render(request, "score_sheet.html", context, status=status)


@router.get("/cham-diem/{initiative_id}", response_class=HTMLResponse)
async def sheet(request: Request, portal: PortalDep, initiative_id: Ident,
                caller: Caller = for_roles(*MEMBERS)) -> HTMLResponse:
    return await sheet_page(request, Reads(portal.api, caller), initiative_id)


def points_of(values: dict[str, str], rubric: dict[str, Any]) -> tuple[dict[str, float], dict[str, dict[str, str]]]:
    points: dict[str, float] = {}
    errors: dict[str, dict[str, str]] = {}
    for criterion in rubric["criteria"]:
        name = f"points.{criterion['code']}"
        text = values.get(name, "").strip()
        number = parse_vn_number(text) if text else None
        if number is None:
            errors[name] = {"vi": f"Nhập điểm «{criterion['label']}» bằng số, từ 0 đến "
                                  f"{vn_number(criterion['max_points'])}", "en": "a number is required"}
        else:
            points[criterion["code"]] = number
    return points, errors


def refusal_errors(refusal: ApiRefusal, rubric: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The service's refusal beside the inputs it names (each out-of-range criterion), else over the form."""
    details = refusal.error.get("details") or {}
    named = [c for c in rubric["criteria"]
             if any(str(item).startswith(f"{c['code']}=") for item in details.get("out_of_range", []))]
    message = {"vi": refusal.message_vi, "en": refusal.message_en}
    if named:
        return {f"points.{c['code']}": message for c in named}
    return {refusal.field if refusal.field == "comment" else "_form": message}


async def own_shows(reads: Reads, initiative_id: str, points: dict[str, float], comment: str) -> bool:
    found = await reads.evaluation(f"/initiatives/{initiative_id}/scores")
    own = [s for s in found.get("sheets", []) if s.get("member_id") == reads.caller.account.user_id]
    return bool(own) and own[0].get("points") == points and own[0].get("comment", "") == comment.strip()


@router.post("/cham-diem/{initiative_id}", response_class=HTMLResponse)
async def record(request: Request, portal: PortalDep, form: FormDep, initiative_id: Ident,
                 caller: Caller = for_roles(*MEMBERS)) -> Response:
    reads = Reads(portal.api, caller)
    values = form_values(form)
    scene = await sheet_scene(reads, initiative_id)
    points, errors = points_of(values, scene["rubric"])
    refusal: ApiRefusal | None = None
    if not errors:
        try:
            await portal.api.command("evaluation", caller.token, "PUT",
                                     commune_path(caller.account.commune_id, f"/initiatives/{initiative_id}/scores/me"),
                                     {"points": points, "comment": values.get("comment", "")},
                                     idempotency_key=values.get("idempotency_key") or None)
            await settled(lambda: own_shows(reads, initiative_id, points, values.get("comment", "")))
            return RedirectResponse(f"/cham-diem/{initiative_id}?da-cham", status_code=303)
        except ApiRefusal as caught:
            refusal, errors = caught, refusal_errors(caught, scene["rubric"])
    return render(request, "score_sheet.html", {
        **scene, "values": values, "errors": errors, "refusal": refusal, "idempotency_key": uuid.uuid4().hex},
        status=refusal.status if refusal else 422)


@router.get("/cham-diem/{initiative_id}/xung-dot", response_class=HTMLResponse)
async def conflict_form(request: Request, portal: PortalDep, initiative_id: Ident,
                        caller: Caller = for_roles(*MEMBERS)) -> HTMLResponse:
    initiative = await Reads(portal.api, caller).initiative(initiative_id)
    return render(request, "conflict.html", {"initiative": initiative, "idempotency_key": uuid.uuid4().hex})


@router.post("/cham-diem/{initiative_id}/xung-dot", response_class=HTMLResponse)
async def declare_conflict(request: Request, portal: PortalDep, form: FormDep, initiative_id: Ident,
                           caller: Caller = for_roles(*MEMBERS)) -> Response:
    values = form_values(form)
    path = commune_path(caller.account.commune_id, f"/initiatives/{initiative_id}/conflicts")
    try:
        await portal.api.command("evaluation", caller.token, "POST", path, {"reason": values.get("reason", "")},
                                 idempotency_key=values.get("idempotency_key") or None)
    except ApiRefusal as refusal:
        initiative = await Reads(portal.api, caller).initiative(initiative_id)
        return render(request, "conflict.html", {
            "initiative": initiative, "values": values, "refusal": refusal, "idempotency_key": uuid.uuid4().hex,
            "errors": {"reason": {"vi": refusal.message_vi, "en": refusal.message_en}}}, status=refusal.status)
    reads = Reads(portal.api, caller)
    campaign_id = (await reads.initiative(initiative_id))["campaign_id"]
    await settled(lambda: queue_shows(reads, campaign_id, initiative_id, "conflicted"))
    return RedirectResponse(f"/cham-diem/{initiative_id}?da-bao-xung-dot", status_code=303)


# -- the chair and the secretary: progress and finalisation -------------------------------------------------
@router.get("/tien-do", response_class=HTMLResponse)
async def campaigns_with_councils(request: Request, portal: PortalDep,
                                  caller: Caller = for_roles(*OVERSEERS)) -> HTMLResponse:
    reads = Reads(portal.api, caller)
    items = []
    for campaign in await current_campaigns(reads):
        council = await reads.optional("evaluation", f"/campaigns/{campaign['campaign_id']}/council")
        items.append({"campaign": campaign, "council": council})
    return render(request, "progress_index.html", {"items": items})


def progress_rows(progress: dict[str, Any], council: dict[str, Any]) -> list[dict[str, Any]]:
    """Each initiative's row; the members not eligible for it (a declared conflict, authorship, heading the
    author's unit) are counted from the council's size: the service names them to nobody but themselves."""
    size = len(council.get("members", []))
    return [{**row, "conflicted": max(0, size - int(row["eligible"]))} for row in progress["initiatives"]]


@router.get("/tien-do/{campaign_id}", response_class=HTMLResponse)
async def progress(request: Request, portal: PortalDep, campaign_id: Ident,
                   caller: Caller = for_roles(*OVERSEERS)) -> HTMLResponse:
    reads = Reads(portal.api, caller)
    campaign = await reads.campaign(campaign_id)
    council = await reads.evaluation(f"/campaigns/{campaign_id}/council")
    found = await reads.evaluation(f"/campaigns/{campaign_id}/progress")
    rows = progress_rows(found, council)
    return render(request, "progress.html", {
        "campaign": campaign, "council": council, "rows": rows, "rubric": found["rubric"],
        "may_finalise": caller.account.has_any("council_chair"), "notice": notice_of(request)})


async def finalise_scene(reads: Reads, campaign_id: str, initiative_id: str) -> dict[str, Any]:
    found = await reads.evaluation(f"/campaigns/{campaign_id}/progress")
    row = next((r for r in found["initiatives"] if r["initiative_id"] == initiative_id), None)
    if row is None:
        raise ApiRefusal(404, {"message_vi": "Sáng kiến không thuộc đợt này", "message_en": "not in this campaign"})
    return {"campaign": await reads.campaign(campaign_id), "row": row, "rubric": found["rubric"],
            "idempotency_key": uuid.uuid4().hex}


async def finalised_shows(reads: Reads, campaign_id: str, initiative_id: str) -> bool:
    found = await reads.evaluation(f"/campaigns/{campaign_id}/progress")
    return any(r["initiative_id"] == initiative_id and r.get("outcome") for r in found["initiatives"])


@router.get("/tien-do/{campaign_id}/{initiative_id}/ket-luan", response_class=HTMLResponse)
async def finalise_form(request: Request, portal: PortalDep, campaign_id: Ident, initiative_id: Ident,
                        caller: Caller = for_roles("council_chair")) -> HTMLResponse:
    scene = await finalise_scene(Reads(portal.api, caller), campaign_id, initiative_id)
    return render(request, "finalise.html", scene)


@router.post("/tien-do/{campaign_id}/{initiative_id}/ket-luan", response_class=HTMLResponse)
async def finalise(request: Request, portal: PortalDep, form: FormDep, campaign_id: Ident, initiative_id: Ident,
                   caller: Caller = for_roles("council_chair")) -> Response:
    values = form_values(form)
    path = commune_path(caller.account.commune_id, f"/initiatives/{initiative_id}/finalise")
    try:
        await portal.api.command("evaluation", caller.token, "POST", path, {},
                                 idempotency_key=values.get("idempotency_key") or None)
    except ApiRefusal as refusal:
        scene = await finalise_scene(Reads(portal.api, caller), campaign_id, initiative_id)
        return render(request, "finalise.html", {**scene, "refusal": refusal}, status=refusal.status)
    reads = Reads(portal.api, caller)
    await settled(lambda: finalised_shows(reads, campaign_id, initiative_id))
    return RedirectResponse(f"/tien-do/{campaign_id}?da-ket-luan", status_code=303)
