"""Request and response schemas of the HTTP API (apart from events and storage documents)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from reform_shared.envelope import TOKEN_PATTERN

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Token = Annotated[str, StringConstraints(pattern=TOKEN_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitIn(Strict):
    unit_id: Token
    name: Text


class LegalBasisIn(Strict):
    document_number: Text
    document_date: dt.date


class CampaignCreate(Strict):
    campaign_id: Token | None = None
    year: int = Field(ge=2000, le=2100)
    title: Text
    legal_basis: LegalBasisIn | None = None
    fields: list[Annotated[str, StringConstraints(max_length=4)]] = Field(min_length=1, max_length=20)
    submission_opens_at: AwareDatetime
    submission_closes_at: AwareDatetime
    evaluation_deadline: dt.date | None = None
    recognition_deadline: dt.date | None = None
    nomination_deadline: dt.date | None = None
    max_nominations: int = Field(default=2, ge=1, le=2)
    expected_units: list[UnitIn] = Field(default_factory=list, max_length=200)


class AuthorIn(Strict):
    user_id: Token | None = None
    name: Text
    position: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    unit_id: Token | None = None


class InitiativeCreate(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=300)]
    unit: UnitIn
    author_kind: Literal["individual", "collective"] = "individual"
    authors: list[AuthorIn] = Field(default_factory=list, max_length=20)
    field: Annotated[str, StringConstraints(max_length=4)]
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=5_000)]
    problem: LongText = ""
    solution: LongText = ""
    novelty: LongText = ""
    effectiveness: LongText = ""
    replication_scope: LongText = ""


class Created(BaseModel):
    id: str
    version: int
    event_id: str
    stream_sequence: int
    occurred_at: str
