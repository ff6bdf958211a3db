"""The reports' pages (the secretary; city officers for any commune): the quarterly or annual report as tables
and charts, its files (DOCX, XLSX, CSV), the open-data export and a searchable table of initiatives. The charts
are drawn by the reporting service and proxied here, because reading them needs the user's token."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BeforeValidator, Field

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.formatting import STAGE_VI, parse_vn_date
from reform_portal.web import Caller, PortalDep, for_roles, render
from reform_shared.catalog import REFORM_FIELDS
from reform_shared.ids import VIETNAM

router = APIRouter(prefix="/bao-cao")
READERS = ("secretary", "city_officer")
Blank = BeforeValidator(lambda value: None if isinstance(value, str) and not value.strip() else value)
"""A field of the period's form left empty (the quarter "Cả năm") is no value, not a malformed one."""
Year = Annotated[Annotated[int, Field(ge=2000, le=2100)] | None, Blank, Query()]
Quarter = Annotated[Annotated[int, Field(ge=1, le=4)] | None, Blank, Query()]
Commune = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")]
Filter = Annotated[str | None, Query(max_length=100)]
Day = Annotated[str | None, Query(max_length=20)]
CHARTS = {"funnel": "Phễu sáng kiến", "fields": "Sáng kiến theo lĩnh vực", "units": "Sáng kiến theo đơn vị",
          "years": "Sáng kiến qua các năm"}
FILES = {"docx": "Báo cáo (Word, DOCX)", "xlsx": "Bảng số liệu (Excel, XLSX)",
         "csv": "Số liệu theo lĩnh vực, đơn vị (CSV)"}


def commune_of(caller: Caller, xa: str | None) -> str:
    """A city officer reads any commune; everyone else reads his or her own."""
    return xa if xa and caller.account.has_any("city_officer") else caller.account.commune_id


class BadDay(ValueError):
    """Not a day in dd/mm/yyyy."""


def as_of_of(ngay: str | None) -> str | None:
    """The report as it stood at the end of that day in Vietnam (the service replays its log up to then); today
    or no day: the live figures."""
    if not ngay or not ngay.strip():
        return None
    day = parse_vn_date(ngay)
    if day is None:
        raise BadDay(ngay)
    if day == dt.datetime.now(VIETNAM).date():
        return None
    return dt.datetime.combine(day, dt.time(23, 59, 59), VIETNAM).isoformat()


def as_of_or_400(ngay: str | None) -> str | None:
    try:
        return as_of_of(ngay)
    except BadDay:
        raise HTTPException(400, "the day is not dd/mm/yyyy") from None


def period_params(nam: int, quy: int | None, commune: str, caller: Caller, ngay: str | None = None
                  ) -> dict[str, Any]:
    params: dict[str, Any] = {"nam": nam}
    if quy:
        params["quy"] = quy
    if ngay:
        params["ngay"] = ngay.strip()
    if commune != caller.account.commune_id:
        params["xa"] = commune
    return params


def stage_counts(row: dict[str, Any]) -> list[tuple[str, int]]:
    return [(label, int(row.get(stage, 0))) for stage, label in STAGE_VI.items()]


def chart_alt(name: str, figures: dict[str, Any]) -> str:
    """The chart in words, for those who do not see it (the same numbers are in the tables beside)."""
    if name == "funnel":
        parts = [f"{label} {n}" for label, n in stage_counts(figures["total"])]
    elif name == "years":
        parts = [f"năm {y}: nộp {s}, được công nhận {r}" for y, s, r in figures["by_year"]]
    else:
        parts = [f"{r['label']}: {r['submitted']}" for r in figures["by_field" if name == "fields" else "by_unit"]]
    return f"{CHARTS[name]}: " + ("; ".join(parts) if parts else "chưa có số liệu") + "."


def charts_of(figures: dict[str, Any], params: dict[str, Any]) -> list[dict[str, str]]:
    query = urlencode(params)
    return [{"name": name, "title": title, "src": f"/bao-cao/bieu-do/{name}.svg?{query}",
             "alt": chart_alt(name, figures)} for name, title in CHARTS.items()]


@router.get("", response_class=HTMLResponse)
async def report(request: Request, portal: PortalDep, caller: Caller = for_roles(*READERS), nam: Year = None,
                 quy: Quarter = None, xa: Commune = None, ngay: Day = None) -> HTMLResponse:
    year = nam or dt.date.today().year
    commune = commune_of(caller, xa)
    values = {"nam": str(year), "quy": str(quy or ""), "xa": commune, "ngay": ngay or ""}
    params = period_params(year, quy, commune, caller, ngay)
    context: dict[str, Any] = {"values": values, "commune": commune, "query": urlencode(params),
                               "open_query": urlencode({k: v for k, v in params.items() if k in ("nam", "xa")}),
                               "files": FILES, "figures": None, "stage_labels": STAGE_VI,
                               "city_officer": caller.account.has_any("city_officer")}
    try:
        figures = await portal.api.get("reporting", caller.token, commune_path(commune, f"/reports/{year}"),
                                       {"quarter": quy, "as_of": as_of_of(ngay)})
    except BadDay:
        return render(request, "reports/report.html", {**context, "errors": {"ngay": {
            "vi": "Ngày không hợp lệ: nhập theo dd/mm/yyyy, ví dụ 30/09/2026", "en": "a day as dd/mm/yyyy"}}},
            status=422)
    except ApiRefusal as refusal:
        if refusal.status == 404:
            return render(request, "reports/report.html", {**context, "no_data": refusal.message_vi})
        field = {"year": "nam", "quarter": "quy", "as_of": "ngay"}.get(refusal.field or "", "nam")
        return render(request, "reports/report.html", {
            **context, "errors": {field: {"vi": refusal.message_vi, "en": refusal.message_en}}}, status=refusal.status)
    return render(request, "reports/report.html", {
        **context, "figures": figures, "funnel": stage_counts(figures["total"]), "charts": charts_of(figures, params)})


@router.get("/bieu-do/{name}.svg")
async def chart(portal: PortalDep, name: Literal["funnel", "fields", "units", "years"],
                caller: Caller = for_roles(*READERS), nam: Year = None, quy: Quarter = None,
                xa: Commune = None, ngay: Day = None) -> Response:
    commune = commune_of(caller, xa)
    params = {"year": nam or dt.date.today().year, "quarter": quy, "as_of": as_of_or_400(ngay)}
    answer = await portal.api.download("reporting", caller.token, commune_path(commune, f"/charts/{name}.svg"),
                                       {k: v for k, v in params.items() if v})
    return Response(answer.content, media_type="image/svg+xml", headers={"Cache-Control": "private, no-store"})


def passthrough(answer: Any, filename: str) -> Response:
    return Response(answer.content, media_type=answer.headers.get("content-type"),
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@router.get("/tai-ve/bao-cao.{fmt}")
async def report_file(portal: PortalDep, fmt: Literal["docx", "xlsx", "csv"], caller: Caller = for_roles(*READERS),
                      nam: Year = None, quy: Quarter = None, xa: Commune = None, ngay: Day = None) -> Response:
    year, commune = nam or dt.date.today().year, commune_of(caller, xa)
    params = {"format": fmt, "quarter": quy, "as_of": as_of_or_400(ngay)}
    answer = await portal.api.download("reporting", caller.token, commune_path(commune, f"/reports/{year}"),
                                       {k: v for k, v in params.items() if v})
    return passthrough(answer, f"bao-cao-{commune}-{year}" + (f"-q{quy}" if quy else "") + f".{fmt}")


@router.get("/tai-ve/du-lieu-mo.{fmt}")
async def open_data(portal: PortalDep, fmt: Literal["csv", "json"], caller: Caller = for_roles(*READERS),
                    nam: Year = None, xa: Commune = None) -> Response:
    year, commune = nam or dt.date.today().year, commune_of(caller, xa)
    answer = await portal.api.download("reporting", caller.token, commune_path(commune, f"/open-data/{year}"),
                                       {"format": fmt})
    return passthrough(answer, f"du-lieu-mo-{commune}-{year}.{fmt}")


@router.get("/sang-kien", response_class=HTMLResponse)
async def initiatives(request: Request, portal: PortalDep, caller: Caller = for_roles(*READERS),
                      q: Annotated[str | None, Query(max_length=200)] = None, linh_vuc: Filter = None,
                      trang_thai: Filter = None, xa: Commune = None) -> HTMLResponse:
    """Every initiative as the reports count it (how far each has got), searchable without diacritics."""
    commune = commune_of(caller, xa)
    found = await portal.api.get("reporting", caller.token, commune_path(commune, "/initiatives"),
                                 {"q": q, "field": linh_vuc, "status": trang_thai, "limit": 500})
    return render(request, "reports/initiatives.html", {
        "items": found["items"], "all_fields": REFORM_FIELDS, "commune": commune,
        "values": {"q": q or "", "linh_vuc": linh_vuc or "", "trang_thai": trang_thai or "", "xa": commune},
        "city_officer": caller.account.has_any("city_officer")})
