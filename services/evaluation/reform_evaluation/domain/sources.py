"""What evaluation reads of the submission service's events: a tolerant view, not its model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.events import (
    CampaignAmended,
    CampaignLaunched,
    InitiativeContent,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
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


def campaign_view(events: list[EventPayload]) -> CampaignView | None:
    view: CampaignView | None = None
    for event in events:
        if isinstance(event, CampaignLaunched):
            view = CampaignView(event.campaign_id, event.year, event.submission_closes_at, event.evaluation_deadline,
                                event.nomination_deadline, event.max_nominations, event.commune_name)
        elif isinstance(event, CampaignAmended) and view is not None:
            view = replace(view, closes_at=event.submission_closes_at, evaluation_deadline=event.evaluation_deadline,
                           nomination_deadline=event.nomination_deadline, max_nominations=event.max_nominations,
                           commune_name=event.commune_name)
        elif isinstance(event, SubmissionsClosed) and view is not None:
            view = replace(view, closes_at=min(view.closes_at, event.closed_at))
    return view


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


def candidate_view(envelopes: list[EventEnvelope]) -> Candidate | None:
    view: Candidate | None = None
    for envelope in envelopes:
        event = envelope.payload
        if isinstance(event, InitiativeSubmitted):
            view = Candidate(event.initiative_id, event.campaign_id, event.content, envelope.occurred_at)
        elif isinstance(event, InitiativeRevised) and view is not None:
            view = replace(view, content=event.content)
        elif isinstance(event, InitiativeWithdrawn) and view is not None:
            view = replace(view, withdrawn=True)
    return view
