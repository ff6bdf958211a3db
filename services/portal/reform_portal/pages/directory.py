"""The directory for the secretary and the administrator (issue 14): the units tree with their heads, the
officials with filters, an official's page with their history, and the forms that keep it (add or change a
unit, appoint a head, register, update, move an official, set roles, record a departure). Everything goes
through the directory service's API; contacts are shown only when the API returns them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from reform_portal.api import ApiRefusal
from reform_portal.formatting import ASSIGNABLE_ROLES, CATEGORY_VI, UNIT_KIND_VI
from reform_portal.forms import form_values
from reform_portal.pages.directory_base import (
    READERS,
    STATES,
    WRITERS,
    DirectoryReads,
    Filter,
    Ident,
    effective_of,
    find_unit,
    notice_of,
    write,
)
from reform_portal.web import Caller, FormDep, Portal, PortalDep, for_roles, render
from reform_shared.text import fold

router = APIRouter(prefix="/danh-ba")


# -- units ------------------------------------------------------------------------------------------------
@router.get("", response_class=HTMLResponse)
async def units(request: Request, portal: PortalDep, caller: Caller = for_roles(*READERS)) -> HTMLResponse:
    roots = await DirectoryReads(portal, caller).units()
    return render(request, "directory/units.html", {"units": roots, "notice": notice_of(request),
                                                    "can_write": caller.account.has_any(*WRITERS)})


def unit_form(mode: str, options: list[tuple[str, str]], unit: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"mode": mode, "unit": unit, "unit_options": options, "kinds": list(UNIT_KIND_VI.items()),
            "idempotency_key": uuid.uuid4().hex}


def unit_body(values: dict[str, str], errors: dict[str, dict[str, str]], with_id: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"name": values.get("name", "").strip(), "kind": values.get("kind") or "khac",
                            "parent_id": values.get("parent_id") or None}
    if with_id:
        body["unit_id"] = values.get("unit_id", "").strip()
    effective_of(values, body, errors)
    return body


@router.get("/don-vi/moi", response_class=HTMLResponse)
async def new_unit(request: Request, portal: PortalDep, caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    options = await DirectoryReads(portal, caller).unit_options()
    return render(request, "directory/unit_form.html", {**unit_form("add", options), "values": {"kind": "phong"}})


@router.post("/don-vi/moi", response_class=HTMLResponse)
async def add_unit(request: Request, portal: PortalDep, form: FormDep, caller: Caller = for_roles(*WRITERS)
                   ) -> Response:
    errors: dict[str, dict[str, str]] = {}
    body = unit_body(form_values(form), errors, with_id=True)

    async def context() -> dict[str, Any]:
        return unit_form("add", await DirectoryReads(portal, caller).unit_options())

    return await write(request, portal, caller, form, "POST", "/units", body, "/danh-ba?da-them-don-vi",
                       "directory/unit_form.html", context, errors, probe="/units")


@router.get("/don-vi/{unit_id}/sua", response_class=HTMLResponse)
async def edit_unit(request: Request, portal: PortalDep, unit_id: Ident, caller: Caller = for_roles(*WRITERS)
                    ) -> HTMLResponse:
    reads = DirectoryReads(portal, caller)
    unit = find_unit(await reads.units(), unit_id)
    if unit is None:
        raise ApiRefusal(404, {"message_vi": "Không có đơn vị này trong danh bạ", "message_en": "no such unit"})
    values = {"name": unit["name"], "kind": unit["kind"], "parent_id": unit.get("parent_id") or ""}
    options = [o for o in await reads.unit_options() if o[0] != unit_id]
    return render(request, "directory/unit_form.html", {**unit_form("edit", options, unit), "values": values})


@router.post("/don-vi/{unit_id}/sua", response_class=HTMLResponse)
async def update_unit(request: Request, portal: PortalDep, form: FormDep, unit_id: Ident,
                      caller: Caller = for_roles(*WRITERS)) -> Response:
    errors: dict[str, dict[str, str]] = {}
    body = unit_body(form_values(form), errors, with_id=False)

    async def context() -> dict[str, Any]:
        reads = DirectoryReads(portal, caller)
        options = [o for o in await reads.unit_options() if o[0] != unit_id]
        return unit_form("edit", options, find_unit(await reads.units(), unit_id) or {"unit_id": unit_id})

    return await write(request, portal, caller, form, "PUT", f"/units/{unit_id}", body, "/danh-ba?da-sua-don-vi",
                       "directory/unit_form.html", context, errors, probe="/units")


async def head_context(portal: Portal, caller: Caller, unit_id: str) -> dict[str, Any]:
    reads = DirectoryReads(portal, caller)
    unit = find_unit(await reads.units(), unit_id)
    if unit is None:
        raise ApiRefusal(404, {"message_vi": "Không có đơn vị này trong danh bạ", "message_en": "no such unit"})
    people = await reads.officials()
    options = [(o["official_id"], o["full_name"] + ("" if o.get("unit_id") == unit_id else " (đơn vị khác)"))
               for o in sorted(people, key=lambda o: (o.get("unit_id") != unit_id, fold(o["full_name"])))]
    head = await reads.get(f"/units/{unit_id}/head")
    names = {o["official_id"]: o["full_name"] for o in people}
    terms = [{**t, "name": names.get(t["official_id"], t["official_id"])} for t in head["terms"]]
    return {"unit": unit, "official_options": options, "terms": terms, "idempotency_key": uuid.uuid4().hex}


@router.get("/don-vi/{unit_id}/truong", response_class=HTMLResponse)
async def head_form(request: Request, portal: PortalDep, unit_id: Ident, caller: Caller = for_roles(*WRITERS)
                    ) -> HTMLResponse:
    return render(request, "directory/head_form.html", await head_context(portal, caller, unit_id))


@router.post("/don-vi/{unit_id}/truong", response_class=HTMLResponse)
async def appoint_head(request: Request, portal: PortalDep, form: FormDep, unit_id: Ident,
                       caller: Caller = for_roles(*WRITERS)) -> Response:
    values, errors = form_values(form), dict[str, dict[str, str]]()
    body: dict[str, Any] = {"official_id": values.get("official_id", ""), "move_into": values.get("move_into") == "1"}
    effective_of(values, body, errors)
    return await write(request, portal, caller, form, "PUT", f"/units/{unit_id}/head", body,
                       f"/danh-ba?da-bo-nhiem#u-{unit_id}", "directory/head_form.html",
                       lambda: head_context(portal, caller, unit_id), errors, probe="/units")


# -- officials --------------------------------------------------------------------------------------------
@router.get("/can-bo", response_class=HTMLResponse)
async def officials(request: Request, portal: PortalDep, caller: Caller = for_roles(*READERS),
                    don_vi: Filter = None, trang_thai: Filter = None, q: Filter = None) -> HTMLResponse:
    reads = DirectoryReads(portal, caller)
    state = trang_thai if trang_thai in STATES else "dang-cong-tac"
    items = await reads.officials(unit_id=don_vi or None, active=STATES[state])
    if q:
        wanted = fold(q)
        items = [o for o in items if wanted in fold(o["full_name"]) or wanted in o["official_id"]]
    options = await reads.unit_options()
    return render(request, "directory/officials.html", {
        "items": items, "unit_options": options, "unit_names": {k: v.lstrip("— ") for k, v in options},
        "filters": {"don_vi": don_vi or "", "trang_thai": state, "q": q or ""}, "notice": notice_of(request),
        "contacts": any("email" in o or "phone" in o for o in items), "can_write": caller.account.has_any(*WRITERS)})


def official_form(options: list[tuple[str, str]], mode: str, official: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    return {"mode": mode, "official": official, "unit_options": options, "categories": list(CATEGORY_VI.items()),
            "roles": ASSIGNABLE_ROLES, "idempotency_key": uuid.uuid4().hex}


def details_body(values: dict[str, str], errors: dict[str, dict[str, str]]) -> dict[str, Any]:
    body: dict[str, Any] = {"full_name": values.get("full_name", "").strip(),
                            "position": values.get("position", "").strip(),
                            "category": values.get("category") or "cong_chuc",
                            "email": values.get("email", "").strip() or None,
                            "phone": values.get("phone", "").strip() or None}
    effective_of(values, body, errors)
    return body


@router.get("/can-bo/moi", response_class=HTMLResponse)
async def new_official(request: Request, portal: PortalDep, caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    options = await DirectoryReads(portal, caller).unit_options()
    return render(request, "directory/official_form.html", {**official_form(options, "add"),
                                                            "values": {"category": "cong_chuc"}})


@router.post("/can-bo/moi", response_class=HTMLResponse)
async def register_official(request: Request, portal: PortalDep, form: FormDep,
                            caller: Caller = for_roles(*WRITERS)) -> Response:
    values, errors = form_values(form), dict[str, dict[str, str]]()
    body = {**details_body(values, errors), "official_id": values.get("official_id", "").strip(),
            "unit_id": values.get("unit_id") or None, "roles": [str(r) for r in form.getlist("roles")]}

    async def context() -> dict[str, Any]:
        return {**official_form(await DirectoryReads(portal, caller).unit_options(), "add"),
                "chosen_roles": body["roles"]}

    return await write(request, portal, caller, form, "POST", "/officials", body,
                       f"/danh-ba/can-bo/{body['official_id']}?da-dang-ky", "directory/official_form.html", context,
                       errors, probe=f"/officials/{body['official_id']}" if body["official_id"] else None)


@router.get("/can-bo/{official_id}", response_class=HTMLResponse)
async def official(request: Request, portal: PortalDep, official_id: Ident, caller: Caller = for_roles(*READERS)
                   ) -> HTMLResponse:
    reads = DirectoryReads(portal, caller)
    found = await reads.official(official_id)
    names = {k: v.lstrip("— ") for k, v in await reads.unit_options()}
    return render(request, "directory/official.html", {
        "o": found, "unit_names": names, "notice": notice_of(request), "can_write": caller.account.has_any(*WRITERS),
        "contacts": "email" in found or "phone" in found})


@router.get("/can-bo/{official_id}/{action}", response_class=HTMLResponse)
async def action_form(request: Request, portal: PortalDep, official_id: Ident,
                      action: Annotated[str, Path(pattern="^(sua|chuyen|vai-tro|thoi-cong-tac)$")],
                      caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    reads = DirectoryReads(portal, caller)
    found = await reads.official(official_id)
    values = {"full_name": found["full_name"], "position": found.get("position", ""),
              "category": found.get("category", ""), "email": found.get("email") or "",
              "phone": found.get("phone") or "", "unit_id": found.get("unit_id") or ""}
    context = {**official_form(await reads.unit_options(), action, found), "values": values,
               "chosen_roles": found.get("roles", [])}
    return render(request, f"directory/official_{action.replace('-', '_')}.html", context)


ACTIONS: dict[str, tuple[str, str, str]] = {
    "sua": ("PUT", "", "da-sua"), "chuyen": ("POST", "/move", "da-chuyen"),
    "vai-tro": ("PUT", "/roles", "da-doi-vai-tro"), "thoi-cong-tac": ("POST", "/departure", "da-nghi"),
}


@router.post("/can-bo/{official_id}/{action}", response_class=HTMLResponse)
async def act(request: Request, portal: PortalDep, form: FormDep, official_id: Ident,
              action: Annotated[str, Path(pattern="^(sua|chuyen|vai-tro|thoi-cong-tac)$")],
              caller: Caller = for_roles(*WRITERS)) -> Response:
    values, errors = form_values(form), dict[str, dict[str, str]]()
    chosen = [str(r) for r in form.getlist("roles")]
    body: dict[str, Any]
    if action == "sua":
        body = details_body(values, errors)
    elif action == "chuyen":
        body = {"unit_id": values.get("unit_id", ""), "position": values.get("position", "").strip()}
    elif action == "vai-tro":
        body = {"roles": chosen}
    else:
        body = {"reason": values.get("reason", "").strip()}
    if action != "sua":
        effective_of(values, body, errors)
    method, rest, done = ACTIONS[action]

    async def context() -> dict[str, Any]:
        reads = DirectoryReads(portal, caller)
        return {**official_form(await reads.unit_options(), action, await reads.official(official_id)),
                "chosen_roles": chosen}

    return await write(request, portal, caller, form, method, f"/officials/{official_id}{rest}", body,
                       f"/danh-ba/can-bo/{official_id}?{done}",
                       f"directory/official_{action.replace('-', '_')}.html", context, errors,
                       probe=f"/officials/{official_id}")
