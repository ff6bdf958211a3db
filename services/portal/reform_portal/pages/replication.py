"""Replication (nhân rộng sáng kiến): the city's catalogue of recognised initiatives, searched on the node's own
copy (works offline); a commune's decision to apply another commune's initiative and the results it measured
with the original's indicators; what a commune adopted and where its own initiatives are applied, with the
PAR evidence pack; the city's view with its charts and report. The rules are the replication service's: its
refusal is shown beside the field it names."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.formatting import parse_vn_date, parse_vn_number
from reform_portal.forms import DATE_FORMAT_VI, NUMBER_FORMAT_VI, form_values
from reform_portal.pages.directory_base import DirectoryReads
from reform_portal.reads import settled
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render
from reform_shared.catalog import REFORM_FIELDS

router = APIRouter()
DECIDERS = ("secretary", "chairman")
READERS = ("submitter", "unit_head", "secretary", "chairman", "council_member", "council_chair", "city_officer",
           "city_council")
CITY = ("city_officer", "city_council")
EntryId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Text = Annotated[str | None, Query(max_length=200)]
NOTICES = {"da-ap-dung": "Đã ghi nhận quyết định áp dụng sáng kiến.", "da-bao-cao": "Đã ghi nhận kết quả đo được."}
FIELDS = [(code, f"{code}) {label[0]}") for code, label in REFORM_FIELDS.items()]


def notice(request: Request) -> str | None:
    return next((text for key, text in NOTICES.items() if key in request.query_params), None)


def beside(api_field: str | None) -> str:
    """The input an API field names: indicators[0].after is the form's indicators.0.after."""
    return re.sub(r"\[(\d+)\]", r".\1", api_field or "") or "_form"


def refusal_errors(refusal: ApiRefusal) -> dict[str, dict[str, str]]:
    return {beside(name): text for name, text in refusal.field_errors().items()}


async def get(portal: Any, caller: Caller, path: str, params: dict[str, Any] | None = None) -> Any:
    return await portal.api.get("replication", caller.token, path, params)


@router.get("/nhan-rong", response_class=HTMLResponse)
async def catalogue(request: Request, portal: PortalDep, caller: Caller = for_roles(*READERS), q: Text = None,
                    van_de: Text = None, linh_vuc: Text = None, xa: Text = None) -> HTMLResponse:
    found = await get(portal, caller, "/api/v1/catalogue", {"q": q, "problem": van_de, "field": linh_vuc,
                                                            "commune_id": xa})
    values = {"q": q or "", "van_de": van_de or "", "linh_vuc": linh_vuc or "", "xa": xa or ""}
    return render(request, "replication/catalogue.html", {
        "found": found, "values": values, "fields": FIELDS, "decider": caller.account.has_any(*DECIDERS)})


async def entry_page(request: Request, portal: Any, caller: Caller, entry_id: str, status: int = 200,
                     **extra: Any) -> HTMLResponse:
    entry = await get(portal, caller, f"/api/v1/catalogue/{entry_id}")
    commune = caller.account.commune_id
    mine = next((a for a in entry.get("adoptions") or [] if a["commune_id"] == commune), None)
    own = await own_adoption(portal, caller, entry_id) if caller.account.has_any(*DECIDERS) else None
    may_adopt = caller.account.has_any(*DECIDERS) and entry["origin_commune_id"] != commune and own is None
    units = await DirectoryReads(portal, caller).unit_options() if may_adopt else []
    files = (await get(portal, caller, f"/api/v1/catalogue/{entry_id}/files"))["files"] if entry.get("attachments") \
        else []
    return render(request, "replication/entry.html", {
        "entry": entry, "files": files, "mine": mine or own, "may_adopt": may_adopt, "units": units,
        "may_report": own is not None, "rows": indicator_rows(entry), "notice": notice(request),
        "idempotency_key": uuid.uuid4().hex,
        "field_label": dict(FIELDS).get(entry.get("field", ""), entry.get("field", "")), **extra}, status=status)


async def own_adoption(portal: Any, caller: Caller, entry_id: str) -> dict[str, Any] | None:
    commune = caller.account.commune_id
    made = (await get(portal, caller, commune_path(commune, "/adoptions")))["made"]
    return next((a for a in made if a["adoption_id"] == entry_id), None)


@router.get("/nhan-rong/sang-kien/{entry_id}", response_class=HTMLResponse)
async def entry(request: Request, portal: PortalDep, entry_id: EntryId,
                caller: Caller = for_roles(*READERS)) -> HTMLResponse:
    return await entry_page(request, portal, caller, entry_id)


@router.get("/nhan-rong/sang-kien/{entry_id}/tai-lieu/{attachment_id}", response_class=HTMLResponse)
async def document(request: Request, portal: PortalDep, entry_id: EntryId, attachment_id: EntryId,
                   caller: Caller = for_roles(*READERS)) -> Response:
    """A document of the entry, from this node's own copy (checked there against the catalogue's SHA-256); while
    it is still on its way, or when what arrived does not match, the entry page says so."""
    try:
        answer = await portal.api.download("replication", caller.token,
                                           f"/api/v1/catalogue/{entry_id}/files/{attachment_id}")
    except ApiRefusal as refusal:
        return await entry_page(request, portal, caller, entry_id, refusal.status, refusal=refusal)
    return Response(answer.content, media_type=answer.headers.get("content-type"), headers={
        "Content-Disposition": answer.headers.get("content-disposition", "attachment"),
        "X-Checksum-SHA256": answer.headers.get("x-checksum-sha256", ""), "Cache-Control": "private, no-store"})


def adoption_body(values: dict[str, str], units: dict[str, str], entry_id: str
                  ) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    errors: dict[str, dict[str, str]] = {}
    since = parse_vn_date(values.get("since", ""))
    if since is None:
        errors["since"] = {"vi": DATE_FORMAT_VI, "en": "a day as dd/mm/yyyy"}
    unit_id = values.get("unit_id", "")
    if unit_id not in units:
        errors["unit_id"] = {"vi": "Chọn đơn vị áp dụng sáng kiến", "en": "choose the unit that applies it"}
    body = {"entry_id": entry_id, "unit": {"unit_id": unit_id, "name": units.get(unit_id, "")},
            "responsible": values.get("responsible", ""), "since": since.isoformat() if since else "",
            "adaptation": values.get("adaptation", ""), "decision_number": values.get("decision_number", "")}
    return body, errors


@router.post("/nhan-rong/sang-kien/{entry_id}/ap-dung", response_class=HTMLResponse)
async def adopt(request: Request, portal: PortalDep, form: FormDep, entry_id: EntryId,
                caller: Caller = for_roles(*DECIDERS)) -> Response:
    values = form_values(form)
    options = await DirectoryReads(portal, caller).unit_options()
    units = {unit_id: label.lstrip("— ") for unit_id, label in options}
    body, errors = adoption_body(values, units, entry_id)
    if errors:
        return await entry_page(request, portal, caller, entry_id, 422, values=values, errors=errors)
    commune = caller.account.commune_id
    try:
        await portal.api.command("replication", caller.token, "POST", commune_path(commune, "/adoptions"), body,
                                 values.get("idempotency_key"))
    except ApiRefusal as refusal:
        errors = {("unit_id" if k == "unit.unit_id" else k): v for k, v in refusal_errors(refusal).items()}
        return await entry_page(request, portal, caller, entry_id, refusal.status, values=values, errors=errors,
                                refusal=refusal)

    async def shown() -> bool:
        return await own_adoption(portal, caller, entry_id) is not None

    await settled(shown)
    return RedirectResponse(f"/nhan-rong/sang-kien/{entry_id}?da-ap-dung", status_code=303)


FREE_ROWS = 2
"""Indicator rows offered when the original initiative named none (each then named by the commune)."""


def indicator_rows(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return list(entry.get("indicators") or []) or [{} for _ in range(FREE_ROWS)]


def results_body(values: dict[str, str], rows: list[dict[str, Any]]
                 ) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    errors: dict[str, dict[str, str]] = {}
    measured_on = parse_vn_date(values.get("measured_on", ""))
    if measured_on is None:
        errors["measured_on"] = {"vi": DATE_FORMAT_VI, "en": "a day as dd/mm/yyyy"}
    indicators = []
    for index, original in enumerate(rows):
        name = original.get("name") or values.get(f"indicators.{index}.name", "").strip()
        if not name:
            continue
        unit = original.get("unit") or values.get(f"indicators.{index}.unit", "").strip()
        item: dict[str, Any] = {"name": name, "unit": unit}
        for part in ("before", "after"):
            text = values.get(f"indicators.{index}.{part}", "").strip()
            number = parse_vn_number(text) if text else None
            if text and number is None:
                errors[f"indicators.{index}.{part}"] = {"vi": NUMBER_FORMAT_VI, "en": "a number, e.g. 1.234,5"}
            item[part] = number
        indicators.append(item)
    body = {"measured_on": measured_on.isoformat() if measured_on else "", "indicators": indicators,
            "note": values.get("note", "")}
    return body, errors


@router.post("/nhan-rong/sang-kien/{entry_id}/ket-qua", response_class=HTMLResponse)
async def report(request: Request, portal: PortalDep, form: FormDep, entry_id: EntryId,
                 caller: Caller = for_roles(*DECIDERS)) -> Response:
    values = form_values(form)
    entry = await get(portal, caller, f"/api/v1/catalogue/{entry_id}")
    body, errors = results_body(values, indicator_rows(entry))
    if errors:
        return await entry_page(request, portal, caller, entry_id, 422, values=values, errors=errors)
    path = commune_path(caller.account.commune_id, f"/adoptions/{entry_id}/results")
    try:
        await portal.api.command("replication", caller.token, "POST", path, body, values.get("idempotency_key"))
    except ApiRefusal as refusal:
        return await entry_page(request, portal, caller, entry_id, refusal.status, values=values,
                                errors=refusal_errors(refusal), refusal=refusal)

    async def shown() -> bool:
        own = await own_adoption(portal, caller, entry_id)
        return own is not None and own.get("measured_on") == body["measured_on"]

    await settled(shown)
    return RedirectResponse(f"/nhan-rong/sang-kien/{entry_id}?da-bao-cao", status_code=303)


@router.get("/nhan-rong/xa", response_class=HTMLResponse)
async def my_commune(request: Request, portal: PortalDep, caller: Caller = for_roles(*DECIDERS)) -> HTMLResponse:
    found = await get(portal, caller, commune_path(caller.account.commune_id, "/adoptions"))
    return render(request, "replication/commune.html", {"found": found, "year": dt.date.today().year})


@router.get("/nhan-rong/minh-chung.zip")
async def evidence_pack(portal: PortalDep, caller: Caller = for_roles(*DECIDERS),
                        nam: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    year, commune = nam or dt.date.today().year, caller.account.commune_id
    answer = await portal.api.download("replication", caller.token, commune_path(commune, f"/evidence/{year}"),
                                       {"format": "zip"})
    return Response(answer.content, media_type="application/zip", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'minh-chung-par-{commune}-{year}.zip')}"})


@router.get("/thanh-pho/nhan-rong", response_class=HTMLResponse)
async def city_view(request: Request, portal: PortalDep, caller: Caller = for_roles(*CITY)) -> HTMLResponse:
    view = await get(portal, caller, "/api/v1/city/replication")
    most = "; ".join(f"{m['title']}: {m['adoptions']} lượt" for m in view["most_adopted"]) or "chưa có lượt áp dụng"
    per = "; ".join(f"{c['commune_id']}: {c['adoptions_made']}" for c in view["per_commune"]) or "chưa có số liệu"
    charts = [{"name": "most-adopted", "alt": f"Sáng kiến được nhân rộng nhiều nhất: {most}."},
              {"name": "communes", "alt": f"Lượt áp dụng sáng kiến của nơi khác, theo xã/phường: {per}."}]
    return render(request, "replication/city.html", {"view": view, "charts": charts})


@router.get("/thanh-pho/nhan-rong/bieu-do/{name}.svg")
async def city_chart(portal: PortalDep, name: Annotated[str, Path(pattern=r"^(most-adopted|communes)$")],
                     caller: Caller = for_roles(*CITY)) -> Response:
    answer = await portal.api.download("replication", caller.token, f"/api/v1/city/replication/charts/{name}.svg")
    return Response(answer.content, media_type="image/svg+xml", headers={"Cache-Control": "private, no-store"})


@router.get("/thanh-pho/nhan-rong/bao-cao.{fmt}")
async def city_report(portal: PortalDep, fmt: Annotated[str, Path(pattern=r"^(docx|xlsx)$")],
                      caller: Caller = for_roles(*CITY)) -> Response:
    answer = await portal.api.download("replication", caller.token, "/api/v1/city/replication", {"format": fmt})
    return Response(answer.content, media_type=answer.headers.get("content-type"), headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'nhan-rong-sang-kien.{fmt}')}"})
