"""The award rules in force (read-only, for the city officer): the forms, who may receive them, the dossier
deadlines and the quotas the city set for a day, and every change it made (the awards service's
GET /api/v1/city/award-rules)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from reform_portal.pages.city_common import OFFICER, CityReads
from reform_portal.web import Caller, PortalDep, for_roles, render

router = APIRouter(prefix="/thanh-pho")
LEVEL = {"commune": "Cấp xã", "city": "Cấp thành phố"}
KIND = {"annual": "Hằng năm", "period": "Tổng kết giai đoạn", "adhoc": "Đột xuất"}
RECIPIENT = {"individual": "cá nhân", "collective": "tập thể"}
DECIDES = {"chairman": "Chủ tịch UBND xã", "city_officer": "Chủ tịch UBND thành phố"}


def _day(day: int | None, month: int | None, after: int) -> str:
    if not day or not month:
        return "Không có hạn"
    return f"Trước {day:02d}/{month:02d}" + (" năm sau" if after == 1 else f" sau {after} năm" if after else "")


def row(form: dict[str, Any]) -> dict[str, str]:
    """One form as a person reads it: words, not codes."""
    quota = form.get("quota") or {}
    return {
        "code": form["code"], "name": form["name"], "level": LEVEL.get(form["level"], form["level"]),
        "kind": KIND.get(form["kind"], form["kind"]) + (f" {form['period'][0]}–{form['period'][1]}"
                                                          if form.get("period") else ""),
        "recipients": ", ".join(RECIPIENT.get(r, r) for r in form["recipients"]).capitalize(),
        "deadline": _day(form.get("deadline_day"), form.get("deadline_month"), form.get("deadline_years_after", 0)),
        "forwarded": _day(form.get("forwarded_day"), form.get("forwarded_month"), form.get("deadline_years_after", 0))
        if form.get("forwarded_day") else "",
        "quota": "; ".join(f"{quota[k]} {RECIPIENT[k]}" for k in RECIPIENT if k in quota) + " mỗi xã mỗi năm"
        if quota else "Không giới hạn",
        "decided_by": DECIDES.get(form["decided_by"], form["decided_by"]),
    }


@router.get("/quy-dinh-khen-thuong", response_class=HTMLResponse)
async def award_rules(request: Request, portal: PortalDep,
                      on: Annotated[dt.date | None, Query(alias="ngay")] = None,
                      caller: Caller = for_roles(OFFICER)) -> HTMLResponse:
    day = on or dt.date.today()
    found = await CityReads(portal.api, caller).get("awards", "/award-rules", {"on": day.isoformat()})
    in_force = found["in_force"]
    return render(request, "city/rules.html", {
        "day": day, "in_force": in_force, "rows": [row(f) for f in in_force["forms"]],
        "history": list(reversed(found["history"]))})
