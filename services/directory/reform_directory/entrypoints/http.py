"""HTTP routes of the directory service, under /api/v1/communes/{commune_id}/directory.

The secretary and the administrator keep the directory; everyone of the commune with a role reads names and
units (a city officer reads every commune's); contacts only the secretary, the administrator and operators.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile
from fastapi.responses import Response as RawResponse

from reform_directory.adapters.template import template_xlsx
from reform_directory.application.commands import DirectoryCommands
from reform_directory.application.queries import DirectoryQueries
from reform_directory.application.register import UNIT_COLUMNS, flat_units, official_columns
from reform_directory.domain import commands as c
from reform_directory.domain import rules
from reform_directory.entrypoints.schemas import (
    CloseIn,
    DepartureIn,
    HeadIn,
    MoveIn,
    OfficialDetailsIn,
    OfficialIn,
    RolesIn,
    Slug,
    UnitChangeIn,
    UnitIn,
)
from reform_directory.wiring import DirectoryWiring
from reform_shared.commands import CommandContext
from reform_shared.envelope import TOKEN_PATTERN, Actor
from reform_shared.errors import PayloadTooLarge
from reform_shared.events.directory import OfficialEntry, UnitEntry
from reform_shared.http.deps import (
    ActorDep,
    ClockDep,
    CommandContextDep,
    answer,
    part_of,
    require_commune,
    require_role,
)
from reform_shared.http.openapi import CSV, XLSX, file_responses
from reform_shared.ids import VIETNAM, Clock
from reform_shared.sheets import register_download

WRITERS = ("secretary", "administrator")
MAX_IMPORT_BYTES = 1024 * 1024
CommuneId = Annotated[str, Path(pattern=TOKEN_PATTERN)]
UnitId = Annotated[str, Path(pattern=TOKEN_PATTERN)]
OfficialId = Annotated[str, Path(pattern=TOKEN_PATTERN)]
SheetQuery = Literal["json", "csv", "xlsx"]
OnQuery = Annotated[dt.date | None, Query(description="the day asked about (today in Vietnam by default)")]
CommandsDep = Annotated[DirectoryCommands, Depends(part_of(DirectoryWiring, lambda w: w.commands))]
QueriesDep = Annotated[DirectoryQueries, Depends(part_of(DirectoryWiring, lambda w: w.queries))]

router = APIRouter(prefix="/api/v1/communes/{commune_id}/directory", tags=["directory"])


def today(clock: Clock) -> dt.date:
    return clock.now().astimezone(VIETNAM).date()


def reader(actor: Actor, commune_id: str) -> None:
    if not actor.has_any("city_officer"):
        require_commune(actor, commune_id)


def writer(ctx: CommandContext, commune_id: str) -> dt.date:
    """The commune's secretary or administrator; returns today (the default effective date)."""
    require_commune(ctx.actor, commune_id)
    require_role(ctx.actor, *WRITERS)
    return today(ctx.clock)


def dated(ctx: CommandContext, commune_id: str, effective: dt.date | None) -> dt.date:
    """The writer checked, and the command's effective date (today when the body gives none)."""
    day = writer(ctx, commune_id)
    return effective or day


async def run(commands: DirectoryCommands, ctx: CommandContext, command: c.DirectoryCommand, response: Response,
              ) -> dict[str, Any]:
    return answer(await commands.run(ctx, command), response)


# -- units ------------------------------------------------------------------------------------------------
@router.get("/units", responses=file_responses(CSV, XLSX, json=True))
async def units(commune_id: CommuneId, actor: ActorDep, clock: ClockDep, queries: QueriesDep, on: OnQuery = None,
                include_closed: bool = False, format: SheetQuery = "json") -> Any:
    """The units as a tree, with each one's head and number of officials on that day; `format=csv|xlsx`."""
    reader(actor, commune_id)
    day = on or today(clock)
    found = await queries.units(commune_id, day, include_closed)
    if format != "json":
        return register_download(UNIT_COLUMNS, list(flat_units(found["units"])), format,
                                 f"don-vi-{commune_id}-{day.isoformat()}", f"Danh sách đơn vị — {commune_id}")
    return found


@router.post("/units", status_code=201)
async def add_unit(commune_id: CommuneId, body: UnitIn, commands: CommandsDep, ctx: CommandContextDep,
                   response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    unit = UnitEntry(unit_id=body.unit_id, name=body.name, kind=body.kind, parent_id=body.parent_id)
    return await run(commands, ctx, c.AddUnit(commune_id=commune_id, effective=effective, unit=unit), response)


@router.put("/units/{unit_id}")
async def update_unit(commune_id: CommuneId, unit_id: UnitId, body: UnitChangeIn, commands: CommandsDep,
                      ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    unit = UnitEntry(unit_id=unit_id, name=body.name, kind=body.kind, parent_id=body.parent_id)
    return await run(commands, ctx, c.UpdateUnit(commune_id=commune_id, effective=effective, unit=unit), response)


@router.post("/units/{unit_id}/close")
async def close_unit(commune_id: CommuneId, unit_id: UnitId, body: CloseIn, commands: CommandsDep,
                     ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    return await run(commands, ctx, c.CloseUnit(commune_id=commune_id, effective=effective, unit_id=unit_id,
                                                reason=body.reason), response)


@router.get("/units/{unit_id}/head")
async def head(commune_id: CommuneId, unit_id: UnitId, actor: ActorDep, clock: ClockDep, queries: QueriesDep,
               on: OnQuery = None) -> dict[str, Any]:
    """Who heads the unit on that day, and every term (who headed it when)."""
    reader(actor, commune_id)
    return await queries.head(commune_id, unit_id, on or today(clock))


@router.put("/units/{unit_id}/head")
async def appoint_head(commune_id: CommuneId, unit_id: UnitId, body: HeadIn, commands: CommandsDep,
                       ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    command = c.AppointHead(commune_id=commune_id, effective=effective, unit_id=unit_id,
                            official_id=body.official_id, move_into=body.move_into)
    return await run(commands, ctx, command, response)


@router.post("/units/{unit_id}/head/vacate")
async def vacate_head(commune_id: CommuneId, unit_id: UnitId, body: CloseIn, commands: CommandsDep,
                      ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    return await run(commands, ctx, c.VacateHead(commune_id=commune_id, effective=effective, unit_id=unit_id),
                     response)


# -- officials --------------------------------------------------------------------------------------------
@router.get("/officials", responses=file_responses(CSV, XLSX, json=True))
async def officials(commune_id: CommuneId, actor: ActorDep, clock: ClockDep, queries: QueriesDep,
                    unit_id: Annotated[Slug | None, Query()] = None, active: bool | None = True,
                    on: OnQuery = None, format: SheetQuery = "json") -> Any:
    """Officials on that day, by unit, active (default), departed (`active=false`) or all (`active=` empty);
    `format=csv|xlsx` (contacts only for those who see them)."""
    reader(actor, commune_id)
    day = on or today(clock)
    found = await queries.officials(commune_id, day, actor, unit_id, active)
    if format != "json":
        return register_download(official_columns(found["items"]), found["items"], format,
                                 f"can-bo-{commune_id}-{day.isoformat()}", f"Danh sách cán bộ — {commune_id}")
    return found


@router.post("/officials", status_code=201)
async def register_official(commune_id: CommuneId, body: OfficialIn, commands: CommandsDep, ctx: CommandContextDep,
                            response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    official = OfficialEntry(official_id=body.official_id, full_name=body.full_name, position=body.position,
                             category=body.category, unit_id=body.unit_id,
                             email=body.email.lower() if body.email else None,
                             phone=rules.normal_phone(body.phone) or None, roles=tuple(body.roles))
    command = c.RegisterOfficial(commune_id=commune_id, effective=effective, official=official)
    return await run(commands, ctx, command, response)


@router.get("/officials/{official_id}")
async def official(commune_id: CommuneId, official_id: OfficialId, actor: ActorDep, clock: ClockDep,
                   queries: QueriesDep, on: OnQuery = None) -> dict[str, Any]:
    """One official on that day, with their whole history and head terms."""
    reader(actor, commune_id)
    return await queries.official(commune_id, official_id, on or today(clock), actor)


@router.put("/officials/{official_id}")
async def update_official(commune_id: CommuneId, official_id: OfficialId, body: OfficialDetailsIn,
                          commands: CommandsDep, ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    command = c.UpdateOfficial(commune_id=commune_id, effective=effective, official_id=official_id,
                               full_name=body.full_name, position=body.position, category=body.category,
                               email=body.email.lower() if body.email else None,
                               phone=rules.normal_phone(body.phone) or None)
    return await run(commands, ctx, command, response)


@router.post("/officials/{official_id}/move")
async def move_official(commune_id: CommuneId, official_id: OfficialId, body: MoveIn, commands: CommandsDep,
                        ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    command = c.MoveOfficial(commune_id=commune_id, effective=effective, official_id=official_id,
                             unit_id=body.unit_id, position=body.position)
    return await run(commands, ctx, command, response)


@router.put("/officials/{official_id}/roles")
async def change_roles(commune_id: CommuneId, official_id: OfficialId, body: RolesIn, commands: CommandsDep,
                       ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    command = c.ChangeRoles(commune_id=commune_id, effective=effective, official_id=official_id,
                            roles=tuple(body.roles))
    return await run(commands, ctx, command, response)


@router.post("/officials/{official_id}/departure")
async def record_departure(commune_id: CommuneId, official_id: OfficialId, body: DepartureIn,
                           commands: CommandsDep, ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    command = c.RecordDeparture(commune_id=commune_id, effective=effective, official_id=official_id,
                                reason=body.reason)
    return await run(commands, ctx, command, response)


@router.get("/lookup")
async def lookup(commune_id: CommuneId, actor: ActorDep, clock: ClockDep, queries: QueriesDep,
                 official_id: Annotated[Slug | None, Query()] = None, unit_id: Annotated[Slug | None, Query()] = None,
                 on: OnQuery = None) -> dict[str, Any]:
    """Is this official (active) or this unit (open) in the directory on that day?"""
    reader(actor, commune_id)
    return await queries.lookup(commune_id, on or today(clock), official_id, unit_id)


# -- import -----------------------------------------------------------------------------------------------
@router.post("/import", status_code=201)
async def import_directory(
    commune_id: CommuneId, commands: CommandsDep, ctx: CommandContextDep, response: Response,
    file: Annotated[UploadFile, File(description="XLSX or CSV (UTF-8, `,` or `;`), headers as in the template")],
    effective: Annotated[dt.date | None, Form()] = None,
    dry_run: Annotated[bool, Query(description="plan only: what would change, nothing recorded")] = False,
) -> dict[str, Any]:
    """Import the commune's spreadsheet whole (one event), or say every row that cannot be (422, nothing
    imported). `dry_run=true` previews the changes."""
    day = writer(ctx, commune_id)
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"Tệp nhập vượt quá {MAX_IMPORT_BYTES} byte", f"the file exceeds {MAX_IMPORT_BYTES} "
                              "bytes", field="file", rule="max_import_bytes")
    result = await commands.import_sheet(ctx, commune_id, effective or day, data, file.filename or "", dry_run)
    if dry_run:
        response.status_code = 200  # a preview records nothing
    return answer(result, response)


@router.get("/import/template.xlsx", response_class=RawResponse, responses=file_responses(XLSX))
async def import_template(commune_id: CommuneId, actor: ActorDep) -> RawResponse:
    """The spreadsheet to fill in: a units sheet and an officials sheet with the headers the import reads."""
    reader(actor, commune_id)
    return RawResponse(template_xlsx(), media_type=XLSX,
                       headers={"Content-Disposition": 'attachment; filename="mau-danh-ba.xlsx"'})
