"""What awards reads of other services' events: a tolerant view of initiatives and results."""

from __future__ import annotations

from collections.abc import Sequence

from reform_awards.domain.eligibility import InitiativeFact
from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.events import (
    CampaignLaunched,
    CityRecognitionDecided,
    InitiativeContent,
    InitiativeRecognized,
    InitiativeRevised,
    InitiativeSubmitted,
    ParRankingRecorded,
)
from reform_shared.events.replication import CatalogueEntryPublished

REPLICABLE_SHARE = 0.5


def content_of(envelopes: list[EventEnvelope]) -> tuple[InitiativeContent | None, str | None, tuple[str, ...]]:
    """The initiative's current content, its campaign, and the ids of the events that show them."""
    content, campaign, ids = None, None, []
    for envelope in envelopes:
        event = envelope.payload
        if isinstance(event, InitiativeSubmitted | InitiativeRevised):
            content, campaign = event.content, event.campaign_id
            ids.append(envelope.event_id)
    return content, campaign, tuple(ids)


def campaign_year(events: list[EventPayload]) -> int | None:
    return next((e.year for e in events if isinstance(e, CampaignLaunched)), None)


def city_decision(appraisal: Sequence[EventEnvelope]) -> EventEnvelope | None:
    """The city's recognition decision on the initiative (taken once), if any."""
    return next((e for e in reversed(appraisal) if isinstance(e.payload, CityRecognitionDecided)), None)


def adopted_elsewhere(catalogue: Sequence[EventEnvelope]) -> tuple[int, EventEnvelope | None]:
    """How many other communes adopted the initiative, by the city's last catalogue entry of it (and that entry)."""
    last = next((e for e in reversed(catalogue) if isinstance(e.payload, CatalogueEntryPublished)), None)
    return (len(last.payload.adoptions), last) if last is not None and isinstance(
        last.payload, CatalogueEntryPublished) else (0, None)


def initiative_fact(initiative_id: str, content: InitiativeContent, year: int, submitted_ids: tuple[str, ...],
                    evaluation: list[EventEnvelope], city_appraisal: Sequence[EventEnvelope] = (),
                    catalogue: Sequence[EventEnvelope] = ()) -> InitiativeFact:
    """The commune's result, the city's decision when there is one (city appraisal aggregate), and its adoptions
    by other communes (the city's catalogue): an initiative applied elsewhere has shown it is replicable."""
    recognised = next((e for e in evaluation if isinstance(e.payload, InitiativeRecognized)), None)
    decision = city_decision(city_appraisal)
    at_city = decision if decision is not None and getattr(decision.payload, "recognised", False) else None
    payload = recognised.payload if recognised else None
    replicable = effective = False
    if isinstance(payload, InitiativeRecognized):
        result = payload.result
        replicable = result.conditions.get(
            "replicability", result.criterion_means.get("replicability", 0.0) >= 10 * REPLICABLE_SHARE)
        effective = result.conditions.get("effectiveness", True)
    adoptions, entry = adopted_elsewhere(catalogue)
    return InitiativeFact(
        initiative_id=initiative_id, title=content.title, unit_id=content.unit.unit_id,
        author_ids=tuple(a.user_id for a in content.authors if a.user_id), campaign_year=year,
        recognised=recognised is not None, replicable=replicable or adoptions > 0, effective=effective,
        event_ids=submitted_ids[-1:] + ((recognised.event_id,) if recognised else ())
        + ((at_city.event_id,) if at_city else ()) + ((entry.event_id,) if entry is not None and adoptions else ()),
        city_recognised=at_city is not None, adoptions=adoptions,
    )


def par_rank(events: list[EventEnvelope], unit_id: str) -> tuple[int | None, str | None]:
    for envelope in reversed(events):
        if isinstance(envelope.payload, ParRankingRecorded):
            return envelope.payload.ranks.get(unit_id), envelope.event_id
    return None, None
