"""Title claims: the same title (without case and diacritics) once per unit and campaign.

The rule spans initiatives, so it gets an aggregate of its own, keyed by the folded title: two
concurrent submissions of one title race on that aggregate, and the store lets one win.
"""

from __future__ import annotations

import hashlib

from reform_shared.envelope import EventPayload
from reform_shared.events import TitleClaimed
from reform_shared.text import fold
from reform_submission.domain import rules
from reform_submission.domain.initiative import Initiative


def claim_id(campaign_id: str, unit_id: str, title: str) -> str:
    digest = hashlib.sha256(f"{campaign_id}\x1f{unit_id}\x1f{fold(title)}".encode()).hexdigest()
    return digest[:40]


def holder_of(events: list[EventPayload]) -> str | None:
    """The initiative that claimed the title last."""
    holder = None
    for event in events:
        if isinstance(event, TitleClaimed):
            holder = event.initiative_id
    return holder


def claim_is_live(holder: Initiative | None, campaign_id: str, unit_id: str, title: str) -> bool:
    """A claim counts while its holder exists, is not withdrawn and still bears the title."""
    return (
        holder is not None
        and holder.status != "withdrawn"
        and claim_id(campaign_id, unit_id, title)
        == claim_id(holder.campaign_id, holder.content.unit.unit_id, holder.content.title)
    )


def claim(
    events: list[EventPayload],
    holder: Initiative | None,
    *,
    campaign_id: str,
    unit_id: str,
    title: str,
    claimant_id: str,
) -> list[EventPayload]:
    current = holder_of(events)
    if current == claimant_id:
        return []  # already ours (a revision that keeps the title)
    if current is not None and claim_is_live(holder, campaign_id, unit_id, title):
        assert holder is not None
        rules.a_title_is_unique_per_unit_and_campaign(current, holder.content.title)
    return [TitleClaimed(claim_id=claim_id(campaign_id, unit_id, title), campaign_id=campaign_id, unit_id=unit_id,
                         folded_title=fold(title), initiative_id=claimant_id)]
