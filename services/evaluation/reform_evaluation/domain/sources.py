"""What evaluation reads of the submission service's events: a tolerant view, not its model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from reform_shared.aggregate import Evolver
from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.events import (
    CampaignAmended,
    CampaignLaunched,
    InitiativeContent,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
    LegalBasis,
    SubmissionsClosed,
)


@dataclass(frozen=True)
class CampaignView:
    campaign_id: str
    year: int
    closes_at: dt.datetime
    evaluation_deadline: dt.date | None
    nomination_deadline: dt.date | None
    max_nominations: int
    commune_name: str = ""
    legal_basis: LegalBasis | None = None  # the document that launched it: the decision's "Căn cứ"


campaign_evolver: Evolver[CampaignView | None] = Evolver(initial=None)


@campaign_evolver.on(CampaignLaunched)
def _launched(view: CampaignView | None, event: CampaignLaunched) -> CampaignView | None:
    return CampaignView(event.campaign_id, event.year, event.submission_closes_at, event.evaluation_deadline,
                        event.nomination_deadline, event.max_nominations, event.commune_name, event.legal_basis)


@campaign_evolver.on(CampaignAmended)
def _amended(view: CampaignView | None, event: CampaignAmended) -> CampaignView | None:
    return None if view is None else replace(
        view, closes_at=event.submission_closes_at, evaluation_deadline=event.evaluation_deadline,
        nomination_deadline=event.nomination_deadline, max_nominations=event.max_nominations,
        commune_name=event.commune_name, legal_basis=event.legal_basis)


@campaign_evolver.on(SubmissionsClosed)
def _closed(view: CampaignView | None, event: SubmissionsClosed) -> CampaignView | None:
    return None if view is None else replace(view, closes_at=min(view.closes_at, event.closed_at))


def campaign_view(events: Iterable[EventPayload]) -> CampaignView | None:
    return campaign_evolver.fold(events)


NOT_SUBMITTED = dt.datetime.min.replace(tzinfo=dt.UTC)
"""A placeholder the fold of payloads leaves, replaced by the submission envelope's time."""


@dataclass(frozen=True)
class Candidate:
    initiative_id: str
    campaign_id: str
    content: InitiativeContent
    submitted_at: dt.datetime
    withdrawn: bool = False

    @property
    def author_ids(self) -> set[str]:
        return {a.user_id for a in self.content.authors if a.user_id}


candidate_evolver: Evolver[Candidate | None] = Evolver(initial=None)
"""The candidate as its payloads make it; when it was submitted is the envelope's (`candidate_view`)."""


@candidate_evolver.on(InitiativeSubmitted)
def _submitted(view: Candidate | None, event: InitiativeSubmitted) -> Candidate | None:
    return Candidate(event.initiative_id, event.campaign_id, event.content, NOT_SUBMITTED)


@candidate_evolver.on(InitiativeRevised)
def _revised(view: Candidate | None, event: InitiativeRevised) -> Candidate | None:
    return None if view is None else replace(view, content=event.content)


@candidate_evolver.on(InitiativeWithdrawn)
def _withdrawn(view: Candidate | None, event: InitiativeWithdrawn) -> Candidate | None:
    return None if view is None else replace(view, withdrawn=True)


def candidate_view(envelopes: list[EventEnvelope]) -> Candidate | None:
    view = candidate_evolver.fold(envelope.payload for envelope in envelopes)
    submissions = [e.occurred_at for e in envelopes if e.event_type == InitiativeSubmitted.event_type]
    return None if view is None else replace(view, submitted_at=submissions[-1])
