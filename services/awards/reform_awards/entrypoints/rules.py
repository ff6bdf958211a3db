"""HTTP routes of the award rules: the city officer sets them from a date; anyone signed in reads the
rules in force on a day and their history (the city's data, on every node)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from reform_awards.application.rules import AwardRulesBook
from reform_awards.domain.commands import SetAwardRules
from reform_awards.wiring import AwardsWiring
from reform_shared.events import AwardFormRule
from reform_shared.http.deps import ActorDep, ClockDep, CommandContextDep, answer, part_of, require_role
from reform_shared.ids import VIETNAM

RulesDep = Annotated[AwardRulesBook, Depends(part_of(AwardsWiring, lambda w: w.commands.rules))]


class AwardRulesIn(BaseModel):
    effective_from: dt.date = Field(description="The day the rules take effect; a proposal is judged by the rules "
                                                "in force for its award year (on its last day)")
    forms: list[AwardFormRule] = Field(min_length=1, max_length=40)
    reason: str = Field(default="", max_length=500, description="e.g. the city's decision that changed them")


router = APIRouter(prefix="/api/v1", tags=["award rules"])


async def _set(body: AwardRulesIn, book: AwardRulesBook, ctx: CommandContextDep, response: Response
               ) -> dict[str, Any]:
    require_role(ctx.actor, "city_officer")
    command = SetAwardRules(effective_from=body.effective_from, forms=tuple(body.forms), reason=body.reason)
    return answer(await book.set(ctx, command), response)


@router.put("/city/award-rules", status_code=201)
async def set_rules(body: AwardRulesIn, book: RulesDep, ctx: CommandContextDep, response: Response
                    ) -> dict[str, Any]:
    """A city officer sets the award forms, their recipients, deadlines and quotas, in force from a date."""
    return await _set(body, book, ctx, response)


@router.post("/city/award-rules", status_code=201)
async def add_rules(body: AwardRulesIn, book: RulesDep, ctx: CommandContextDep, response: Response
                    ) -> dict[str, Any]:
    """The same as PUT: each call records one dated change (AwardRulesSet)."""
    return await _set(body, book, ctx, response)


@router.get("/city/award-rules")
async def read_rules(actor: ActorDep, book: RulesDep, clock: ClockDep,
                     on: Annotated[dt.date | None, Query(description="default: today")] = None,
                     year: Annotated[int | None, Query(ge=2000, le=2100, description="the rules of an award year")]
                     = None) -> dict[str, Any]:
    """The rules in force on a day (or for an award year: on its last day) and every change the city made."""
    day = dt.date(year, 12, 31) if year is not None else on or clock.now().astimezone(VIETNAM).date()
    return await book.on(day)
