"""Reading back the city's PAR Index rankings (recorded by POST /api/v1/city/par-rankings)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from reform_awards.application.par import ParRankings
from reform_awards.wiring import AwardsWiring
from reform_shared.http.deps import ActorDep, part_of, require_role

ParDep = Annotated[ParRankings, Depends(part_of(AwardsWiring, lambda w: w.par))]
router = APIRouter(prefix="/api/v1", tags=["awards"])


@router.get("/city/par-rankings")
async def par_rankings(actor: ActorDep, par: ParDep, year: Annotated[int, Query(ge=2000, le=2100)]
                       ) -> dict[str, Any]:
    """The rankings in force for a year, one per category entered (communes, wards, departments), best first;
    `recorded` false when the city has entered none for that year yet."""
    require_role(actor, "city_officer")
    return await par.of_year(year)
