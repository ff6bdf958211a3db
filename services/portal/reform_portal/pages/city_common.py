"""What the city's pages share: the city's roles, the city's API paths, the year asked for, and the reads of the
city node's services (a city account's commune is `city`; the city's routes are under /api/v1/city)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Path, Query

from reform_portal.api import ApiRefusal, ServiceApi
from reform_portal.reads import settled
from reform_portal.web import Caller

OFFICER, COUNCIL = "city_officer", "city_council"
CITY_ROLES = (OFFICER, COUNCIL)
Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
YearQuery = Annotated[int | None, Query(alias="nam", ge=2000, le=2100)]
Filter = Annotated[str | None, Query(max_length=100)]


def city_path(rest: str) -> str:
    return f"/api/v1/city{rest}"


def year_or_now(year: int | None) -> int:
    return year or dt.date.today().year


def errors_of(refusal: ApiRefusal, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """The service's refusal beside the inputs it names; anything else over the form."""
    return {(name if name in fields else "_form"): text for name, text in refusal.field_errors().items()}


class CityReads:
    """The city node's reads, by the signed-in city account's token."""

    def __init__(self, api: ServiceApi, caller: Caller) -> None:
        self.api, self.caller = api, caller

    async def get(self, service: Any, rest: str, params: dict[str, Any] | None = None) -> Any:
        return await self.api.get(service, self.caller.token, city_path(rest), params)

    async def nominations(self, year: int, commune_id: str | None = None) -> list[dict[str, Any]]:
        found = await self.get("evaluation", "/nominations", {"year": year, "commune_id": commune_id})
        items: list[dict[str, Any]] = found["items"]
        return items

    async def appraisal(self, commune_id: str, initiative_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.get("evaluation", f"/appraisals/{commune_id}/{initiative_id}")
        return found

    async def appraisal_shows(self, commune_id: str, initiative_id: str, check: Any) -> None:
        """Read your own write: wait until the appraisal's read model shows what was just done."""

        async def shows() -> bool:
            return bool(check(await self.appraisal(commune_id, initiative_id)))

        await settled(shows)

    async def overview(self, year: int) -> dict[str, Any]:
        found: dict[str, Any] = await self.api.get("reporting", self.caller.token, city_path(f"/{year}"))
        return found

    async def home_affairs(self, year: int) -> dict[str, Any]:
        found: dict[str, Any] = await self.get("awards", "/home-affairs", {"year": year})
        return found

    async def commune_names(self, year: int) -> dict[str, str]:
        """Each commune's name as its campaigns give it (the city's overview, read by a city officer); a city
        council member, who does not read the overview, sees the communes' ids."""
        try:
            overview = await self.overview(year)
        except ApiRefusal as refusal:
            if refusal.status == 403:
                return {}
            raise
        return {row["commune_id"]: str(row.get("commune_name") or row["commune_id"]) for row in overview["communes"]}
