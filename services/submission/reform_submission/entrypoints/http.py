"""HTTP routes of the submission service. Thin: parse, check identity, call one handler."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response

from reform_shared.commands import CommandContext
from reform_shared.envelope import TOKEN_PATTERN, Actor
from reform_shared.errors import NotFound
from reform_shared.events import AuthorRef, CampaignLaunched, InitiativeSubmitted, UnitRef
from reform_shared.events.submission import LegalBasis
from reform_shared.http.deps import ActorDep, IdempotencyKeyHeader, require_commune, require_role
from reform_shared.idempotency import CommandResult
from reform_shared.ids import Clock, new_id
from reform_submission.application.commands import SubmissionCommands
from reform_submission.entrypoints.schemas import CampaignCreate, Created, InitiativeCreate

CommuneId = Annotated[str, Path(pattern=TOKEN_PATTERN, description="commune id, e.g. an-lao")]
CampaignId = Annotated[str, Path(pattern=TOKEN_PATTERN)]


def get_commands(request: Request) -> SubmissionCommands:
    commands: SubmissionCommands = request.app.state.commands
    return commands


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


CommandsDep = Annotated[SubmissionCommands, Depends(get_commands)]
ClockDep = Annotated[Clock, Depends(get_clock)]
CorrelationHeader = Annotated[str | None, Header(alias="X-Correlation-Id", max_length=100)]


def context(actor: Actor, clock: Clock, key: str | None, correlation: str | None) -> CommandContext:
    return CommandContext(actor=actor, clock=clock, correlation_id=correlation or new_id(), idempotency_key=key)


def answer(result: CommandResult, response: Response) -> dict[str, Any]:
    response.status_code = result.status_code
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result.body


router = APIRouter(prefix="/api/v1/communes/{commune_id}", tags=["submission"])


@router.post("/campaigns", status_code=201, response_model=Created)
async def launch_campaign(
    commune_id: CommuneId,
    body: CampaignCreate,
    actor: ActorDep,
    commands: CommandsDep,
    clock: ClockDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
    correlation_id: CorrelationHeader = None,
) -> dict[str, Any]:
    require_commune(actor, commune_id)
    require_role(actor, "secretary")
    launched = CampaignLaunched(
        campaign_id=body.campaign_id or new_id(),
        year=body.year,
        title=body.title,
        legal_basis=LegalBasis(**body.legal_basis.model_dump()) if body.legal_basis else None,
        fields=tuple(body.fields),
        submission_opens_at=body.submission_opens_at,
        submission_closes_at=body.submission_closes_at,
        evaluation_deadline=body.evaluation_deadline,
        recognition_deadline=body.recognition_deadline,
        nomination_deadline=body.nomination_deadline,
        max_nominations=body.max_nominations,
        expected_units=tuple(UnitRef(**unit.model_dump()) for unit in body.expected_units),
    )
    result = await commands.launch_campaign(
        context(actor, clock, idempotency_key, correlation_id), commune_id, launched
    )
    return answer(result, response)


@router.get("/campaigns/{campaign_id}")
async def get_campaign(
    commune_id: CommuneId, campaign_id: CampaignId, actor: ActorDep, commands: CommandsDep
) -> dict[str, Any]:
    require_commune(actor, commune_id)
    campaign = await commands.load_campaign(commune_id, campaign_id)
    if campaign is None:
        raise NotFound(f"Không tìm thấy đợt phát động {campaign_id}", f"no campaign {campaign_id}", field="campaign_id")
    return {
        "campaign_id": campaign.campaign_id,
        "year": campaign.year,
        "title": campaign.title,
        "fields": list(campaign.fields),
        "submission_opens_at": campaign.opens_at.isoformat(),
        "submission_closes_at": campaign.closes_at.isoformat(),
        "max_nominations": campaign.max_nominations,
    }


@router.post("/campaigns/{campaign_id}/initiatives", status_code=201, response_model=Created)
async def submit_initiative(
    commune_id: CommuneId,
    campaign_id: CampaignId,
    body: InitiativeCreate,
    actor: ActorDep,
    commands: CommandsDep,
    clock: ClockDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
    correlation_id: CorrelationHeader = None,
) -> dict[str, Any]:
    require_commune(actor, commune_id)
    require_role(actor, "submitter", "unit_head", "secretary")
    submitted = InitiativeSubmitted(
        initiative_id=new_id(),
        campaign_id=campaign_id,
        title=body.title,
        unit=UnitRef(**body.unit.model_dump()),
        author_kind=body.author_kind,
        authors=tuple(AuthorRef(**author.model_dump()) for author in body.authors),
        field=body.field,
        summary=body.summary,
        problem=body.problem,
        solution=body.solution,
        novelty=body.novelty,
        effectiveness=body.effectiveness,
        replication_scope=body.replication_scope,
    )
    request = {"campaign_id": campaign_id, **body.model_dump(mode="json")}
    result = await commands.submit_initiative(
        context(actor, clock, idempotency_key, correlation_id), commune_id, submitted, request
    )
    return answer(result, response)
