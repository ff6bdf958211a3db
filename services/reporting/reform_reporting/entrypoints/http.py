"""Read-only HTTP routes of the reporting service. A commune's staff read their commune, city
officers every commune, operators the traces and the consumers' health."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from reform_reporting.application.documents import chart as draw
from reform_reporting.application.documents import render
from reform_reporting.application.queries import ReportingQueries, public
from reform_reporting.domain.published import OPEN_FIELDS
from reform_reporting.domain.summary import Period
from reform_reporting.wiring import ReportingWiring
from reform_shared.envelope import TOKEN_PATTERN, Actor
from reform_shared.errors import Forbidden, InvalidInput
from reform_shared.http.deps import (
    ActorDep,
    ClockDep,
    CommuneId,
    RuntimeDep,
    part_of,
    require_role,
)
from reform_shared.http.openapi import CSV, DOCX, SVG, XLSX, file_responses
from reform_shared.text import fold

Year = Annotated[int, Path(ge=2000, le=2100)]
Filter = Annotated[str | None, Query(max_length=100)]
router = APIRouter(prefix="/api/v1", tags=["reporting"])




QueriesDep = Annotated[ReportingQueries, Depends(part_of(ReportingWiring, lambda w: w.queries))]


def may_read(actor: Actor, commune_id: str) -> None:
    """A commune's staff read their commune; city officers read every commune."""
    if actor.commune_id != commune_id and not actor.has_any("city_officer"):
        raise Forbidden(
            f"Tài khoản thuộc '{actor.commune_id}' không được xem số liệu của '{commune_id}'",
            f"your account ({actor.commune_id}) may not read commune '{commune_id}'",
            field="commune_id", rule="same_commune_or_city",
        )


AsOf = Annotated[dt.datetime | None, Query(description="ISO 8601 with a timezone: the figures as they stood then")]


def timezone_aware(as_of: dt.datetime | None) -> dt.datetime | None:
    if as_of is not None and as_of.tzinfo is None:
        raise InvalidInput("as_of cần có múi giờ, ví dụ 2026-09-30T17:00:00+07:00", "as_of needs a timezone",
                           field="as_of", rule="timezone_aware")
    return as_of


def csv_bytes(rows: list[dict[str, Any]], fields: tuple[str, ...] = ()) -> bytes:
    out = io.StringIO()
    if rows or fields:
        writer = csv.DictWriter(out, fieldnames=list(fields or rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def download(data: bytes, media: str, filename: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/communes/{commune_id}/initiatives")
async def list_initiatives(
    commune_id: CommuneId, actor: ActorDep, queries: QueriesDep,
    campaign_id: Filter = None, field: Filter = None, unit_id: Filter = None, status: Filter = None,
    q: Annotated[str | None, Query(max_length=200, description="search in titles, without diacritics")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    may_read(actor, commune_id)
    query: dict[str, Any] = {k: v for k, v in (("campaign_id", campaign_id), ("field", field),
                                               ("unit_id", unit_id), ("status", status)) if v is not None}
    if q:
        query["title_folded"] = {"$regex": re.escape(fold(q))}
    items = await queries.initiatives(commune_id, query, limit)
    return {"commune_id": commune_id, "count": len(items), "items": items}


@router.get("/communes/{commune_id}/initiatives/{initiative_id}")
async def get_initiative(commune_id: CommuneId, initiative_id: Annotated[str, Path(pattern=TOKEN_PATTERN)],
                         actor: ActorDep, queries: QueriesDep) -> dict[str, Any]:
    may_read(actor, commune_id)
    return public(await queries.initiative(commune_id, initiative_id))


@router.get("/communes/{commune_id}/initiatives/{initiative_id}/trace")
async def trace(commune_id: CommuneId, initiative_id: Annotated[str, Path(pattern=TOKEN_PATTERN)], actor: ActorDep,
                queries: QueriesDep, runtime: RuntimeDep) -> dict[str, Any]:
    """The workflow of an initiative across services: events in order (actor, service, trace, correlation,
    causation) and the time spent in each stage, with links into Jaeger when one is configured."""
    require_role(actor, "operator", "secretary", "city_officer")
    if not actor.has_any("operator"):
        may_read(actor, commune_id)
    return await queries.trace(commune_id, initiative_id, runtime.settings.jaeger_ui_url)


@router.get("/communes/{commune_id}/reports/{year}", responses=file_responses(DOCX, XLSX, CSV, json=True))
async def report(
    commune_id: CommuneId, year: Year, actor: ActorDep, queries: QueriesDep, clock: ClockDep,
    quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    as_of: AsOf = None,
    format: Literal["json", "docx", "xlsx", "csv"] = "json",
) -> Any:
    """The quarterly or annual report; `as_of` replays the event log up to a past moment."""
    may_read(actor, commune_id)
    figures = await queries.report(commune_id, Period(year, quarter), timezone_aware(as_of), clock.now())
    name = f"bao-cao-{commune_id}-{year}" + (f"-q{quarter}" if quarter else "")
    if format == "csv":
        return download(csv_bytes(figures["by_field"] + figures["by_unit"]), "text/csv; charset=utf-8", name + ".csv")
    if format in ("docx", "xlsx"):
        data, media = render(figures, format)
        return download(data, media, f"{name}.{format}")
    return figures


@router.get("/communes/{commune_id}/open-data/{year}", responses=file_responses(CSV, json=True))
async def open_data(commune_id: CommuneId, year: Year, queries: QueriesDep,
                    format: Literal["json", "csv"] = "json") -> Any:
    """Public, without a token: the year's published initiatives (recognised by the signed decision, nominated,
    recognised by the city, or the basis of a granted award), without personal data. Never a draft, a
    returned or withdrawn dossier, scores, authors or contacts."""
    rows = await queries.open_data(commune_id, year)
    if format == "csv":
        return download(csv_bytes(rows, OPEN_FIELDS), "text/csv; charset=utf-8", f"du-lieu-mo-{commune_id}-{year}.csv")
    return Response(json.dumps(rows, ensure_ascii=False, default=str), media_type="application/json")


@router.get("/city/{year}")
async def city(year: Year, actor: ActorDep, queries: QueriesDep) -> dict[str, Any]:
    """Every commune side by side: totals, ranking by recognised initiatives, nominations, awards."""
    require_role(actor, "city_officer")
    return await queries.city(year)


@router.get("/communes/{commune_id}/charts/{name}.svg", response_class=Response, responses=file_responses(SVG))
async def chart(commune_id: CommuneId, name: Literal["funnel", "fields", "units", "years"], actor: ActorDep,
                queries: QueriesDep, clock: ClockDep, year: Annotated[int, Query(ge=2000, le=2100)],
                quarter: Annotated[int | None, Query(ge=1, le=4)] = None, as_of: AsOf = None) -> Response:
    """Charts drawn on the server (SVG) with the numbers written beside the bars; `as_of` as for the report,
    so a report read as of a past moment shows charts of the same moment."""
    may_read(actor, commune_id)
    figures = await queries.report(commune_id, Period(year, quarter), timezone_aware(as_of), clock.now())
    return Response(draw(figures, name), media_type="image/svg+xml")
