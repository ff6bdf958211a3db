"""HTTP routes of the replication service: the city's catalogue (every node, offline), adoptions and their
results (the adopting commune's secretary or chairman), the city's view and the PAR evidence pack."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Response

from reform_replication.application.commands import ReplicationCommands
from reform_replication.application.evidence import EvidencePacks
from reform_replication.application.files import CatalogueFiles
from reform_replication.application.queries import ReplicationQueries
from reform_replication.documents.chart import chart_of
from reform_replication.documents.report import replication_docx, replication_xlsx
from reform_replication.domain.adoption import AdoptInitiative, ReportResults
from reform_replication.entrypoints.schemas import AdoptionIn, ResultsIn
from reform_replication.wiring import ReplicationWiring
from reform_shared.envelope import TOKEN_PATTERN, Actor
from reform_shared.errors import Forbidden, InvalidInput
from reform_shared.events.submission import Indicator, UnitRef
from reform_shared.http.deps import (
    ActorDep,
    ClockDep,
    CommandContextDep,
    CommuneId,
    answer,
    part_of,
    require_commune,
    require_role,
)
from reform_shared.http.openapi import DOCX, SVG, XLSX, file_responses
from reform_shared.ids import VIETNAM

ZIP = "application/zip"
DECIDERS = ("secretary", "chairman")
EntryId = Annotated[str, Path(pattern=TOKEN_PATTERN)]
Year = Annotated[int, Path(ge=2000, le=2100)]
Words = Annotated[str | None, Query(max_length=200, description="words, case and diacritics ignored")]
CommandsDep = Annotated[ReplicationCommands, Depends(part_of(ReplicationWiring, lambda w: w.commands))]
QueriesDep = Annotated[ReplicationQueries, Depends(part_of(ReplicationWiring, lambda w: w.queries))]
PacksDep = Annotated[EvidencePacks, Depends(part_of(ReplicationWiring, lambda w: w.evidence))]
FilesDep = Annotated[CatalogueFiles, Depends(part_of(ReplicationWiring, lambda w: w.files))]
ATTACHMENT_TYPES = ("application/pdf", DOCX, XLSX, "image/jpeg", "image/png")
"""What an upload may be (the submission service's judge): what a catalogue file is served as."""
router = APIRouter(prefix="/api/v1", tags=["replication"])


def download(data: bytes, media: str, filename: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def may_read(actor: Actor, commune_id: str) -> None:
    """A commune's staff read their commune; city officers read every commune."""
    if actor.commune_id != commune_id and not actor.has_any("city_officer"):
        raise Forbidden(f"Tài khoản thuộc '{actor.commune_id}' không được xem số liệu của '{commune_id}'",
                        f"your account ({actor.commune_id}) may not read commune '{commune_id}'",
                        field="commune_id", rule="same_commune_or_city")


def decider(actor: Actor, commune_id: str) -> None:
    require_commune(actor, commune_id)
    require_role(actor, *DECIDERS)


@router.get("/catalogue")
async def catalogue(actor: ActorDep, queries: QueriesDep, q: Words = None, problem: Words = None,
                    field: Annotated[str | None, Query(max_length=20)] = None,
                    commune_id: Annotated[str | None, Query(pattern=TOKEN_PATTERN)] = None,
                    year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> dict[str, Any]:
    """The city's catalogue of recognised initiatives, from this node's own copy: by field, commune, year,
    words (`q`, in the title, summary, problem, solution, unit, indicators) and the problem it solves."""
    return await queries.catalogue(q=q, problem=problem, field=field, commune_id=commune_id, year=year)


@router.get("/catalogue/{entry_id}")
async def entry(entry_id: EntryId, actor: ActorDep, queries: QueriesDep) -> dict[str, Any]:
    return await queries.entry(entry_id)


@router.get("/catalogue/{entry_id}/files")
async def entry_files(entry_id: EntryId, actor: ActorDep, queries: QueriesDep, files: FilesDep) -> dict[str, Any]:
    """The entry's documents and whether each is on this node yet (it comes from the originating commune
    through the city; `on_this_node` false: still on its way)."""
    return {"entry_id": entry_id, "files": await files.availability(await queries.entry(entry_id))}


@router.get("/catalogue/{entry_id}/files/{attachment_id}", response_class=Response,
            responses=file_responses(*ATTACHMENT_TYPES))
async def entry_file(entry_id: EntryId, attachment_id: Annotated[str, Path(pattern=TOKEN_PATTERN)],
                     actor: ActorDep, queries: QueriesDep, files: FilesDep) -> Response:
    """One document of an entry, read from this node's own copy and checked against the catalogue's SHA-256
    (404 `not_yet_on_this_node` while it travels; 409 `checksum_matches` when what arrived does not match)."""
    ref, data = await files.read(await queries.entry(entry_id), attachment_id)
    return Response(data, media_type=ref.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(ref.filename)}", "X-Checksum-SHA256": ref.sha256})


@router.post("/communes/{commune_id}/adoptions", status_code=201)
async def adopt(commune_id: CommuneId, body: AdoptionIn, commands: CommandsDep, ctx: CommandContextDep,
                response: Response) -> dict[str, Any]:
    """The commune decides to apply another commune's initiative of the catalogue (once per initiative)."""
    decider(ctx.actor, commune_id)
    command = AdoptInitiative(commune_id=commune_id, entry_id=body.entry_id, unit=UnitRef(**body.unit.model_dump()),
                              responsible=body.responsible, since=body.since, adaptation=body.adaptation,
                              decision_number=body.decision_number)
    return answer(await commands.adopt(ctx, command), response)


@router.post("/communes/{commune_id}/adoptions/{entry_id}/results", status_code=201)
async def results(commune_id: CommuneId, entry_id: EntryId, body: ResultsIn, commands: CommandsDep,
                  ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """The results measured with the original's indicators (before and after); may be reported again later."""
    decider(ctx.actor, commune_id)
    command = ReportResults(commune_id=commune_id, entry_id=entry_id, measured_on=body.measured_on,
                            indicators=tuple(Indicator(**i.model_dump()) for i in body.indicators), note=body.note)
    return answer(await commands.report(ctx, command), response)


@router.get("/communes/{commune_id}/adoptions")
async def adoptions(commune_id: CommuneId, actor: ActorDep, queries: QueriesDep) -> dict[str, Any]:
    """What the commune adopted, and where (with what effect) its own initiatives are applied."""
    may_read(actor, commune_id)
    return await queries.adoptions_of(commune_id)


@router.get("/city/replication", responses=file_responses(DOCX, XLSX, json=True))
async def city_view(actor: ActorDep, queries: QueriesDep, clock: ClockDep,
                    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                    format: Literal["json", "docx", "xlsx"] = "json") -> Any:
    """The city's view: adoptions per initiative and per commune, effect against the original, the most
    adopted, the communes adopting nothing; DOCX/XLSX for the Departments of Home Affairs and of S&T."""
    require_role(actor, "city_officer", "city_council")
    view = await queries.view(year)
    name = f"nhan-rong-sang-kien-{year or 'tat-ca'}"
    if format == "docx":
        return download(replication_docx(view, clock.now().astimezone(VIETNAM).date(), year), DOCX, name + ".docx")
    if format == "xlsx":
        return download(replication_xlsx(view), XLSX, name + ".xlsx")
    return view


@router.get("/city/replication/charts/{name}.svg", response_class=Response, responses=file_responses(SVG))
async def city_chart(name: Literal["most-adopted", "communes"], actor: ActorDep, queries: QueriesDep,
                     year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    """The city view's charts, drawn on the server, every count beside its bar."""
    require_role(actor, "city_officer", "city_council")
    return Response(chart_of(name, await queries.view(year)), media_type=SVG)


EARLIEST_YEAR = 2000
"""No record is older (award years start there too); a ZIP cannot even date its files before 1980."""


@router.get("/communes/{commune_id}/evidence/{year}", responses=file_responses(ZIP, json=True))
async def evidence_pack(commune_id: CommuneId, year: Year, actor: ActorDep, packs: PacksDep, clock: ClockDep,
                        as_of: Annotated[dt.datetime | None, Query(description="ISO 8601 with a timezone")] = None,
                        format: Literal["json", "zip"] = "json") -> Any:
    """The PAR evidence pack of a commune and year as of a moment (now by default), replayed from the record:
    `format=zip` bundles the report (DOCX, XLSX), the figures and the recognised initiatives' files."""
    may_read(actor, commune_id)
    now = clock.now()
    if as_of is not None and as_of.tzinfo is None:
        raise InvalidInput("as_of cần có múi giờ, ví dụ 2027-09-30T17:00:00+07:00", "as_of needs a timezone",
                           field="as_of", rule="timezone_aware")
    if as_of is not None and as_of.year < EARLIEST_YEAR:
        raise InvalidInput(f"Thời điểm số liệu phải từ năm {EARLIEST_YEAR} trở đi",
                           f"as_of must be in {EARLIEST_YEAR} or later", field="as_of", rule="as_of_in_range")
    if as_of is not None and as_of > now:
        raise InvalidInput("Thời điểm số liệu không được ở tương lai", "as_of cannot be in the future",
                           field="as_of", rule="as_of_not_in_future")
    moment = as_of or now
    if format == "zip":
        return download(await packs.bundle(commune_id, year, moment), ZIP, f"minh-chung-par-{commune_id}-{year}.zip")
    figures, documents = await packs.figures(commune_id, year, moment)
    return {**figures, "documents": documents}
