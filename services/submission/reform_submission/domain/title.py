"""Title claims: the same title (without case and diacritics) once per unit and campaign.

The rule spans initiatives, so it gets an aggregate of its own, keyed by the folded title: two
concurrent submissions of one title race on that aggregate, and the store lets one win.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from reform_shared.aggregate import Evolver
from reform_shared.envelope import EventPayload
from reform_shared.errors import ConcurrencyConflict
from reform_shared.events import TitleClaimed
from reform_shared.text import fold
from reform_submission.domain import rules
from reform_submission.domain.initiative import Initiative


def claim_id(campaign_id: str, unit_id: str, title: str) -> str:
    digest = hashlib.sha256(f"{campaign_id}\x1f{unit_id}\x1f{fold(title)}".encode()).hexdigest()
    return digest[:40]


evolver: Evolver[str | None] = Evolver(initial=None)


@evolver.on(TitleClaimed)
def _claimed(state: str | None, event: TitleClaimed) -> str | None:
    return event.initiative_id


def holder_of(events: Iterable[EventPayload]) -> str | None:
    """The initiative that claimed the title last."""
    return evolver.fold(events)


def claim_is_live(holder: Initiative | None, campaign_id: str, unit_id: str, title: str) -> bool:
    """A claim counts while its holder exists, is not withdrawn and still bears the title."""
    return (
        holder is not None
        and holder.status != "withdrawn"
        and claim_id(campaign_id, unit_id, title)
        == claim_id(holder.campaign_id, holder.content.unit.unit_id, holder.content.title)
    )


def claim(
    events: Iterable[EventPayload],
    holder: Initiative | None,
    *,
    campaign_id: str,
    unit_id: str,
    title: str,
    claimant_id: str,
) -> list[EventPayload]:
    return _claimed_by(holder_of(events), holder, campaign_id, unit_id, title, claimant_id)


def _claimed_by(
    current: str | None, holder: Initiative | None, campaign_id: str, unit_id: str, title: str, claimant_id: str
) -> list[EventPayload]:
    if current == claimant_id:
        return []  # already ours (a revision that keeps the title)
    if current is not None and claim_is_live(holder, campaign_id, unit_id, title):
        assert holder is not None
        rules.a_title_is_unique_per_unit_and_campaign(current, holder.content.title)
    return [TitleClaimed(claim_id=claim_id(campaign_id, unit_id, title), campaign_id=campaign_id, unit_id=unit_id,
                         folded_title=fold(title), initiative_id=claimant_id)]


@dataclass(frozen=True)
class Claim:
    """What a submission or a revision asks of the title rule: this initiative bears this title, in this unit
    and campaign. `seen` is the holder it found when it looked (and judged the holder by)."""

    campaign_id: str
    unit_id: str
    title: str
    claimant_id: str
    seen: str | None

    @property
    def claim_id(self) -> str:
        return claim_id(self.campaign_id, self.unit_id, self.title)


def decide(state: str | None, wanted: Claim, holder: Initiative | None) -> list[EventPayload]:
    """Claim the title, judged on the holder seen: if another claimed it since, the claimant lost the race."""
    if state != wanted.seen:
        raise ConcurrencyConflict("Tên sáng kiến vừa được đơn vị khác đăng ký", "the title was just claimed",
                                  field="title", rule="unique_title_per_unit")
    return _claimed_by(state, holder, wanted.campaign_id, wanted.unit_id, wanted.title, wanted.claimant_id)
