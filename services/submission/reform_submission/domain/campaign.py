"""The campaign aggregate: a commune's call for initiatives for one year."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reform_shared.envelope import EventPayload
from reform_shared.events import CampaignLaunched
from reform_submission.domain import rules


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    year: int
    title: str
    fields: tuple[str, ...]
    opens_at: dt.datetime
    closes_at: dt.datetime
    max_nominations: int


def evolve(state: Campaign | None, event: EventPayload) -> Campaign | None:
    if isinstance(event, CampaignLaunched):
        return Campaign(
            campaign_id=event.campaign_id,
            year=event.year,
            title=event.title,
            fields=event.fields,
            opens_at=event.submission_opens_at,
            closes_at=event.submission_closes_at,
            max_nominations=event.max_nominations,
        )
    return state


def fold(events: list[EventPayload]) -> Campaign | None:
    state: Campaign | None = None
    for event in events:
        state = evolve(state, event)
    return state


def launch(state: Campaign | None, launched: CampaignLaunched) -> list[EventPayload]:
    """Decide a launch: the campaign is new, its fields are known, its window makes sense."""
    rules.campaign_is_new(state is not None, launched.campaign_id)
    rules.fields_come_from_the_catalogue(launched.fields)
    rules.window_closes_after_it_opens(launched.submission_opens_at, launched.submission_closes_at)
    return [launched]
