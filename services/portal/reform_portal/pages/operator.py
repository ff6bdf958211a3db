"""The operator's pages: every service's projections (lag, position, parked), the parked events of one with
replay, a rebuild behind a confirmation, the node's federation links, and the trace of an initiative."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import SERVICES, ApiOutage, ApiRefusal, Service, commune_path, ops_path
from reform_portal.formatting import duration_label, parked_kind_label, projection_state, service_label
from reform_portal.forms import form_values
from reform_portal.web import Caller, FormDep, Portal, PortalDep, for_roles, render

router = APIRouter(prefix="/van-hanh")
OPERATOR = ("operator",)
TRACERS = ("operator", "secretary", "city_officer")
ProjectionName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
Commune = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")]
NOTICES = {"da-xu-ly-lai": "Đã xử lý lại sự kiện; sự kiện không còn bị tạm giữ.",
           "da-xay-lai": "Đã bắt đầu xây lại projection từ đầu luồng sự kiện. Độ trễ giảm dần về 0 khi xong."}


def notice_of(request: Request) -> str | None:
    return next((text for key, text in NOTICES.items() if key in request.query_params), None)


# -- projections -----------------------------------------------------------------------------------------
async def projections_of(portal: Portal, token: str, service: Service) -> dict[str, Any]:
    """One service's projections, or why they could not be read (one service down is not a blank page)."""
    try:
        rows = await portal.api.get(service, token, ops_path("/projections"))
    except ApiOutage as outage:
        return {"service": service, "label": service_label(service), "down": outage.detail, "rows": []}
    return {"service": service, "label": service_label(service), "down": None,
            "rows": [{**row, "state": projection_state(row)} for row in rows]}


@router.get("", response_class=HTMLResponse)
async def projections(request: Request, portal: PortalDep, caller: Caller = for_roles(*OPERATOR)) -> HTMLResponse:
    services = await asyncio.gather(*(projections_of(portal, caller.token, service) for service in SERVICES))
    return render(request, "operator/projections.html", {"services": services, "notice": notice_of(request)})


async def parked_page(request: Request, portal: Portal, caller: Caller, service: Service, name: str,
                      status: int = 200, **extra: Any) -> HTMLResponse:
    path = ops_path(f"/projections/{name}/parked")
    parked = [{**doc, "kind": parked_kind_label(str(doc.get("error_kind")))}
              for doc in await portal.api.get(service, caller.token, path)]
    replayed = await portal.api.get(service, caller.token, path, {"status": "replayed"})
    return render(request, "operator/parked.html", {
        "service": service, "service_label": service_label(service), "name": name, "parked": parked,
        "replayed": replayed, "idempotency_key": uuid.uuid4().hex, "notice": notice_of(request), **extra},
        status=status)


@router.get("/{service}/{name}/tam-giu", response_class=HTMLResponse)
async def parked(request: Request, portal: PortalDep, service: Service, name: ProjectionName,
                 caller: Caller = for_roles(*OPERATOR)) -> HTMLResponse:
    return await parked_page(request, portal, caller, service, name)


@router.post("/{service}/{name}/tam-giu/{seq}/xu-ly-lai", response_class=HTMLResponse)
async def replay(request: Request, portal: PortalDep, form: FormDep, service: Service, name: ProjectionName,
                 seq: Annotated[int, Path(ge=1)], caller: Caller = for_roles(*OPERATOR)) -> Response:
    values = form_values(form)
    try:
        path = ops_path(f"/projections/{name}/parked/{name}:{seq}/replay")
        await portal.api.command(service, caller.token, "POST", path, {},
                                 idempotency_key=values.get("idempotency_key") or None)
    except ApiRefusal as refusal:
        return await parked_page(request, portal, caller, service, name, status=refusal.status,
                                 refused_seq=seq, refusal=refusal)
    return RedirectResponse(f"/van-hanh/{service}/{name}/tam-giu?da-xu-ly-lai", status_code=303)


@router.get("/{service}/{name}/xay-lai", response_class=HTMLResponse)
async def rebuild_form(request: Request, service: Service, name: ProjectionName,
                       caller: Caller = for_roles(*OPERATOR)) -> HTMLResponse:
    return render(request, "operator/rebuild.html", {"service": service, "service_label": service_label(service),
                                                     "name": name, "idempotency_key": uuid.uuid4().hex})


@router.post("/{service}/{name}/xay-lai", response_class=HTMLResponse)
async def rebuild(request: Request, portal: PortalDep, form: FormDep, service: Service, name: ProjectionName,
                  caller: Caller = for_roles(*OPERATOR)) -> Response:
    """Destructive-looking at 2 a.m.: done only when the operator typed the projection's name."""
    values = form_values(form)
    errors: dict[str, dict[str, str]] = {}
    status = 422
    if values.get("confirm_name", "").strip() != name:
        errors["confirm_name"] = {"vi": f"Gõ đúng tên projection «{name}» để xác nhận xây lại.",
                                  "en": "type the projection's name to confirm"}
    else:
        try:
            await portal.api.command(service, caller.token, "POST", ops_path(f"/projections/{name}/rebuild"), {},
                                     idempotency_key=values.get("idempotency_key") or None)
            return RedirectResponse("/van-hanh?da-xay-lai", status_code=303)
        except ApiRefusal as refusal:
            errors = {"confirm_name": {"vi": refusal.message_vi, "en": refusal.message_en}}
            status = refusal.status
    return render(request, "operator/rebuild.html", {
        "service": service, "service_label": service_label(service), "name": name, "values": values,
        "errors": errors, "idempotency_key": uuid.uuid4().hex}, status=status)


# -- federation ------------------------------------------------------------------------------------------
@router.get("/lien-ket", response_class=HTMLResponse)
async def federation(request: Request, portal: PortalDep, caller: Caller = for_roles(*OPERATOR)) -> HTMLResponse:
    """The node has one stream, whatever service is asked: the first that answers tells its links."""
    last: ApiOutage | None = None
    for service in ("reporting", "submission", "evaluation", "awards", "directory"):
        try:
            status = await portal.api.get(service, caller.token, ops_path("/federation"))
        except ApiOutage as outage:
            last = outage
            continue
        sources = [{**s, "heard": duration_label(s.get("last_heard_seconds_ago"))} for s in status["sources"]]
        return render(request, "operator/federation.html", {"status": status, "sources": sources,
                                                            "down": [s for s in sources if not s.get("alive")]})
    assert last is not None
    raise last


# -- the trace of an initiative --------------------------------------------------------------------------
def commune_of(caller: Caller, xa: str | None) -> str:
    return xa or caller.account.commune_id


@router.get("/truy-vet", response_class=HTMLResponse)
async def trace_search(request: Request, portal: PortalDep, caller: Caller = for_roles(*TRACERS),
                       q: Annotated[str | None, Query(max_length=200)] = None, xa: Commune = None) -> HTMLResponse:
    commune = commune_of(caller, xa)
    found: list[dict[str, Any]] = []
    refusal: ApiRefusal | None = None
    if q:
        try:
            found = (await portal.api.get("reporting", caller.token, commune_path(commune, "/initiatives"),
                                          {"q": q, "limit": 50}))["items"]
            if not found and q.strip().replace("-", "").replace("_", "").isalnum():
                one = await portal.api.get("reporting", caller.token,
                                           commune_path(commune, f"/initiatives/{q.strip()}"))
                found = [one]
        except ApiRefusal as caught:
            refusal = caught if caught.status != 404 else None
    return render(request, "operator/trace_search.html", {
        "values": {"q": q or "", "xa": commune}, "found": found, "searched": bool(q), "refusal": refusal,
        "errors": {"q": {"vi": refusal.message_vi, "en": refusal.message_en}} if refusal else {}})


@router.get("/truy-vet/{initiative_id}", response_class=HTMLResponse)
async def trace(request: Request, portal: PortalDep, initiative_id: Ident, caller: Caller = for_roles(*TRACERS),
                xa: Commune = None) -> HTMLResponse:
    commune = commune_of(caller, xa)
    found = await portal.api.get("reporting", caller.token,
                                 commune_path(commune, f"/initiatives/{initiative_id}/trace"))
    stages = [{**s, "duration": duration_label(s.get("seconds")) if s.get("to") else "đang ở bước này"}
              for s in found["stages"]]
    questions = [{**q, "taken": duration_label(q.get("seconds_taken")) if q.get("answered_at") else "–"}
                 for q in found.get("questions", [])]
    return render(request, "operator/trace.html", {"trace": {**found, "questions": questions}, "stages": stages,
                                                   "commune": commune})
