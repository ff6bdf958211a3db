"""The memory a batch works on: what its events need read once, changed in memory event by event, written once.

Each event's notices are computed from what the events before it in the batch taught (its campaign, its
initiative, its award, as documents read at the start and changed since), exactly as one event at a time would.
The changed documents become the batch's writes: inserted when they were absent, replaced when they existed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import InsertOne, ReplaceOne

from reform_notifications.application.memory import (
    AWARD_RULES,
    AWARDS,
    CAMPAIGN_UPDATES,
    CAMPAIGNS,
    INITIATIVE_UPDATES,
    INITIATIVES,
    Memory,
    Update,
    campaign_key,
    initiative_key,
)
from reform_notifications.domain.dossiers import rules_doc
from reform_notifications.domain.facts import CampaignFacts
from reform_shared.directory_view import DirectoryView
from reform_shared.envelope import EventEnvelope
from reform_shared.events import AwardProposed, AwardRulesSet

Key = tuple[str, str]
"""(collection, document id)."""


def _keys(e: EventEnvelope) -> list[Key]:
    p = e.payload
    campaign_id = getattr(p, "campaign_id", None)
    initiative_id = getattr(p, "initiative_id", None)
    award_id = getattr(p, "award_id", None)
    keys: list[Key] = []
    if campaign_id:
        keys.append((CAMPAIGNS, campaign_key(e.commune_id, campaign_id)))
        if initiative_id:
            keys.append((INITIATIVES, initiative_key(e.commune_id, campaign_id, initiative_id)))
    if award_id:
        keys.append((AWARDS, f"{e.commune_id}:{award_id}"))
    return keys


def _apply(doc: dict[str, Any], change: Update) -> None:
    """`$set` and `$addToSet` of top-level fields: the only operators of the memory's updates."""
    doc.update(change.get("$set", {}))
    for name, value in change.get("$addToSet", {}).items():
        values = doc.setdefault(name, [])
        if value not in values:
            values.append(value)


class Working:
    def __init__(self, memory: Memory, docs: dict[Key, dict[str, Any]]) -> None:
        self._memory = memory
        self._docs = docs
        self._existed = set(docs)
        self._changed: dict[Key, None] = {}
        self._replaced: dict[str, dict[str, Any]] = {}
        self._directories: dict[str, DirectoryView] = {}

    @classmethod
    async def load(cls, memory: Memory, events: Iterable[EventEnvelope]) -> Working:
        wanted: dict[str, set[str]] = {}
        for e in events:
            for collection, key in _keys(e):
                wanted.setdefault(collection, set()).add(key)
        docs: dict[Key, dict[str, Any]] = {}
        for collection, keys in wanted.items():
            docs.update(((collection, k), d) for k, d in (await memory.docs(collection, keys)).items())
        return cls(memory, docs)

    async def directory(self, commune_id: str) -> DirectoryView:
        """The commune's directory copy, read once per batch (a directory event ends a batch's part)."""
        if commune_id not in self._directories:
            self._directories[commune_id] = await self._memory.directory(commune_id)
        return self._directories[commune_id]

    def campaign(self, e: EventEnvelope) -> CampaignFacts | None:
        """The event's campaign as known so far, with the one initiative the event names (if any)."""
        p = e.payload
        campaign_id = getattr(p, "campaign_id", None)
        if not campaign_id:
            return None
        doc = self._docs.get((CAMPAIGNS, campaign_key(e.commune_id, campaign_id)))
        initiative_id = getattr(p, "initiative_id", None)
        initiative = self._docs.get((INITIATIVES, initiative_key(e.commune_id, campaign_id, initiative_id or "")))
        return CampaignFacts.from_doc(e.commune_id, campaign_id, doc, [initiative] if initiative else [])

    def award_recipient(self, e: EventEnvelope) -> dict[str, Any] | None:
        award_id = getattr(e.payload, "award_id", None)
        doc = self._docs.get((AWARDS, f"{e.commune_id}:{award_id}")) if award_id else None
        return doc.get("recipient") if doc else None

    def remember(self, e: EventEnvelope) -> None:
        """What the event teaches, in memory (written by `writes`)."""
        p = e.payload
        if isinstance(p, AwardRulesSet):
            self._replaced[e.event_id] = rules_doc(e.event_id, e.occurred_at, p)
        elif isinstance(p, AwardProposed):
            self._change((AWARDS, f"{e.commune_id}:{p.award_id}"), {},
                         {"$set": {"recipient": p.recipient.model_dump(mode="json")}})
        campaign_id = getattr(p, "campaign_id", None)
        ids = {"commune_id": e.commune_id, "campaign_id": campaign_id}
        if (update := CAMPAIGN_UPDATES.get(type(p))) is not None:
            self._change((CAMPAIGNS, campaign_key(e.commune_id, campaign_id or "")), ids, update(p))
        if (update := INITIATIVE_UPDATES.get(type(p))) is not None:
            initiative_id = p.initiative_id  # type: ignore[attr-defined]
            key = (INITIATIVES, initiative_key(e.commune_id, campaign_id or "", initiative_id))
            self._change(key, {**ids, "initiative_id": initiative_id}, update(p))

    def _change(self, key: Key, ids: dict[str, Any], change: Update) -> None:
        doc = self._docs.setdefault(key, {"_id": key[1]})
        doc.update(ids)
        _apply(doc, change)
        self._changed[key] = None

    def writes(self) -> dict[str, list[Any]]:
        """Per collection, in the order first changed: an insert for a new document, a replace for a known one."""
        ops: dict[str, list[Any]] = {}
        for key in self._changed:
            doc = self._docs[key]
            op = ReplaceOne({"_id": key[1]}, doc) if key in self._existed else InsertOne(dict(doc))
            ops.setdefault(key[0], []).append(op)
        for event_id, doc in self._replaced.items():
            ops.setdefault(AWARD_RULES, []).append(ReplaceOne({"_id": event_id}, doc, upsert=True))
        return ops
