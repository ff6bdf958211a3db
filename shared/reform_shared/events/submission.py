"""Contracts of the submission service: campaigns, initiatives and title claims."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime

from reform_shared.envelope import Contract, EventPayload


class _Part(Contract):
    """A part of an event: strict when produced, tolerant when read."""


class UnitRef(_Part):
    """A unit of the commune (phòng, ban, trung tâm, thôn...)."""

    unit_id: str
    name: str


class AuthorRef(_Part):
    """An individual author of an initiative (a commune official)."""

    user_id: str | None = None
    name: str
    position: str = ""
    unit_id: str | None = None
    commune_id: str | None = None


class LegalBasis(_Part):
    document_number: str
    document_date: dt.date


class Novelty(_Part):
    """Seed 000 §3(a): first applied (or trial-applied) within the scope — where and since when."""

    kind: Literal["first_applied", "trial"] = "first_applied"
    where: str = ""
    since: dt.date | None = None
    description: str = ""


class Indicator(_Part):
    """A measured effect, before and after (e.g. days to process a dossier, cost)."""

    name: str
    unit: str = ""
    before: float | None = None
    after: float | None = None


class Effectiveness(_Part):
    """Seed 000 §3(b): a clear effect (indicators) or the capacity to bring a benefit."""

    indicators: tuple[Indicator, ...] = ()
    expected_benefit: str = ""
    description: str = ""


class AttachmentRef(_Part):
    """A stored attachment; the checksum lets anyone verify the file the council reads."""

    attachment_id: str
    filename: str
    media_type: str
    size: int
    sha256: str


class InitiativeContent(_Part):
    """What an author writes in the dossier; every revision carries it whole."""

    title: str
    unit: UnitRef
    author_kind: Literal["individual", "collective"]
    authors: tuple[AuthorRef, ...] = ()
    field: str
    sub_area: str = ""
    summary: str
    problem: str = ""
    solution: str = ""
    novelty: Novelty = Novelty()
    effectiveness: Effectiveness = Effectiveness()
    replication_scope: str = ""
    attachments: tuple[AttachmentRef, ...] = ()


class CampaignTerms(_Part):
    """What a campaign decides; per campaign, never constants in code (seeds 000/001: 25/9, 003: 29/4)."""

    title: str
    commune_name: str = ""
    legal_basis: LegalBasis | None = None
    fields: tuple[str, ...]
    sub_areas: tuple[str, ...] = ()
    submission_opens_at: AwareDatetime
    submission_closes_at: AwareDatetime
    evaluation_deadline: dt.date | None = None
    recognition_deadline: dt.date | None = None
    nomination_deadline: dt.date | None = None
    max_nominations: int = 2
    expected_units: tuple[UnitRef, ...] = ()


class CampaignLaunched(EventPayload, CampaignTerms):
    """A commune opened its call for initiatives for a year (phát động)."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "campaign"

    campaign_id: str
    year: int

    def aggregate_id(self) -> str:
        return self.campaign_id


class CampaignAmended(EventPayload, CampaignTerms):
    """The secretary changed a campaign's terms before its window opened; carries them whole."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "campaign"

    campaign_id: str

    def aggregate_id(self) -> str:
        return self.campaign_id


class SubmissionsClosed(EventPayload):
    """The secretary closed submissions before the deadline (at the deadline they close by themselves)."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "campaign"

    campaign_id: str
    closed_at: AwareDatetime
    reason: str = ""

    def aggregate_id(self) -> str:
        return self.campaign_id


def _initiative_submitted_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """v1 was flat with free-text novelty and effectiveness; v2 nests the dossier content."""
    content_keys = ("title", "unit", "author_kind", "authors", "field", "summary", "problem", "solution",
                    "replication_scope")
    content = {key: payload[key] for key in content_keys if key in payload}
    content["novelty"] = {"description": payload.get("novelty", "")}
    content["effectiveness"] = {"description": payload.get("effectiveness", "")}
    return {"initiative_id": payload["initiative_id"], "campaign_id": payload["campaign_id"], "content": content}


class InitiativeSubmitted(EventPayload):
    """An official or a unit submitted an initiative dossier (nộp hồ sơ sáng kiến)."""

    schema_version: ClassVar[int] = 2
    aggregate_type: ClassVar[str] = "initiative"
    upcasters: ClassVar[dict[int, Any]] = {1: _initiative_submitted_v1_to_v2}

    initiative_id: str
    campaign_id: str
    content: InitiativeContent

    def aggregate_id(self) -> str:
        return self.initiative_id


class InitiativeRevised(EventPayload):
    """An author revised the dossier (before the deadline, or after it was returned)."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "initiative"

    initiative_id: str
    campaign_id: str
    revision: int
    content: InitiativeContent
    resubmission: bool = False
    note: str = ""

    def aggregate_id(self) -> str:
        return self.initiative_id


class InitiativeReturned(EventPayload):
    """The secretariat returned an incomplete dossier to its author, with the reason."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "initiative"

    initiative_id: str
    campaign_id: str
    reason: str

    def aggregate_id(self) -> str:
        return self.initiative_id


class InitiativeWithdrawn(EventPayload):
    """An author withdrew the initiative; nothing more happens to it."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "initiative"

    initiative_id: str
    campaign_id: str
    reason: str = ""

    def aggregate_id(self) -> str:
        return self.initiative_id


class TitleClaimed(EventPayload):
    """An initiative holds a title within (campaign, unit): the store makes the title unique.

    A claim is live while its holder exists, is not withdrawn and still bears that title; a
    stale claim (the holder renamed, withdrew, or never got stored) may be claimed again.
    """

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "title"

    claim_id: str
    campaign_id: str
    unit_id: str
    folded_title: str
    initiative_id: str

    def aggregate_id(self) -> str:
        return self.claim_id
