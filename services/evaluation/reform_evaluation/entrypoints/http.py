"""HTTP routes of the evaluation service. Council members score, the chair finalises, the chairman
signs, the secretary prepares; nobody acts across communes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import Response as RawResponse

from reform_evaluation.application.commands import EvaluationCommands
from reform_evaluation.application.documents import EvaluationDocuments
from reform_evaluation.application.queries import EvaluationQueries
from reform_evaluation.domain.commands import (
    ChangeMembers,
    ConstituteCouncil,
    DeclareConflict,
    Finalise,
    Nominate,
    OpenScoring,
    RecordScore,
    SetRubric,
    SignDecision,
    WithdrawNomination,
)
from reform_evaluation.domain.rubric import DEFAULT_RUBRIC
from reform_evaluation.domain.scoring import local_date
from reform_evaluation.entrypoints.schemas import (
    CouncilIn,
    DecisionIn,
    MemberIn,
    MembersIn,
    NominationIn,
    OptionalReasonIn,
    ReasonIn,
    RubricIn,
    ScoreIn,
)
from reform_evaluation.wiring import EvaluationWiring
from reform_shared.envelope import TOKEN_PATTERN, Actor
from reform_shared.events import CouncilMember, Criterion, Rubric
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
from reform_shared.http.openapi import DOCX, file_responses

CampaignId = PathId
InitiativeId = PathId
MEMBERS = ("council_member", "council_chair")





CommandsDep = Annotated[EvaluationCommands, Depends(part_of(EvaluationWiring, lambda w: w.commands))]
QueriesDep = Annotated[EvaluationQueries, Depends(part_of(EvaluationWiring, lambda w: w.queries))]
DocumentsDep = Annotated[EvaluationDocuments, Depends(part_of(EvaluationWiring, lambda w: w.documents))]




def allowed(actor: Actor, commune_id: str, *roles: str) -> None:
    require_commune(actor, commune_id)
    if roles:
        require_role(actor, *roles)


def rubric_of(body: RubricIn | None) -> Rubric:
    if body is None:
        return DEFAULT_RUBRIC
    return Rubric(criteria=tuple(Criterion(**c.model_dump()) for c in body.criteria),
                  **body.model_dump(exclude={"criteria"}))


def members_of(members: list[MemberIn]) -> tuple[CouncilMember, ...]:
    return tuple(CouncilMember(**m.model_dump()) for m in members)


router = APIRouter(prefix="/api/v1/communes/{commune_id}", tags=["evaluation"])


@router.post("/campaigns/{campaign_id}/council", status_code=201)
async def constitute_council(
    commune_id: CommuneId, campaign_id: CampaignId, body: CouncilIn, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """The council of a campaign (decision number and date, members) and its rubric (default: seeds)."""
    allowed(ctx.actor, commune_id, "secretary")
    command = ConstituteCouncil(campaign_id=campaign_id, decision_number=body.decision_number,
                                decision_date=body.decision_date, rubric=rubric_of(body.rubric),
                                members=members_of(body.members))
    return answer(await commands.constitute(ctx, commune_id, command), response)


@router.put("/campaigns/{campaign_id}/council/members")
async def change_members(
    commune_id: CommuneId, campaign_id: CampaignId, body: MembersIn, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    allowed(ctx.actor, commune_id, "secretary")
    command = ChangeMembers(campaign_id=campaign_id, reason=body.reason, members=members_of(body.members))
    return answer(await commands.change_members(ctx, commune_id, command), response)


@router.put("/campaigns/{campaign_id}/council/rubric")
async def set_rubric(
    commune_id: CommuneId, campaign_id: CampaignId, body: RubricIn, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    allowed(ctx.actor, commune_id, "secretary")
    command = SetRubric(campaign_id=campaign_id, rubric=rubric_of(body))
    return answer(await commands.set_rubric(ctx, commune_id, command), response)


@router.post("/campaigns/{campaign_id}/council/open-scoring")
async def open_scoring(
    commune_id: CommuneId, campaign_id: CampaignId, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """Open scoring: the rubric is fixed from now on, and membership changes need a reason."""
    allowed(ctx.actor, commune_id, "secretary", "council_chair")
    return answer(await commands.open_scoring(ctx, commune_id, OpenScoring(campaign_id=campaign_id)), response)


@router.get("/campaigns/{campaign_id}/council")
async def get_council(commune_id: CommuneId, campaign_id: CampaignId, actor: ActorDep, queries: QueriesDep
                      ) -> dict[str, Any]:
    allowed(actor, commune_id)
    return await queries.council(commune_id, campaign_id)


@router.post("/initiatives/{initiative_id}/conflicts")
async def declare_conflict(
    commune_id: CommuneId, initiative_id: InitiativeId, body: ReasonIn, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """A member declares a conflict of interest (authorship and unit headship are automatic)."""
    allowed(ctx.actor, commune_id, *MEMBERS)
    command = DeclareConflict(initiative_id=initiative_id, reason=body.reason)
    return answer(await commands.declare_conflict(ctx, commune_id, command), response)


@router.put("/initiatives/{initiative_id}/scores/me")
async def record_score(
    commune_id: CommuneId, initiative_id: InitiativeId, body: ScoreIn, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """Record or revise one's own points (every revision kept) until the initiative is finalised."""
    allowed(ctx.actor, commune_id, *MEMBERS)
    command = RecordScore(initiative_id=initiative_id, points=body.points, comment=body.comment)
    return answer(await commands.record_score(ctx, commune_id, command), response)


@router.get("/initiatives/{initiative_id}/scores")
async def list_scores(commune_id: CommuneId, initiative_id: InitiativeId, actor: ActorDep, queries: QueriesDep
                      ) -> dict[str, Any]:
    allowed(actor, commune_id, *MEMBERS, "secretary", "chairman")
    return await queries.scores(commune_id, initiative_id, actor)


@router.post("/initiatives/{initiative_id}/finalise")
async def finalise(
    commune_id: CommuneId, initiative_id: InitiativeId, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """The chair concludes: recognised, or not with the reason for each unmet condition."""
    allowed(ctx.actor, commune_id, "council_chair")
    return answer(await commands.finalise(ctx, commune_id, Finalise(initiative_id=initiative_id)), response)


@router.get("/campaigns/{campaign_id}/progress")
async def progress(commune_id: CommuneId, campaign_id: CampaignId, actor: ActorDep, queries: QueriesDep,
                   clock: ClockDep) -> dict[str, Any]:
    """For the secretary and the chair: progress, aggregates, flags, normalised scores and ranking."""
    allowed(actor, commune_id, "secretary", "council_chair", "chairman")
    return await queries.progress(commune_id, campaign_id, local_date(clock.now()))


@router.get("/campaigns/{campaign_id}/my-queue")
async def my_queue(commune_id: CommuneId, campaign_id: CampaignId, actor: ActorDep, queries: QueriesDep,
                   clock: ClockDep) -> dict[str, Any]:
    """For a member: what is left to score, and what is conflicted (on the day asked)."""
    allowed(actor, commune_id, *MEMBERS)
    return await queries.queue(commune_id, campaign_id, actor.user_id, local_date(clock.now()))


@router.post("/campaigns/{campaign_id}/decision", status_code=201)
async def sign_decision(
    commune_id: CommuneId, campaign_id: CampaignId, body: DecisionIn, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """The chairman's recognition decision (number, date) with its annex of recognised initiatives."""
    allowed(ctx.actor, commune_id, "chairman")
    command = SignDecision(campaign_id=campaign_id, decision_number=body.decision_number,
                           decision_date=body.decision_date, signer=body.signer,
                           initiative_ids=tuple(body.initiative_ids))
    return answer(await commands.sign_decision(ctx, commune_id, command), response)


@router.post("/nominations", status_code=201)
async def nominate(
    commune_id: CommuneId, body: NominationIn, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """Nominate a recognised initiative to the city (at most the campaign's 1–2 a year)."""
    allowed(ctx.actor, commune_id, "secretary", "chairman")
    command = Nominate(initiative_id=body.initiative_id, reason=body.reason)
    return answer(await commands.nominate(ctx, commune_id, command), response)


@router.post("/nominations/{initiative_id}/withdraw")
async def withdraw_nomination(
    commune_id: CommuneId, initiative_id: InitiativeId, body: OptionalReasonIn, commands: CommandsDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    allowed(ctx.actor, commune_id, "secretary", "chairman")
    command = WithdrawNomination(initiative_id=initiative_id, reason=body.reason)
    return answer(await commands.withdraw_nomination(ctx, commune_id, command), response)


@router.get("/nominations")
async def list_nominations(commune_id: CommuneId, actor: ActorDep, queries: QueriesDep,
                           year: Annotated[int, Query(ge=2000, le=2100)]) -> dict[str, Any]:
    allowed(actor, commune_id)
    items = await queries.nominations(commune_id, year)
    return {"commune_id": commune_id, "year": year, "count": len(items), "items": items}


# -- documents ---------------------------------------------------------------------------------




def docx(data: bytes, filename: str) -> RawResponse:
    return RawResponse(data, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/initiatives/{initiative_id}/score-sheets/{member_id}.docx", response_class=RawResponse,
            responses=file_responses(DOCX))
async def score_sheet(commune_id: CommuneId, initiative_id: InitiativeId, member_id: Annotated[
        str, Path(pattern=TOKEN_PATTERN)], actor: ActorDep, documents: DocumentsDep, clock: ClockDep) -> RawResponse:
    """A member's score sheet (phiếu chấm điểm); blank when not scored yet, to fill by hand."""
    allowed(actor, commune_id)
    if actor.user_id != member_id:
        require_role(actor, "secretary", "council_chair", "chairman")
    data = await documents.score_sheet(commune_id, initiative_id, member_id, clock.now())
    return docx(data, f"phieu-cham-{member_id}.docx")


@router.get("/campaigns/{campaign_id}/minutes.docx", response_class=RawResponse, responses=file_responses(DOCX))
async def minutes(commune_id: CommuneId, campaign_id: CampaignId, actor: ActorDep, documents: DocumentsDep,
                  clock: ClockDep) -> RawResponse:
    """The council's minutes (biên bản): members, results in ranking order, reasons."""
    allowed(actor, commune_id, "secretary", "council_chair", "chairman")
    return docx(await documents.minutes(commune_id, campaign_id, clock.now()), f"bien-ban-{campaign_id}.docx")


@router.get("/campaigns/{campaign_id}/decision.docx", response_class=RawResponse, responses=file_responses(DOCX))
async def decision(commune_id: CommuneId, campaign_id: CampaignId, actor: ActorDep, documents: DocumentsDep,
                   clock: ClockDep) -> RawResponse:
    """The recognition decision with its annex: a draft until the chairman signs it."""
    allowed(actor, commune_id, "secretary", "chairman")
    return docx(await documents.decision(commune_id, campaign_id, clock.now()), f"quyet-dinh-{campaign_id}.docx")
