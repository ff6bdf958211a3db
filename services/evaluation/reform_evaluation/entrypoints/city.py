"""HTTP routes of the city council (under /api/v1/city): appraise the communes' nominated initiatives
and decide city-level recognition. Served on the city node and on a standalone node; a federated
commune node answers 409, since the city's decisions are taken on the city node and flow back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from reform_evaluation.application.city import CityAppraisals
from reform_evaluation.domain.commands import DecideCityRecognition, ScoreCityAppraisal
from reform_evaluation.entrypoints.schemas import CityDecisionIn, CityScoreIn
from reform_evaluation.wiring import EvaluationWiring
from reform_shared.envelope import TOKEN_PATTERN, Actor
from reform_shared.errors import Conflict
from reform_shared.http.deps import (
    ActorDep,
    CommandContextDep,
    CommuneId,
    PathId,
    RuntimeDep,
    answer,
    part_of,
    require_role,
)
from reform_shared.http.openapi import error_responses

InitiativeId = PathId
CityDep = Annotated[CityAppraisals, Depends(part_of(EvaluationWiring, lambda w: w.city))]
COUNCIL, OFFICER = "city_council", "city_officer"


async def on_the_city_node(runtime: RuntimeDep) -> None:
    """A federated commune node does not take the city's decisions: they arrive from the city node."""
    if runtime.settings.federation_role == "commune":
        raise Conflict(
            "Quyết định cấp thành phố được thực hiện tại nút thành phố; nút xã/phường nhận kết quả từ thành phố",
            "city-level decisions are made on the city node (this is a commune node: they arrive from the city)",
            rule="decided_at_city", details={"federation_role": "commune"})


def city_account(actor: Actor, *roles: str) -> None:
    """A city role. Only a city account (commune `city`) can hold one: the token verifier refuses a commune
    account carrying a city role (403 `city_account_only`, reform_shared.auth.tokens.check_roles)."""
    require_role(actor, *roles)


router = APIRouter(prefix="/api/v1/city", tags=["evaluation (city)"], dependencies=[Depends(on_the_city_node)],
                   responses=error_responses(409))  # a federated commune node refuses every city route


@router.put("/appraisals/{commune_id}/{initiative_id}/scores/me")
async def appraise(commune_id: CommuneId, initiative_id: InitiativeId, body: CityScoreIn, appraisals: CityDep,
                   ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """A city council member records (or revises) applied effectiveness and replicability, 0–10 each,
    of an initiative a commune nominated; every revision is kept, the last one counts."""
    city_account(ctx.actor, COUNCIL)
    command = ScoreCityAppraisal(initiative_id=initiative_id, effectiveness=body.effectiveness,
                                 replicability=body.replicability, comment=body.comment)
    return answer(await appraisals.appraise(ctx, commune_id, command), response)


@router.post("/appraisals/{commune_id}/{initiative_id}/decision", status_code=201)
async def decide(commune_id: CommuneId, initiative_id: InitiativeId, body: CityDecisionIn, appraisals: CityDep,
                 ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """The city's decision, once: recognised at city level or not (with the reason), after a quorum of
    the city council appraised it; recognition needs both mean scores at half their maximum or more."""
    city_account(ctx.actor, OFFICER)
    command = DecideCityRecognition(initiative_id=initiative_id, **body.model_dump())
    return answer(await appraisals.decide(ctx, commune_id, command), response)


@router.get("/appraisals/{commune_id}/{initiative_id}")
async def appraisal(commune_id: CommuneId, initiative_id: InitiativeId, actor: ActorDep, appraisals: CityDep
                    ) -> dict[str, Any]:
    """One nomination: the members' sheets, the means, the quorum and the decision."""
    city_account(actor, COUNCIL, OFFICER)
    return await appraisals.appraisal(commune_id, initiative_id)


@router.get("/nominations")
async def nominations(actor: ActorDep, appraisals: CityDep, year: Annotated[int, Query(ge=2000, le=2100)],
                      commune_id: Annotated[str | None, Query(pattern=TOKEN_PATTERN)] = None) -> dict[str, Any]:
    """The initiatives every commune nominated for a year, each with where its city appraisal stands."""
    city_account(actor, COUNCIL, OFFICER)
    member = actor.user_id if COUNCIL in actor.roles else None
    items = await appraisals.nominations(year, commune_id, member)
    return {"year": year, "count": len(items), "items": items}
