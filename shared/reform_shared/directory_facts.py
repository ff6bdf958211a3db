"""The facts of the directory: what each directory event states, as a few dated plain dicts, computed from
the event alone (no I/O). `reform_shared.directory_view` folds them into the view every service reads.

    {"k": "unit", "on": "2026-03-01", "id": "vh-xh", "unit": {...UnitEntry...}}
    {"k": "closed", "on": ..., "id": <unit>, "reason": ...}
    {"k": "head", "on": ..., "id": <unit>, "official_id": <official> | None}
    {"k": "official", "on": ..., "id": <official>, "record": {full_name, position, category, email, phone}}
    {"k": "unit_of", "on": ..., "id": <official>, "unit_id": <unit> | None, "position": ""}
    {"k": "roles", "on": ..., "id": <official>, "roles": [...]}
    {"k": "left", "on": ..., "id": <official>, "reason": ...}

plus, when the envelope is known, `event_id`, `recorded_at` and `by` (who recorded it), see `meta_of`. A
projection needs no read-modify-write to keep the directory: it appends an event's facts to one array of one
document per commune (`{"facts": [...]}`), and `DirectoryView.from_dict` reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.events.directory import (
    DirectoryImported,
    OfficialEntry,
    OfficialLeft,
    OfficialMoved,
    OfficialRegistered,
    OfficialRolesChanged,
    OfficialUpdated,
    UnitAdded,
    UnitClosed,
    UnitEntry,
    UnitHeadAppointed,
    UnitHeadVacated,
    UnitUpdated,
)

Fact = dict[str, Any]


def _official_facts(on: str, entry: OfficialEntry) -> list[Fact]:
    record = {"full_name": entry.full_name, "position": entry.position, "category": entry.category,
              "email": entry.email, "phone": entry.phone}
    return [{"k": "official", "on": on, "id": entry.official_id, "record": record},
            {"k": "unit_of", "on": on, "id": entry.official_id, "unit_id": entry.unit_id, "position": ""},
            {"k": "roles", "on": on, "id": entry.official_id, "roles": list(entry.roles)}]


def _unit_fact(on: str, entry: UnitEntry) -> Fact:
    return {"k": "unit", "on": on, "id": entry.unit_id, "unit": entry.model_dump(mode="json")}


def facts_of(payload: EventPayload, meta: Mapping[str, Any] | None = None) -> list[Fact]:
    """The dated facts one directory event states (none for any other event)."""
    on = payload.effective.isoformat() if hasattr(payload, "effective") else ""
    facts: list[Fact]
    match payload:
        case UnitAdded() | UnitUpdated():
            facts = [_unit_fact(on, payload.unit)]
        case UnitClosed():
            facts = [{"k": "closed", "on": on, "id": payload.unit_id, "reason": payload.reason}]
        case UnitHeadAppointed():
            facts = [{"k": "head", "on": on, "id": payload.unit_id, "official_id": payload.official_id}]
        case UnitHeadVacated():
            facts = [{"k": "head", "on": on, "id": payload.unit_id, "official_id": None}]
        case OfficialRegistered():
            facts = _official_facts(on, payload.official)
        case OfficialUpdated():
            record = {"full_name": payload.full_name, "position": payload.position, "category": payload.category,
                      "email": payload.email, "phone": payload.phone}
            facts = [{"k": "official", "on": on, "id": payload.official_id, "record": record}]
        case OfficialMoved():
            facts = [{"k": "unit_of", "on": on, "id": payload.official_id, "unit_id": payload.unit_id,
                      "position": payload.position}]
        case OfficialRolesChanged():
            facts = [{"k": "roles", "on": on, "id": payload.official_id, "roles": list(payload.roles)}]
        case OfficialLeft():
            facts = [{"k": "left", "on": on, "id": payload.official_id, "reason": payload.reason}]
        case DirectoryImported():
            facts = [_unit_fact(on, u) for u in payload.units]
            facts += [f for o in payload.officials for f in _official_facts(on, o)]
            facts += [{"k": "head", "on": on, "id": h.unit_id, "official_id": h.official_id} for h in payload.heads]
        case _:
            facts = []
    return [{**f, **meta} for f in facts] if meta else facts


def meta_of(envelope: EventEnvelope) -> dict[str, Any]:
    """Who recorded an event and when, kept beside its facts (an official's history shows it)."""
    return {"event_id": envelope.event_id, "recorded_at": envelope.occurred_at.isoformat(),
            "by": envelope.actor.user_id, "event_type": envelope.event_type}
