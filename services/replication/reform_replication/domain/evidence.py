"""The PAR Index evidence pack of a commune and year: a pure fold of the events that occurred up to a
moment, so a pack asked again as of the same moment gives the same numbers, whatever came after.

What the city scores a commune on in this domain: initiatives proposed per unit, recognitions (the council's
and the chairman's signed decision), nominations to the city, the city's decisions, adoptions made (of other
communes' initiatives) and received (of its own, from the city's catalogue), and awards granted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reform_shared.envelope import EventEnvelope
from reform_shared.events import (
    AwardGranted,
    CampaignLaunched,
    CityRecognitionDecided,
    InitiativeRecognized,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
    Nominated,
    NominationWithdrawn,
    RecognitionDecisionSigned,
)
from reform_shared.events.replication import AdoptionResultsReported, CatalogueEntryPublished, InitiativeAdopted

EVIDENCE_TYPES = tuple(t.event_type for t in (
    CampaignLaunched, InitiativeSubmitted, InitiativeRevised, InitiativeWithdrawn, InitiativeRecognized,
    RecognitionDecisionSigned, Nominated, NominationWithdrawn, CityRecognitionDecided, AwardGranted,
    InitiativeAdopted, AdoptionResultsReported, CatalogueEntryPublished))


@dataclass
class _Fold:
    commune_id: str
    year: int
    campaigns: set[str] = field(default_factory=set)
    initiatives: dict[str, dict[str, Any]] = field(default_factory=dict)
    recognised: set[str] = field(default_factory=set)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    nominations: dict[str, dict[str, Any]] = field(default_factory=dict)
    city: list[dict[str, Any]] = field(default_factory=list)
    adoptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    awards: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, e: EventEnvelope) -> None:
        p, own = e.payload, e.commune_id == self.commune_id
        if isinstance(p, CatalogueEntryPublished):
            if p.origin_commune_id == self.commune_id:
                self.received[p.entry_id] = [{"title": p.title, **a.model_dump(mode="json")} for a in p.adoptions
                                             if a.since.year == self.year]
            return
        if not own:
            return
        if isinstance(p, CampaignLaunched) and p.year == self.year:
            self.campaigns.add(p.campaign_id)
        elif isinstance(p, InitiativeSubmitted | InitiativeRevised) and p.campaign_id in self.campaigns:
            self.initiatives[p.initiative_id] = {"initiative_id": p.initiative_id, "title": p.content.title,
                                                 "unit": p.content.unit.name, "withdrawn": False,
                                                 "attachments": [a.model_dump(mode="json")
                                                                 for a in p.content.attachments]}
        elif isinstance(p, InitiativeWithdrawn) and p.initiative_id in self.initiatives:
            self.initiatives[p.initiative_id]["withdrawn"] = True
        elif isinstance(p, InitiativeRecognized) and p.campaign_id in self.campaigns:
            self.recognised.add(p.initiative_id)
        elif isinstance(p, RecognitionDecisionSigned) and p.campaign_id in self.campaigns:
            self.decisions.append({"decision_number": p.decision_number, "decision_date": p.decision_date.isoformat(),
                                   "initiatives": len(p.initiative_ids)})
        else:
            self._apply_later_stages(e)

    def _apply_later_stages(self, e: EventEnvelope) -> None:
        p = e.payload
        if isinstance(p, Nominated) and p.year == self.year:
            self.nominations[p.initiative_id] = {"initiative_id": p.initiative_id, "title": p.title}
        elif isinstance(p, NominationWithdrawn):
            self.nominations.pop(p.initiative_id, None)
        elif isinstance(p, CityRecognitionDecided) and p.year == self.year:
            self.city.append({"initiative_id": p.initiative_id, "title": p.title, "recognised": p.recognised,
                              "decision_number": p.decision_number, "decision_date": p.decision_date.isoformat()})
        elif isinstance(p, AwardGranted) and p.year == self.year:
            self.awards.append({"award_id": p.award_id, "level": p.level, "form": p.form,
                                "recipient": p.recipient.name, "decision_number": p.decision_number})
        elif isinstance(p, InitiativeAdopted) and p.since.year == self.year:
            self.adoptions[p.adoption_id] = {"adoption_id": p.adoption_id, "title": p.title,
                                             "origin_commune_id": p.origin_commune_id, "unit": p.unit.name,
                                             "since": p.since.isoformat(), "results_reported": 0}
        elif isinstance(p, AdoptionResultsReported) and p.adoption_id in self.adoptions:
            self.adoptions[p.adoption_id]["results_reported"] += 1

    def figures(self) -> dict[str, Any]:
        live = [i for i in self.initiatives.values() if not i["withdrawn"]]
        received = [a for items in self.received.values() for a in items]
        return {
            "commune_id": self.commune_id, "year": self.year,
            "proposed": len(live), "proposed_per_unit": dict(sorted(Counter(i["unit"] for i in live).items())),
            "recognised_by_council": len(self.recognised & set(self.initiatives)),
            "recognition_decisions": self.decisions,
            "nominations": sorted(self.nominations.values(), key=lambda n: n["initiative_id"]),
            "city_decisions": self.city, "city_recognised": sum(1 for c in self.city if c["recognised"]),
            "adoptions_made": sorted(self.adoptions.values(), key=lambda a: a["adoption_id"]),
            "adoptions_received": sorted(received, key=lambda a: (a["commune_id"], a["adoption_id"])),
            "awards": self.awards,
        }

    def documents(self) -> list[dict[str, Any]]:
        """The files of the recognised initiatives (the dossier's attachments, as last revised)."""
        return [{"initiative_id": i["initiative_id"], **a} for i in self.initiatives.values()
                if i["initiative_id"] in self.recognised and not i["withdrawn"] for a in i["attachments"]]


def evidence(commune_id: str, year: int, envelopes: Iterable[EventEnvelope]) -> tuple[dict[str, Any],
                                                                                     list[dict[str, Any]]]:
    """The pack's figures and its documents, from events in stream order (already cut at the moment asked)."""
    fold = _Fold(commune_id, year)
    for envelope in envelopes:
        fold.apply(envelope)
    return fold.figures(), fold.documents()
