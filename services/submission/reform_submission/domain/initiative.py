"""The initiative aggregate: one dossier submitted to a campaign."""

from __future__ import annotations

import datetime as dt

from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict
from reform_shared.events import InitiativeSubmitted
from reform_submission.domain import rules
from reform_submission.domain.campaign import Campaign


def submit(
    existing: list[EventPayload],
    campaign: Campaign | None,
    submitted: InitiativeSubmitted,
    now: dt.datetime,
) -> list[EventPayload]:
    """Decide a submission against the campaign's window and open fields."""
    if existing:
        raise Conflict(
            "Sáng kiến này đã được nộp", "this initiative was already submitted", rule="initiative_unique"
        )
    rules.campaign_exists(campaign is not None, submitted.campaign_id)
    assert campaign is not None
    rules.submission_window_is_open(now, campaign.opens_at, campaign.closes_at)
    rules.field_is_open_in_campaign(submitted.field, campaign.fields)
    rules.authors_match_author_kind(submitted.author_kind, len(submitted.authors))
    return [submitted]
