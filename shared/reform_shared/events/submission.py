"""Contracts of the submission service: campaigns and initiatives."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from reform_shared.envelope import EventPayload


class UnitRef(BaseModel):
    """A unit of the commune (phòng, ban, trung tâm, thôn...)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    unit_id: str
    name: str


class AuthorRef(BaseModel):
    """An individual author of an initiative."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    user_id: str | None = None
    name: str
    position: str = ""
    unit_id: str | None = None


class LegalBasis(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    document_number: str
    document_date: dt.date


class CampaignLaunched(EventPayload):
    """A commune opened its call for initiatives for a year (phát động)."""

    event_type: ClassVar[str] = "CampaignLaunched"
    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "campaign"

    campaign_id: str
    year: int
    title: str
    legal_basis: LegalBasis | None = None
    fields: tuple[str, ...]
    submission_opens_at: AwareDatetime
    submission_closes_at: AwareDatetime
    evaluation_deadline: dt.date | None = None
    recognition_deadline: dt.date | None = None
    nomination_deadline: dt.date | None = None
    max_nominations: int = 2
    expected_units: tuple[UnitRef, ...] = ()

    def aggregate_id(self) -> str:
        return self.campaign_id


class InitiativeSubmitted(EventPayload):
    """An official or a unit submitted an initiative dossier (nộp hồ sơ sáng kiến)."""

    event_type: ClassVar[str] = "InitiativeSubmitted"
    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "initiative"

    initiative_id: str
    campaign_id: str
    title: str
    unit: UnitRef
    author_kind: Literal["individual", "collective"]
    authors: tuple[AuthorRef, ...] = ()
    field: str
    summary: str
    problem: str = ""
    solution: str = ""
    novelty: str = ""
    effectiveness: str = ""
    replication_scope: str = ""

    def aggregate_id(self) -> str:
        return self.initiative_id
