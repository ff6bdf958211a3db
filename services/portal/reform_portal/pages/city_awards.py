"""The city officer's award pages: the PAR Index ranking of a year, the list the Department of Home Affairs
receives (city-level proposals by commune, exported per commune), and the Bằng khen decision (grant or reject)."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiOutage, ApiRefusal, commune_path
from reform_portal.formatting import parse_vn_date
from reform_portal.forms import DATE_FORMAT_VI, form_values
from reform_portal.pages.city_common import OFFICER, CityReads, Ident, YearQuery, city_path, errors_of, year_or_now
from reform_portal.reads import settled
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render

router = APIRouter(prefix="/thanh-pho")
CATEGORIES = (("commune", "Xã, đặc khu"), ("ward", "Phường"), ("department", "Sở, ban, ngành"))
RANK_LINE = re.compile(r"^\s*([A-Za-z0-9_-]{1,64})\s*[,;:\t ]\s*(\d{1,5})\s*$")
GRANT_FIELDS = ("decision_number", "decision_date", "signer")
AWARD_STATUS_VI = {"proposed": "Chờ quyết định", "granted": "Đã khen thưởng", "rejected": "Không khen thưởng",
                   "revoked": "Đã thu hồi"}
NOTICES = {"da-khen": "Đã ghi quyết định khen thưởng.", "da-tu-choi": "Đã ghi việc không khen thưởng."}


# -- the PAR Index ranking ------------------------------------------------------------------------------------
def ranks_of(text: str) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    """One unit a line, `mã-đơn-vị hạng` (a comma, a semicolon or a tab between: pasted from a spreadsheet)."""
    ranks: dict[str, int] = {}
    bad = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = RANK_LINE.match(line)
        if match:
            ranks[match.group(1)] = int(match.group(2))
        else:
            bad.append(str(number))
    if bad:
        return ranks, {"ranks": {"vi": f"Dòng {', '.join(bad)} không đúng dạng «mã-xã hạng», ví dụ «ninh-giang 3»",
                                 "en": "one line per unit: its id and its rank"}}
    if not ranks:
        return ranks, {"ranks": {"vi": "Nhập ít nhất một đơn vị và hạng của đơn vị", "en": "at least one rank"}}
    return ranks, {}


async def in_force(portal: PortalDep, caller: Caller, year: str) -> dict[str, Any]:
    """The rankings recorded for the year (the last one of each category counts), or why they are not shown."""
    if not year.isdigit():
        return {"year": year, "rankings": []}
    try:
        found: dict[str, Any] = await portal.api.get("awards", caller.token, city_path("/par-rankings"),
                                                     {"year": int(year)})
    except ApiOutage:
        return {"year": year, "rankings": [], "unread": "Dịch vụ Khen thưởng không trả lời, vui lòng thử lại sau."}
    return found


async def par_page(request: Request, portal: PortalDep, caller: Caller, values: dict[str, str], status: int = 200,
                   **extra: Any) -> HTMLResponse:
    ranking = await in_force(portal, caller, values.get("year", "").strip())
    return render(request, "city/par.html", {"values": values, "categories": CATEGORIES, "in_force": ranking,
                                             "category_vi": dict(CATEGORIES), "idempotency_key": uuid.uuid4().hex,
                                             **extra}, status=status)


@router.get("/xep-hang-par", response_class=HTMLResponse)
async def par_form(request: Request, portal: PortalDep, year: YearQuery = None,
                   caller: Caller = for_roles(OFFICER)) -> HTMLResponse:
    recorded = request.query_params.get("da-ghi")
    notice = (f"Đã ghi xếp hạng PAR năm {year}: {recorded} đơn vị." if recorded and recorded.isdigit() else None)
    return await par_page(request, portal, caller, {"year": str(year_or_now(year)), "category": "commune"},
                          notice=notice)


@router.post("/xep-hang-par", response_class=HTMLResponse)
async def record_par(request: Request, portal: PortalDep, form: FormDep,
                     caller: Caller = for_roles(OFFICER)) -> Response:
    values = form_values(form)
    ranks, errors = ranks_of(values.get("ranks", ""))
    year = values.get("year", "").strip()
    if not year.isdigit():
        errors["year"] = {"vi": "Năm phải là một số, ví dụ 2026", "en": "a year"}
    refusal: ApiRefusal | None = None
    if not errors:
        body = {"year": int(year), "category": values.get("category", ""), "ranks": ranks}
        try:
            await portal.api.command("awards", caller.token, "POST", city_path("/par-rankings"), body,
                                     idempotency_key=values.get("idempotency_key") or None)
            return RedirectResponse(f"/thanh-pho/xep-hang-par?nam={year}&da-ghi={len(ranks)}", status_code=303)
        except ApiRefusal as caught:
            refusal = caught
            errors = {("ranks" if name.startswith("ranks") else name if name in ("year", "category") else "_form"):
                      text for name, text in caught.field_errors().items()}
    return await par_page(request, portal, caller, values, status=refusal.status if refusal else 422,
                          errors=errors, refusal=refusal)


# -- the Home Affairs list and its exports --------------------------------------------------------------------
@router.get("/so-noi-vu", response_class=HTMLResponse)
async def home_affairs(request: Request, portal: PortalDep, year: YearQuery = None,
                       caller: Caller = for_roles(OFFICER)) -> HTMLResponse:
    chosen = year_or_now(year)
    reads = CityReads(portal.api, caller)
    found = await reads.home_affairs(chosen)
    notice = next((text for key, text in NOTICES.items() if key in request.query_params), None)
    return render(request, "city/home_affairs.html", {"year": chosen, "communes": found["communes"],
                                                      "status_vi": AWARD_STATUS_VI, "notice": notice,
                                                      "names": await reads.commune_names(chosen)})


@router.get("/so-noi-vu/{commune_id}/{year}.{extension}")
async def export(portal: PortalDep, commune_id: Ident, year: int = Path(ge=2000, le=2100),
                 extension: str = Path(pattern="^(xlsx|csv)$"), caller: Caller = for_roles(OFFICER)) -> Response:
    answer = await portal.api.download("awards", caller.token, commune_path(commune_id, "/awards"),
                                       {"year": year, "level": "city", "format": extension})
    filename = quote(f"khen-thuong-cap-thanh-pho-{commune_id}-{year}.{extension}")
    return Response(answer.content, media_type=answer.headers.get("content-type"),
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


# -- the Bằng khen decision -----------------------------------------------------------------------------------
async def city_award(portal: PortalDep, caller: Caller, commune_id: str, award_id: str) -> dict[str, Any]:
    found = await portal.api.get("awards", caller.token, commune_path(commune_id, "/awards"), {"level": "city"})
    award: dict[str, Any] | None = next((a for a in found["items"] if a["award_id"] == award_id), None)
    if award is None:
        raise ApiRefusal(404, {"message_vi": f"Không có đề nghị khen thưởng {award_id} của {commune_id}",
                               "message_en": "no such city-level proposal"})
    return award


async def award_page(request: Request, portal: PortalDep, caller: Caller, commune_id: str, award_id: str,
                     values: dict[str, str], status: int = 200, **extra: Any) -> HTMLResponse:
    award = await city_award(portal, caller, commune_id, award_id)
    return render(request, "city/award.html", {"award": award, "values": values, "status_vi": AWARD_STATUS_VI,
                                               "idempotency_key": uuid.uuid4().hex, **extra}, status=status)


@router.get("/bang-khen/{commune_id}/{award_id}", response_class=HTMLResponse)
async def award_form(request: Request, portal: PortalDep, commune_id: Ident, award_id: Ident,
                     caller: Caller = for_roles(OFFICER)) -> HTMLResponse:
    return await award_page(request, portal, caller, commune_id, award_id, {"signer": "Chủ tịch UBND thành phố"})


def decision_body(values: dict[str, str]) -> tuple[str, dict[str, Any], dict[str, dict[str, str]]]:
    if values.get("action") == "reject":
        return "reject", {"reason": values.get("reason", "").strip()}, {}
    date = parse_vn_date(values.get("decision_date", ""))
    errors = {} if date else {"decision_date": {"vi": DATE_FORMAT_VI, "en": "dd/mm/yyyy"}}
    return "grant", {"decision_number": values.get("decision_number", "").strip(),
                     "decision_date": date.isoformat() if date else None,
                     "signer": values.get("signer", "").strip()}, errors


@router.post("/bang-khen/{commune_id}/{award_id}", response_class=HTMLResponse)
async def decide_award(request: Request, portal: PortalDep, form: FormDep, commune_id: Ident, award_id: Ident,
                       caller: Caller = for_roles(OFFICER)) -> Response:
    values = form_values(form)
    action, body, errors = decision_body(values)
    refusal: ApiRefusal | None = None
    if not errors:
        try:
            await portal.api.command("awards", caller.token, "POST",
                                     commune_path(commune_id, f"/awards/{award_id}/{action}"), body,
                                     idempotency_key=values.get("idempotency_key") or None)

            async def decided() -> bool:
                return bool((await city_award(portal, caller, commune_id, award_id))["status"] != "proposed")

            await settled(decided)
            award = await city_award(portal, caller, commune_id, award_id)
            done = "da-khen" if action == "grant" else "da-tu-choi"
            return RedirectResponse(f"/thanh-pho/so-noi-vu?nam={award.get('year') or ''}&{done}", status_code=303)
        except ApiRefusal as caught:
            refusal = caught
            errors = errors_of(caught, ("reason",) if action == "reject" else GRANT_FIELDS)
    return await award_page(request, portal, caller, commune_id, award_id, values,
                            status=refusal.status if refusal else 422, errors=errors, refusal=refusal, action=action)
