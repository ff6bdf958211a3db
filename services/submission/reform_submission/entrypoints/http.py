"""HTTP routes of the submission service. Thin: parse, check identity, call one handler."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Header, Path, Query, Response, UploadFile
from fastapi.responses import Response as RawResponse

from reform_shared.envelope import TOKEN_PATTERN, Actor
from reform_shared.errors import NotFound
from reform_shared.events import CampaignTerms
from reform_shared.http.deps import (
    ActorDep,
    ClockDep,
    CommandContextDep,
    PathId,
    answer,
    part_of,
    require_commune,
    require_role,
)
from reform_shared.http.openapi import CSV, DOCX, file_responses
from reform_shared.ids import new_id
from reform_shared.sheets import register_download
from reform_submission.adapters.attachments import JPEG, PDF, PNG, XLSX
from reform_submission.application.register import COLUMNS as REGISTER
from reform_submission.application.service import SubmissionService
from reform_submission.domain.commands import (
    AmendCampaign,
    CloseSubmissions,
    LaunchCampaign,
    ReturnInitiative,
    ReviseInitiative,
    SubmitInitiative,
    WithdrawInitiative,
)
from reform_submission.entrypoints.schemas import (
    CampaignCreate,
    CampaignTermsIn,
    Created,
    InitiativeIn,
    InitiativeRevision,
    ReasonOptional,
    ReasonRequired,
)
from reform_submission.wiring import SubmissionWiring

CommuneId = Annotated[str, Path(pattern=TOKEN_PATTERN, description="commune id, e.g. ninh-giang")]
CampaignId = PathId
InitiativeId = PathId
Filter = Annotated[str | None, Query(max_length=100)]
MAX_SKIP = 100_000
"""Paging deeper than this is a search, not a page; and MongoDB takes a 64-bit skip at most."""
MAX_REVISION = 10_000
WRITERS = ("submitter", "unit_head", "secretary")
ATTACHMENT_TYPES = (PDF, DOCX, XLSX, JPEG, PNG)




ServiceDep = Annotated[SubmissionService, Depends(part_of(SubmissionWiring, lambda w: w.service))]




def staff_of(actor: Actor, commune_id: str, *roles: str) -> None:
    require_commune(actor, commune_id)
    if roles:
        require_role(actor, *roles)


router = APIRouter(prefix="/api/v1/communes/{commune_id}", tags=["submission"])


# -- campaigns ---------------------------------------------------------------------------------
@router.post("/campaigns", status_code=201, response_model=Created)
async def launch_campaign(
    commune_id: CommuneId, body: CampaignCreate, service: ServiceDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    staff_of(ctx.actor, commune_id, "secretary")
    terms = CampaignTerms.model_validate(body.model_dump(exclude={"campaign_id", "year"}))
    command = LaunchCampaign(campaign_id=body.campaign_id or new_id(), year=body.year, terms=terms)
    return answer(await service.commands.launch_campaign(ctx, commune_id, command), response)


@router.put("/campaigns/{campaign_id}", response_model=Created)
async def amend_campaign(
    commune_id: CommuneId, campaign_id: CampaignId, body: CampaignTermsIn, service: ServiceDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """Replace the campaign's terms; only before its submission window opens."""
    staff_of(ctx.actor, commune_id, "secretary")
    command = AmendCampaign(campaign_id=campaign_id, terms=CampaignTerms.model_validate(body.model_dump()))
    return answer(await service.commands.amend_campaign(ctx, commune_id, command), response)


@router.post("/campaigns/{campaign_id}/close", response_model=Created)
async def close_submissions(
    commune_id: CommuneId, campaign_id: CampaignId, body: ReasonOptional, service: ServiceDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """Close submissions before the deadline (at the deadline they close by themselves)."""
    staff_of(ctx.actor, commune_id, "secretary")
    command = CloseSubmissions(campaign_id=campaign_id, reason=body.reason)
    return answer(await service.commands.close_submissions(ctx, commune_id, command), response)


@router.get("/campaigns")
async def list_campaigns(commune_id: CommuneId, actor: ActorDep, service: ServiceDep) -> dict[str, Any]:
    staff_of(actor, commune_id)
    items = await service.queries.campaigns(commune_id)
    return {"commune_id": commune_id, "count": len(items), "items": items}


@router.get("/campaigns/{campaign_id}")
async def get_campaign(
    commune_id: CommuneId, campaign_id: CampaignId, actor: ActorDep, service: ServiceDep, clock: ClockDep
) -> dict[str, Any]:
    staff_of(actor, commune_id)
    return await service.campaign_view(commune_id, campaign_id, clock.now())


@router.get("/campaigns/{campaign_id}/units-without-initiatives")
async def units_without_initiatives(
    commune_id: CommuneId, campaign_id: CampaignId, actor: ActorDep, service: ServiceDep
) -> dict[str, Any]:
    """The expected units that have not proposed an initiative yet (each must propose ≥ 1 a year)."""
    staff_of(actor, commune_id)
    report = await service.queries.units_without_initiatives(commune_id, campaign_id)
    if report is None:
        raise NotFound(f"Không tìm thấy đợt phát động {campaign_id}", f"no campaign {campaign_id}",
                       field="campaign_id")
    return report


# -- initiatives -------------------------------------------------------------------------------
@router.post("/campaigns/{campaign_id}/initiatives", status_code=201, response_model=Created)
async def submit_initiative(
    commune_id: CommuneId, campaign_id: CampaignId, body: InitiativeIn, service: ServiceDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    staff_of(ctx.actor, commune_id, *WRITERS)
    content = await service.content_of(
        commune_id, body.model_dump(exclude={"attachment_ids", "note"}), body.attachment_ids)
    command = SubmitInitiative(campaign_id=campaign_id, content=content)
    return answer(await service.commands.submit_initiative(ctx, commune_id, command), response)


@router.put("/initiatives/{initiative_id}", response_model=Created)
async def revise_initiative(
    commune_id: CommuneId, initiative_id: InitiativeId, body: InitiativeRevision, service: ServiceDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """A new version of the dossier (every version is kept): before the deadline, or after a return."""
    staff_of(ctx.actor, commune_id, *WRITERS)
    content = await service.content_of(
        commune_id, body.model_dump(exclude={"attachment_ids", "note"}), body.attachment_ids)
    command = ReviseInitiative(initiative_id=initiative_id, content=content, note=body.note)
    return answer(await service.commands.revise_initiative(ctx, commune_id, command), response)


@router.post("/initiatives/{initiative_id}/return", response_model=Created)
async def return_initiative(
    commune_id: CommuneId, initiative_id: InitiativeId, body: ReasonRequired, service: ServiceDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """The secretariat returns an incomplete dossier to its author, with the reason."""
    staff_of(ctx.actor, commune_id, "secretary")
    command = ReturnInitiative(initiative_id=initiative_id, reason=body.reason)
    return answer(await service.commands.return_initiative(ctx, commune_id, command), response)


@router.post("/initiatives/{initiative_id}/withdraw", response_model=Created)
async def withdraw_initiative(
    commune_id: CommuneId, initiative_id: InitiativeId, body: ReasonOptional, service: ServiceDep,
    ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    staff_of(ctx.actor, commune_id, *WRITERS)
    command = WithdrawInitiative(initiative_id=initiative_id, reason=body.reason)
    return answer(await service.commands.withdraw_initiative(ctx, commune_id, command), response)


@router.get("/initiatives", responses=file_responses(CSV, XLSX, json=True))
async def list_initiatives(
    commune_id: CommuneId, actor: ActorDep, service: ServiceDep,
    campaign_id: Filter = None, field: Filter = None, unit_id: Filter = None,
    status: Filter = None, author: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=200, description="title or summary, diacritics optional")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200, skip: Annotated[int, Query(ge=0, le=MAX_SKIP)] = 0,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Any:
    """The dossier register, filtered; `format=csv|xlsx` exports every match (no paging) with Vietnamese headers."""
    staff_of(actor, commune_id)
    every = format != "json"
    total, items = await service.queries.initiatives(
        commune_id, campaign_id=campaign_id, field=field, unit_id=unit_id, status=status, author=author, text=q,
        limit=0 if every else limit, skip=0 if every else skip,
    )
    if format != "json":
        return register_download(REGISTER, items, format, f"so-ho-so-sang-kien-{commune_id}",
                                 f"Sổ theo dõi hồ sơ sáng kiến — {commune_id}")
    return {"commune_id": commune_id, "total": total, "count": len(items), "items": items}


@router.get("/initiatives/{initiative_id}")
async def get_initiative(
    commune_id: CommuneId, initiative_id: InitiativeId, actor: ActorDep, service: ServiceDep
) -> dict[str, Any]:
    staff_of(actor, commune_id)
    return await service.initiative_view(commune_id, initiative_id)


@router.get("/initiatives/{initiative_id}/history")
async def initiative_history(
    commune_id: CommuneId, initiative_id: InitiativeId, actor: ActorDep, service: ServiceDep
) -> dict[str, Any]:
    """Every event of the initiative, with every version of the dossier."""
    staff_of(actor, commune_id)
    return await service.history_view(commune_id, initiative_id)


@router.get("/initiatives/{initiative_id}/dossier.docx", response_class=RawResponse, responses=file_responses(DOCX))
async def dossier(
    commune_id: CommuneId, initiative_id: InitiativeId, actor: ActorDep, service: ServiceDep,
    revision: Annotated[int | None, Query(ge=1, le=MAX_REVISION)] = None,
) -> RawResponse:
    """The printable dossier (DOCX, Vietnamese initiative form); any revision."""
    staff_of(actor, commune_id)
    data, filename = await service.dossier_docx(commune_id, initiative_id, revision)
    return RawResponse(data, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# -- attachments -------------------------------------------------------------------------------
@router.post("/attachments", status_code=201)
async def upload_attachment(
    commune_id: CommuneId, actor: ActorDep, service: ServiceDep, file: Annotated[UploadFile, File()],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> dict[str, Any]:
    """Store a file (PDF, DOCX, XLSX, JPEG, PNG — judged by content); reference its id in a dossier. Under an
    Idempotency-Key, the same file sent again is the same attachment (409 for another file under that key)."""
    staff_of(actor, commune_id, *WRITERS)
    data = await file.read()
    ref = await service.attachments.save(commune_id=commune_id, uploaded_by=actor.user_id,
                                         filename=file.filename or "tep-dinh-kem", data=data, key=idempotency_key)
    return ref.model_dump()


@router.get("/attachments/{attachment_id}", response_class=RawResponse, responses=file_responses(*ATTACHMENT_TYPES))
async def download_attachment(
    commune_id: CommuneId, attachment_id: Annotated[str, Path(max_length=64)], actor: ActorDep, service: ServiceDep
) -> RawResponse:
    staff_of(actor, commune_id)
    ref, data = await service.attachments.read(commune_id, attachment_id)
    return RawResponse(data, media_type=ref.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(ref.filename)}", "X-Checksum-SHA256": ref.sha256})
