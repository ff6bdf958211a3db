"""HTTP routes of the awards service. The secretary proposes, the commune chairman decides commune
awards, a city officer city awards; nobody acts across communes (a city officer decides for the city)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import Response as RawResponse

from reform_awards.application.commands import AwardCommands, new_award_id
from reform_awards.application.exports import certificate, export
from reform_awards.application.queries import AwardQueries, clean
from reform_awards.domain.commands import GrantAward, ProposeAward, RecordParRanking, RejectAward, RevokeAward
from reform_awards.entrypoints.rules import RulesDep
from reform_awards.entrypoints.schemas import GrantIn, ParRankingIn, ProposalIn, ReasonIn, RevokeIn
from reform_awards.wiring import AwardsWiring
from reform_shared.envelope import Actor
from reform_shared.events import Achievement, Basis, Recipient
from reform_shared.http.deps import (
    ActorDep,
    ClockDep,
    CommandContextDep,
    CommuneId,
    PathId,
    answer,
    part_of,
    require_commune,
    require_role,
)
from reform_shared.http.openapi import CSV, DOCX, XLSX, file_responses
from reform_shared.ids import VIETNAM, new_id

AwardId = PathId
CommandsDep = Annotated[AwardCommands, Depends(part_of(AwardsWiring, lambda w: w.commands))]
QueriesDep = Annotated[AwardQueries, Depends(part_of(AwardsWiring, lambda w: w.queries))]


def propose_award(commune_id: str, body: ProposalIn) -> ProposeAward:
    basis = Basis(initiative_ids=tuple(body.basis.initiative_ids), par_year=body.basis.par_year,
                  achievements=tuple(Achievement(**a.model_dump()) for a in body.basis.achievements))
    return ProposeAward(commune_id=commune_id, award_id=new_award_id(body.form, body.year, new_id()),
                        form=body.form, recipient=Recipient(**body.recipient.model_dump()), year=body.year,
                        period=body.period, basis=basis, par_category=body.par_category)


router = APIRouter(prefix="/api/v1", tags=["awards"])


@router.get("/award-forms")
async def award_forms(book: RulesDep, clock: ClockDep,
                      year: Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")] = None
                      ) -> list[dict[str, Any]]:
    """The award forms in force for an award year: seed 004's until the city sets its own (award rules)."""
    today = clock.now().astimezone(VIETNAM).date()
    forms = (await book.for_year(year or today.year, today)).forms
    return [{"code": f.code, "name": f.name, "level": f.level, "kind": f.kind, "recipients": list(f.recipients),
             "decided_by": f.decided_by, "deadline": f.deadline, "period": f.period,
             "quota_per_commune_year": f.quota_per_commune_year} for f in forms.values()]


@router.post("/city/par-rankings", status_code=201)
async def record_par(
    body: ParRankingIn, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """A city officer enters the PAR Index ranking of a year (ranks of communes, wards or departments)."""
    require_role(ctx.actor, "city_officer")
    command = RecordParRanking(year=body.year, category=body.category, ranks=dict(body.ranks))
    return answer(await commands.record_par(ctx, command), response)


@router.get("/city/home-affairs")
async def home_affairs(actor: ActorDep, queries: QueriesDep, year: Annotated[int, Query(ge=2000, le=2100)]
                       ) -> dict[str, Any]:
    """The list the city's Department of Home Affairs receives: city-level proposals by commune with their basis."""
    require_role(actor, "city_officer")
    return await queries.home_affairs(year)


@router.post("/communes/{commune_id}/awards/eligibility")
async def eligibility(commune_id: CommuneId, body: ProposalIn, actor: ActorDep, commands: CommandsDep,
                      clock: ClockDep) -> dict[str, Any]:
    """Why eligible or why not: each condition, met or not, with the events that show it, and every rule in
    force for the proposal's year that will refuse it (deadline, quota). Appends nothing."""
    require_commune(actor, commune_id)
    result = await commands.assess(propose_award(commune_id, body), clock.now())
    return {"eligible": result.eligible, "conditions": result.explain()}


@router.post("/communes/{commune_id}/awards", status_code=201)
async def propose(
    commune_id: CommuneId, body: ProposalIn, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    require_commune(ctx.actor, commune_id)
    require_role(ctx.actor, "secretary")
    return answer(await commands.propose(ctx, propose_award(commune_id, body)), response)


async def may_decide(actor: Actor, commune_id: str, award_id: str, commands: AwardCommands) -> str:
    decided_by = await commands.level_of(commune_id, award_id)
    if decided_by == "city_officer":
        require_role(actor, "city_officer")  # the city decides for every commune
    else:
        require_commune(actor, commune_id)
        require_role(actor, decided_by)
    return decided_by


async def may_sign(actor: Actor, commune_id: str, award_id: str, commands: AwardCommands, signer: str,
                   on: dt.date) -> str:
    """May decide, and a commune decision is signed by someone holding office on its date (the profile's): the
    signer's name as the profile writes it."""
    if await may_decide(actor, commune_id, award_id, commands) != "city_officer":
        return await commands.signer_in_office(commune_id, signer, on)
    return signer


@router.post("/communes/{commune_id}/awards/{award_id}/grant")
async def grant(commune_id: CommuneId, award_id: AwardId, body: GrantIn, commands: CommandsDep,
                ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    signer = await may_sign(ctx.actor, commune_id, award_id, commands, body.signer, body.decision_date)
    command = GrantAward(commune_id=commune_id, award_id=award_id, decision_number=body.decision_number,
                         decision_date=body.decision_date, signer=signer)
    return answer(await commands.grant(ctx, command), response)


@router.post("/communes/{commune_id}/awards/{award_id}/reject")
async def reject(commune_id: CommuneId, award_id: AwardId, body: ReasonIn, commands: CommandsDep,
                 ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    await may_decide(ctx.actor, commune_id, award_id, commands)
    command = RejectAward(commune_id=commune_id, award_id=award_id, reason=body.reason)
    return answer(await commands.reject(ctx, command), response)


@router.post("/communes/{commune_id}/awards/{award_id}/revoke")
async def revoke(commune_id: CommuneId, award_id: AwardId, body: RevokeIn, commands: CommandsDep,
                 ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """Revoke a granted award by a decision of its own: number, date, signer and the reason."""
    signer = await may_sign(ctx.actor, commune_id, award_id, commands, body.signer, body.decision_date)
    command = RevokeAward(commune_id=commune_id, award_id=award_id, reason=body.reason,
                          decision_number=body.decision_number, decision_date=body.decision_date, signer=signer)
    return answer(await commands.revoke(ctx, command), response)


@router.get("/communes/{commune_id}/awards", responses=file_responses(CSV, XLSX, json=True))
async def register(
    commune_id: CommuneId, actor: ActorDep, queries: QueriesDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None, level: Literal["commune", "city"] | None = None,
    form: Annotated[str | None, Query(max_length=40)] = None,
    status: Literal["proposed", "granted", "rejected", "revoked"] | None = None,
    kind: Literal["individual", "collective"] | None = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Any:
    """The award register, filterable; `format=csv|xlsx` exports it."""
    if not actor.has_any("city_officer"):
        require_commune(actor, commune_id)
    docs = await queries.register([commune_id], year=year, level=level, form=form, status=status, kind=kind)
    if format != "json":
        data, media, filename = export(docs, format, f"Sổ khen thưởng {commune_id} {year or ''}".strip())
        disposition = f'attachment; filename="{filename}"'
        return RawResponse(data, media_type=media, headers={"Content-Disposition": disposition})
    return {"commune_id": commune_id, "count": len(docs), "items": [clean(d) for d in docs]}


@router.get("/communes/{commune_id}/awards/{award_id}/certificate.docx", response_class=RawResponse,
            responses=file_responses(DOCX))
async def award_certificate(commune_id: CommuneId, award_id: AwardId, actor: ActorDep, queries: QueriesDep,
                            commands: CommandsDep) -> RawResponse:
    """The printable Giấy khen or Bằng khen of a granted award."""
    if not actor.has_any("city_officer"):
        require_commune(actor, commune_id)
    doc = await queries.award(commune_id, award_id)
    on = dt.date.fromisoformat(doc["decision_date"]) if doc.get("decision_date") else None
    unit = await commands.unit_name(commune_id, Recipient(**doc["recipient"]), on) if on else ""
    data = certificate(doc, await commands.commune_name(commune_id, on), unit)
    disposition = f'attachment; filename="{award_id}.docx"'
    return RawResponse(data, media_type=DOCX, headers={"Content-Disposition": disposition})
