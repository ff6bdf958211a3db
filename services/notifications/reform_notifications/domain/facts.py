"""What the service remembers of a campaign from its events: terms, initiatives and authors, council, scores.

A plain read of the campaign's document and of its initiatives' (`application/memory.py` writes them); everything
a recipient rule or a reminder needs and the event in hand does not carry. A rule is given only the initiative its
event names; a reminder that looks at them all is given them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InitiativeFacts:
    initiative_id: str
    title: str
    unit_id: str
    authors: tuple[str, ...]
    """User ids of the individual authors (empty for a collective author: the unit's head is told)."""
    withdrawn: bool = False
    scored_by: frozenset[str] = frozenset()
    conflicted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CampaignFacts:
    commune_id: str
    campaign_id: str
    title: str = ""
    year: int | None = None
    closes_at: dt.datetime | None = None
    evaluation_deadline: dt.date | None = None
    recognition_deadline: dt.date | None = None
    nomination_deadline: dt.date | None = None
    expected_units: tuple[str, ...] = ()
    council: tuple[str, ...] = ()
    scoring_opened: bool = False
    decision_signed: bool = False
    nominated: bool = False
    initiatives: dict[str, InitiativeFacts] = field(default_factory=dict)

    def units_with_initiatives(self) -> set[str]:
        return {i.unit_id for i in self.initiatives.values() if not i.withdrawn}

    def unscored_by(self, member: str) -> list[InitiativeFacts]:
        """Initiatives this council member still has to score (not withdrawn, no conflict declared)."""
        return [i for i in self.initiatives.values()
                if not i.withdrawn and member not in i.scored_by and member not in i.conflicted]

    @classmethod
    def from_doc(cls, commune_id: str, campaign_id: str, doc: Mapping[str, Any] | None,
                 initiatives: Iterable[Mapping[str, Any]] = ()) -> CampaignFacts:
        d = dict(doc or {})
        known = {i["initiative_id"]: InitiativeFacts(
            i["initiative_id"], i.get("title", ""), i.get("unit_id", ""), tuple(i.get("authors", [])),
            bool(i.get("withdrawn")), frozenset(i.get("scored_by", [])), frozenset(i.get("conflicted", [])))
            for i in initiatives}
        return cls(commune_id, campaign_id, d.get("title", ""), d.get("year"), _aware(d.get("closes_at")),
                   _date(d.get("evaluation_deadline")), _date(d.get("recognition_deadline")),
                   _date(d.get("nomination_deadline")), tuple(d.get("expected_units", [])),
                   tuple(d.get("council", [])), bool(d.get("scoring_opened")), bool(d.get("decision_signed")),
                   bool(d.get("nominated")), known)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
