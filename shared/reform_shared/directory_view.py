"""The directory as every service reads it: one pure fold of the directory events, no I/O.

Every consumer (the directory service, sign-in, evaluation's automatic conflicts, awards' known recipients)
folds the same events through this module, so "who headed this unit on the day of the scoring" gets one
answer everywhere.

**Facts.** Each event becomes a few dated *facts* (plain dicts, `reform_shared.directory_facts`: `facts_of`,
`meta_of`, re-exported here); this module holds the view that folds them and its queries.

**Time.** A fact counts from its effective date (`on`). Facts are ordered by (effective date, order of
recording), so a back-dated change recorded later takes its place in the past: the view on any date is the
last fact of each kind at or before it. Every query takes `on` (a date), or None for "everything recorded,
future-dated changes included".

**Heads.** An appointment starts a term on its date, if the official is then active and works in the unit.
The term ends (exclusive) at the first of: another appointment or a vacancy of the unit, the closure of the
unit, a move of the official to another unit, the official's departure. A head who moves away and comes
back does not head again until appointed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reform_shared.directory_facts import Fact, facts_of, meta_of
from reform_shared.envelope import EventEnvelope, EventPayload

__all__ = ["UNIT_HEAD", "VERSION", "DirectoryView", "Fact", "HeadTerm", "OfficialRecord", "UnitRecord", "facts_of",
           "meta_of"]

VERSION = 1
UNIT_HEAD = "unit_head"
"""The role an official holds while heading a unit (never assigned by hand)."""


@dataclass(frozen=True)
class UnitRecord:
    unit_id: str
    name: str
    kind: str
    parent_id: str | None
    since: dt.date
    closed_on: dt.date | None = None

    @property
    def closed(self) -> bool:
        return self.closed_on is not None


@dataclass(frozen=True)
class OfficialRecord:
    official_id: str
    full_name: str
    position: str
    category: str
    unit_id: str | None
    email: str | None
    phone: str | None
    roles: tuple[str, ...]
    since: dt.date
    left_on: dt.date | None = None

    @property
    def active(self) -> bool:
        return self.left_on is None


@dataclass(frozen=True)
class HeadTerm:
    """`official_id` headed `unit_id` from `since` to `until` (the last day, inclusive; None: still heads)."""

    unit_id: str
    official_id: str
    since: dt.date
    until: dt.date | None


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _bound(on: dt.date | None) -> str:
    return on.isoformat() if on is not None else "9999-12-31"


_Key = tuple[str, int]


class DirectoryView:
    """The directory of one commune on any date, folded from its events. Immutable: `applied` returns a new
    view. Serialised as `{"version": 1, "facts": [...]}` (`to_dict`, `from_dict`)."""

    def __init__(self, facts: Sequence[Fact] = ()) -> None:
        self._facts: tuple[Fact, ...] = tuple(facts)
        self._by: dict[tuple[str, str], list[tuple[_Key, Fact]]] = {}
        for seq, fact in enumerate(self._facts):
            group = "unit" if fact["k"] in ("unit", "closed", "head") else "official"
            self._by.setdefault((group, fact["id"]), []).append(((fact["on"], seq), fact))
        for entries in self._by.values():
            entries.sort(key=lambda entry: entry[0])
        self._terms: dict[str, list[HeadTerm]] = {}

    # -- building -----------------------------------------------------------------------------------------
    @classmethod
    def fold(cls, payloads: Iterable[EventPayload]) -> DirectoryView:
        return cls().applied(payloads)

    def applied(self, payloads: Iterable[EventPayload]) -> DirectoryView:
        return DirectoryView([*self._facts, *(f for p in payloads for f in facts_of(p))])

    def applied_envelopes(self, envelopes: Iterable[EventEnvelope]) -> DirectoryView:
        return DirectoryView([*self._facts, *(f for e in envelopes for f in facts_of(e.payload, meta_of(e)))])

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "facts": [dict(f) for f in self._facts]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> DirectoryView:
        return cls([dict(f) for f in (data or {}).get("facts", [])])

    def __len__(self) -> int:
        return len(self._facts)

    # -- the timeline of one unit or official ---------------------------------------------------------------
    def _timeline(self, group: str, ident: str, until: _Key | None = None) -> list[tuple[_Key, Fact]]:
        entries = self._by.get((group, ident), [])
        return entries if until is None else [e for e in entries if e[0] <= until]

    def _upto(self, group: str, ident: str, on: dt.date | None) -> list[tuple[_Key, Fact]]:
        bound = _bound(on)
        return [e for e in self._by.get((group, ident), []) if e[0][0] <= bound]

    # -- units --------------------------------------------------------------------------------------------
    def unit(self, unit_id: str, on: dt.date | None = None) -> UnitRecord | None:
        entries = self._upto("unit", unit_id, on)
        records = [f for _, f in entries if f["k"] == "unit"]
        if not records:
            return None
        closures = [f for _, f in entries if f["k"] == "closed"]
        unit = records[-1]["unit"]
        return UnitRecord(unit_id, unit["name"], unit.get("kind", "khac"), unit.get("parent_id"),
                          _day(records[0]["on"]), _day(closures[0]["on"]) if closures else None)

    def unit_ids(self) -> list[str]:
        return sorted(ident for group, ident in self._by if group == "unit")

    def units(self, on: dt.date | None = None) -> list[UnitRecord]:
        found = (self.unit(unit_id, on) for unit_id in self.unit_ids())
        return [u for u in found if u is not None]

    def children(self, unit_id: str, on: dt.date | None = None) -> list[UnitRecord]:
        return [u for u in self.units(on) if u.parent_id == unit_id]

    # -- officials ----------------------------------------------------------------------------------------
    def official(self, official_id: str, on: dt.date | None = None) -> OfficialRecord | None:
        return self._official_at(official_id, self._upto("official", official_id, on))

    def _official_at(self, official_id: str, entries: list[tuple[_Key, Fact]]) -> OfficialRecord | None:
        records = [f for _, f in entries if f["k"] == "official"]
        if not records:
            return None
        record = records[-1]["record"]
        position = record.get("position", "")
        unit_id = None
        roles: tuple[str, ...] = ()
        left: dt.date | None = None
        for _, fact in entries:
            if fact["k"] == "official":
                position = fact["record"].get("position", "") or position
            elif fact["k"] == "unit_of":
                unit_id = fact["unit_id"]
                position = fact.get("position") or position
            elif fact["k"] == "roles":
                roles = tuple(fact["roles"])
            elif fact["k"] == "left" and left is None:
                left = _day(fact["on"])
        return OfficialRecord(official_id, record["full_name"], position, record.get("category", "cong_chuc"),
                              unit_id, record.get("email"), record.get("phone"), roles, _day(records[0]["on"]), left)

    def official_ids(self) -> list[str]:
        return sorted(ident for group, ident in self._by if group == "official")

    def officials(self, on: dt.date | None = None) -> list[OfficialRecord]:
        found = (self.official(official_id, on) for official_id in self.official_ids())
        return [o for o in found if o is not None]

    def members(self, unit_id: str, on: dt.date | None = None) -> list[OfficialRecord]:
        """The active officials working in a unit."""
        return [o for o in self.officials(on) if o.unit_id == unit_id and o.active]

    # -- heads --------------------------------------------------------------------------------------------
    def head_terms(self, unit_id: str) -> list[HeadTerm]:
        """Who headed the unit when, oldest first (a vacancy is the time between two terms)."""
        if unit_id not in self._terms:
            self._terms[unit_id] = self._head_terms(unit_id)
        return list(self._terms[unit_id])

    def _head_terms(self, unit_id: str) -> list[HeadTerm]:
        unit_entries = self._timeline("unit", unit_id)
        terms: list[HeadTerm] = []
        for index, (key, fact) in enumerate(unit_entries):
            official_id = fact.get("official_id") if fact["k"] == "head" else None
            if official_id is None:
                continue
            official = self._official_at(official_id, self._timeline("official", official_id, key))
            if official is None or not official.active or official.unit_id != unit_id:
                continue  # not active in the unit on that day: no term
            ends = [k for k, f in unit_entries[index + 1:] if f["k"] in ("head", "closed")]
            ends += [k for k, f in self._timeline("official", official_id) if k > key and (
                f["k"] == "left" or (f["k"] == "unit_of" and f["unit_id"] != unit_id))]
            end = min(ends) if ends else None
            if end is not None and end[0] <= key[0]:
                continue  # ended the day it began
            until = _day(end[0]) - dt.timedelta(days=1) if end is not None else None
            since = _day(key[0])
            last = terms[-1] if terms else None
            if last is not None and last.official_id == official_id and last.until == since - dt.timedelta(days=1):
                since = terms.pop().since  # re-appointed without a break: one term
            terms.append(HeadTerm(unit_id, official_id, since, until))
        return terms

    def head_of(self, unit_id: str, on: dt.date) -> str | None:
        """The official heading the unit on that day, or None."""
        for term in self.head_terms(unit_id):
            if term.since <= on and (term.until is None or on <= term.until):
                return term.official_id
        return None

    def headed_by(self, official_id: str, on: dt.date) -> list[str]:
        """The units the official heads on that day."""
        return [unit_id for unit_id in self.unit_ids() if self.head_of(unit_id, on) == official_id]

    def terms_of(self, official_id: str) -> list[HeadTerm]:
        return [t for unit_id in self.unit_ids() for t in self.head_terms(unit_id) if t.official_id == official_id]

    def effective_roles(self, official_id: str, on: dt.date) -> tuple[str, ...]:
        """The roles an official holds on that day: those assigned, plus `unit_head` while heading a unit;
        none for an unknown official or one who has left."""
        official = self.official(official_id, on)
        if official is None or not official.active:
            return ()
        roles = tuple(r for r in official.roles if r != UNIT_HEAD)
        return (*roles, UNIT_HEAD) if self.headed_by(official_id, on) else roles

    # -- history ------------------------------------------------------------------------------------------
    def history(self, official_id: str) -> list[Fact]:
        """The official's facts in effective order (back-dated ones in their place), then their head terms."""
        return [dict(f) for _, f in self._timeline("official", official_id)]

    def unit_history(self, unit_id: str) -> list[Fact]:
        return [dict(f) for _, f in self._timeline("unit", unit_id)]
