"""The city overview: every commune of a year at a glance (the reporting service's city view), a table that
stays usable at 114 rows — sorted by any column through links, filtered by name — with Vietnamese numbers."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from reform_portal.pages.city_common import OFFICER, CityReads, YearQuery, year_or_now
from reform_portal.web import Caller, PortalDep, for_roles, render
from reform_shared.text import fold

router = APIRouter(prefix="/thanh-pho")
COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "Hạng"), ("commune_name", "Xã, phường"), ("submitted", "Sáng kiến đã nộp"), ("scored", "Đã chấm"),
    ("recognised", "Được công nhận"), ("nominated", "Đề nghị lên thành phố"),
    ("city_recognised", "Thành phố công nhận"), ("awards_granted", "Khen thưởng đã trao"),
    ("city_awards_proposed", "Đề nghị khen cấp thành phố"), ("city_awards_granted", "Khen cấp thành phố"),
    ("units_without_initiatives", "Đơn vị chưa có sáng kiến"),
)
SORTABLE = tuple(key for key, _ in COLUMNS)
Direction = Literal["tang", "giam"]


def sorted_rows(rows: list[dict[str, Any]], key: str, direction: Direction) -> list[dict[str, Any]]:
    def value(row: dict[str, Any]) -> Any:
        found = row.get(key)
        return fold(str(found or "")) if key == "commune_name" else (found or 0)

    return sorted(rows, key=lambda r: (value(r), r.get("rank", 0)), reverse=direction == "giam")


def searchable(row: dict[str, Any]) -> str:
    """A commune's name and id as a filter reads them: no diacritics, `tien-lang` as `tien lang` too."""
    commune_id = str(row.get("commune_id", ""))
    return fold(f"{row.get('commune_name', '')} {commune_id} {commune_id.replace('-', ' ')}")


def sort_link(year: int, key: str, current: str, direction: Direction, text: str | None) -> str:
    """The header's link: the other direction on the current column, else the natural one (names A–Z,
    the rank from the first, figures from the largest)."""
    if key == current:
        going: Direction = "giam" if direction == "tang" else "tang"
    else:
        going = "tang" if key in ("rank", "commune_name") else "giam"
    query = {"nam": year, "sap_xep": key, "chieu": going, **({"loc": text} if text else {})}
    return f"/thanh-pho/tong-quan?{urlencode(query)}"


@router.get("/tong-quan", response_class=HTMLResponse)
async def overview(request: Request, portal: PortalDep, year: YearQuery = None,
                   sort: Annotated[str, Query(alias="sap_xep", max_length=40)] = "rank",
                   direction: Annotated[Direction, Query(alias="chieu")] = "tang",
                   text: Annotated[str | None, Query(alias="loc", max_length=100)] = None,
                   caller: Caller = for_roles(OFFICER)) -> HTMLResponse:
    chosen = year_or_now(year)
    found = await CityReads(portal.api, caller).overview(chosen)
    key = sort if sort in SORTABLE else "rank"
    wanted = fold(text or "").strip()
    rows = [r for r in found["communes"]
            if not wanted or wanted in searchable(r)]
    columns = [{"key": k, "label": label, "href": sort_link(chosen, k, key, direction, text),
                "sort": ("ascending" if direction == "tang" else "descending") if k == key else None}
               for k, label in COLUMNS]
    return render(request, "city/overview.html", {
        "year": chosen, "rows": sorted_rows(rows, key, direction), "total": len(found["communes"]),
        "totals": found["totals"], "columns": columns, "text": text or "", "sort": key, "direction": direction})
