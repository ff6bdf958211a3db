"""HTTP routes of the commune's profile, under /api/v1/communes/{commune_id}/profile.

The commune's administrator (and its secretary, who drafts the documents) keep it; everyone of the commune
with a role reads it (a city officer every commune's): it is what every document prints.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, StringConstraints

from reform_directory.application.profile import ProfileCommands, profile_json
from reform_directory.domain.profile import AppointSigner, EndSignerTerm, ProfileCommand, SetProfile
from reform_directory.entrypoints.http import dated, reader, today
from reform_directory.entrypoints.schemas import Reason, Slug
from reform_directory.wiring import DirectoryWiring
from reform_shared.commands import CommandContext
from reform_shared.envelope import TOKEN_PATTERN
from reform_shared.events.profile import CommuneLevel, DefaultDeadlines, ProfileEntry, SignerEntry, SignerRole
from reform_shared.http.deps import ActorDep, ClockDep, CommandContextDep, answer, part_of
from reform_shared.text import Printable

CommuneId = Annotated[str, Path(pattern=TOKEN_PATTERN)]
SignerId = Annotated[str, Path(pattern=TOKEN_PATTERN)]
Suffix = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                          pattern=r"^[A-ZĐ0-9][A-ZĐ0-9.-]*$")]
Name120 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), Printable]
"""As long as the profile's contract keeps (ProfileEntry, SignerEntry): a longer one is a 422 naming its field."""
Short120 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120), Printable]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), Printable]
ProfileDep = Annotated[ProfileCommands, Depends(part_of(DirectoryWiring, lambda w: w.profile))]

router = APIRouter(prefix="/api/v1/communes/{commune_id}/profile", tags=["profile"])


class _Dated(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective: dt.date | None = None


class ProfileIn(_Dated):
    """The whole profile from `effective` (today when left out)."""

    name: Name120
    level: CommuneLevel = "xa"
    address: Address = ""
    secretariat: Name120 = "Phòng Văn hóa - Xã hội"
    decision_suffix: Suffix = "QĐ-UBND"
    letter_suffix: Suffix = "UBND-VHXH"
    deadlines: DefaultDeadlines = DefaultDeadlines()


class SignerIn(_Dated):
    signer_id: Slug
    full_name: Name120
    role: SignerRole = "chairman"
    title: Short120 = ""


class TermEndIn(_Dated):
    reason: Reason = ""


async def _run(profile: ProfileCommands, ctx: CommandContext, command: ProfileCommand, response: Response,
               ) -> dict[str, Any]:
    return answer(await profile.run(ctx, command), response)


@router.get("")
async def read_profile(commune_id: CommuneId, actor: ActorDep, clock: ClockDep, profile: ProfileDep,
                       on: Annotated[dt.date | None, Query()] = None) -> dict[str, Any]:
    """The profile in force on `on` (today by default), who signs that day, and the whole history."""
    reader(actor, commune_id)
    return profile_json(commune_id, await profile.view(commune_id), on or today(clock))


@router.put("")
async def set_profile(commune_id: CommuneId, body: ProfileIn, profile: ProfileDep, ctx: CommandContextDep,
                      response: Response) -> dict[str, Any]:
    effective = dated(ctx, commune_id, body.effective)
    entry = ProfileEntry(**body.model_dump(exclude={"effective"}))
    return await _run(profile, ctx, SetProfile(commune_id=commune_id, effective=effective, profile=entry), response)


@router.post("/signers", status_code=201)
async def appoint_signer(commune_id: CommuneId, body: SignerIn, profile: ProfileDep, ctx: CommandContextDep,
                         response: Response) -> dict[str, Any]:
    """A chairman or vice chairman takes office from `effective` (a new chairman ends the previous one's term)."""
    effective = dated(ctx, commune_id, body.effective)
    signer = SignerEntry(**body.model_dump(exclude={"effective"}))
    return await _run(profile, ctx, AppointSigner(commune_id=commune_id, effective=effective, signer=signer),
                      response)


@router.post("/signers/{signer_id}/end")
async def end_term(commune_id: CommuneId, signer_id: SignerId, body: TermEndIn, profile: ProfileDep,
                   ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """From `effective` the signer holds office no more."""
    effective = dated(ctx, commune_id, body.effective)
    command = EndSignerTerm(commune_id=commune_id, effective=effective, signer_id=signer_id, reason=body.reason)
    return await _run(profile, ctx, command, response)
