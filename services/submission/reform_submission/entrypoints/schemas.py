"""Request schemas of the HTTP API (apart from events and storage documents)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from reform_shared.http.schemas import Reason, Strict, Text, Token
from reform_shared.text import Printable

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), Printable]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000), Printable]
Code = Annotated[str, StringConstraints(max_length=4), Printable]
Measure = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
"""An indicator's value: finite (JSON has no NaN, and Python's parser would let one in)."""



class UnitIn(Strict):
    unit_id: Token
    name: Text


class LegalBasisIn(Strict):
    document_number: Text
    document_date: dt.date


class CampaignTermsIn(Strict):
    title: Text
    commune_name: Short = ""
    legal_basis: LegalBasisIn | None = None
    fields: list[Code] = Field(min_length=1, max_length=20)
    sub_areas: list[Text] = Field(default_factory=list, max_length=30)
    submission_opens_at: AwareDatetime
    submission_closes_at: AwareDatetime
    evaluation_deadline: dt.date | None = None
    recognition_deadline: dt.date | None = None
    nomination_deadline: dt.date | None = None
    max_nominations: int = Field(default=2, ge=1, le=2)
    expected_units: list[UnitIn] = Field(default_factory=list, max_length=200)


class CampaignCreate(CampaignTermsIn):
    campaign_id: Token | None = None
    year: int = Field(ge=2000, le=2100)


class AuthorIn(Strict):
    user_id: Token | None = None
    name: Text
    position: Short = ""
    unit_id: Token | None = None
    commune_id: Token | None = None


class NoveltyIn(Strict):
    kind: Literal["first_applied", "trial"] = "first_applied"
    where: Short = ""
    since: dt.date | None = None
    description: LongText = ""


class IndicatorIn(Strict):
    name: Text
    unit: Short = ""
    before: Measure | None = None
    after: Measure | None = None


class EffectivenessIn(Strict):
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=30)
    expected_benefit: LongText = ""
    description: LongText = ""


class InitiativeIn(Strict):
    """The dossier an author writes; `attachment_ids` come from POST .../attachments."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=300), Printable]
    unit: UnitIn
    author_kind: Literal["individual", "collective"] = "individual"
    authors: list[AuthorIn] = Field(default_factory=list, max_length=20)
    field: Code
    sub_area: Short = ""
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=5_000), Printable]
    problem: LongText = ""
    solution: LongText = ""
    novelty: NoveltyIn = NoveltyIn()
    effectiveness: EffectivenessIn = EffectivenessIn()
    replication_scope: LongText = ""
    attachment_ids: list[Annotated[str, StringConstraints(max_length=64)]] = Field(default_factory=list, max_length=20)


class InitiativeRevision(InitiativeIn):
    note: Short = ""


class ReasonRequired(Strict):
    reason: Annotated[Reason, Field(min_length=5)]


class ReasonOptional(Strict):
    reason: Reason = ""


class Created(BaseModel):
    id: str
    version: int
    event_id: str
    stream_sequence: int
    occurred_at: str
