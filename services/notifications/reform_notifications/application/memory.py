"""What the service remembers from the events (its own database, never another service's): the directory copy
(`reform_shared.directory_copy`), each campaign's terms and council, each of its initiatives (a document of its
own: authors, withdrawal, scores, conflicts), each award's recipient.

The consumer reads what a batch needs once (`application/working.py`), changes it in memory event by event with
the updates below, and writes it with the batch's notices and its checkpoint in one transaction. The directory's
facts are appended one event at a time, guarded by the event id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from reform_notifications.domain.dossiers import DossierRules, rules_of
from reform_notifications.domain.facts import CampaignFacts
from reform_shared.directory_copy import HEADS, VIEWS, directory_of
from reform_shared.directory_view import DirectoryView, facts_of, meta_of
from reform_shared.envelope import EventEnvelope
from reform_shared.events import (
    CampaignAmended,
    CampaignLaunched,
    ConflictDeclared,
    CouncilConstituted,
    CouncilMembershipChanged,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
    Nominated,
    RecognitionDecisionSigned,
    ScoreRecorded,
    ScoringOpened,
)

CAMPAIGNS = "campaigns"
INITIATIVES = "campaign_initiatives"
AWARDS = "awards"
AWARD_RULES = "award_rules"
Update = dict[str, Any]


def _terms(p: CampaignLaunched | CampaignAmended) -> Update:
    terms = {"title": p.title, "closes_at": p.submission_closes_at,
             "expected_units": [u.unit_id for u in p.expected_units]}
    for name in ("evaluation_deadline", "recognition_deadline", "nomination_deadline"):
        day = getattr(p, name)
        terms[name] = day.isoformat() if day else None
    if isinstance(p, CampaignLaunched):
        terms["year"] = p.year
    return {"$set": terms}


def _content(p: InitiativeSubmitted | InitiativeRevised) -> Update:
    authors = [a.user_id for a in p.content.authors if a.user_id] if p.content.author_kind == "individual" else []
    return {"$set": {"title": p.content.title, "unit_id": p.content.unit.unit_id, "authors": authors}}


CAMPAIGN_UPDATES: dict[type[Any], Callable[[Any], Update]] = {
    CampaignLaunched: _terms,
    CampaignAmended: _terms,
    CouncilConstituted: lambda p: {"$set": {"council": [m.user_id for m in p.members]}},
    CouncilMembershipChanged: lambda p: {"$set": {"council": [m.user_id for m in p.members]}},
    ScoringOpened: lambda p: {"$set": {"scoring_opened": True}},
    RecognitionDecisionSigned: lambda p: {"$set": {"decision_signed": True}},
    Nominated: lambda p: {"$set": {"nominated": True}},
}
"""The campaign document's update per event."""

INITIATIVE_UPDATES: dict[type[Any], Callable[[Any], Update]] = {
    InitiativeSubmitted: _content,
    InitiativeRevised: _content,
    InitiativeWithdrawn: lambda p: {"$set": {"withdrawn": True}},
    ScoreRecorded: lambda p: {"$addToSet": {"scored_by": p.member_id}},
    ConflictDeclared: lambda p: {"$addToSet": {"conflicted": p.member_id}},
}
"""The initiative document's update per event: with the campaign's, the whole memory of the service."""


def campaign_key(commune_id: str, campaign_id: str) -> str:
    return f"{commune_id}:{campaign_id}"


def initiative_key(commune_id: str, campaign_id: str, initiative_id: str) -> str:
    return f"{commune_id}:{campaign_id}:{initiative_id}"


class Memory:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def ensure_indexes(self) -> None:
        await self._db[INITIATIVES].create_index([("commune_id", 1), ("campaign_id", 1)])
        await self._migrate_embedded_initiatives()

    async def _migrate_embedded_initiatives(self) -> None:
        """A campaign document written before the initiatives had documents of their own gives them out once."""
        async for doc in self._db[CAMPAIGNS].find({"initiatives": {"$exists": True}}):
            ids = {"commune_id": doc["commune_id"], "campaign_id": doc["campaign_id"]}
            for initiative_id, facts in (doc.get("initiatives") or {}).items():
                key = initiative_key(ids["commune_id"], ids["campaign_id"], initiative_id)
                with_ids = {**facts, **ids, "initiative_id": initiative_id}
                await self._db[INITIATIVES].update_one({"_id": key}, {"$setOnInsert": with_ids}, upsert=True)
            await self._db[CAMPAIGNS].update_one({"_id": doc["_id"]}, {"$unset": {"initiatives": ""}})

    async def docs(self, collection: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The documents of a collection with these ids, by id (one query)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        return {d["_id"]: d async for d in self._db[collection].find({"_id": {"$in": wanted}})}

    async def remember_directory(self, e: EventEnvelope) -> None:
        """The facts appended once: the event id guards the push (a redelivery finds it applied). The copy's head
        (`HEADS`) is then set from the copy, every time, and only forward (two writers overlapping, as in a
        redeploy, never move it back): a head left behind its copy (a process killed between the two) serves the
        copy as that head names it until the redelivery, which mends it; a process started again folds the copy as
        it is."""
        try:
            await self._db[VIEWS].update_one(
                {"_id": e.commune_id, "applied": {"$ne": e.event_id}},
                {"$push": {"facts": {"$each": facts_of(e.payload, meta_of(e))}}, "$addToSet": {"applied": e.event_id},
                 "$inc": {"n": 1}, "$set": {"last": e.event_id}},
                upsert=True)
        except DuplicateKeyError:
            pass
        head = await self._db[VIEWS].find_one({"_id": e.commune_id}, {"n": 1, "last": 1})
        if head is not None:
            n = int(head.get("n", 0))
            try:
                await self._db[HEADS].update_one({"_id": e.commune_id, "n": {"$lt": n}},
                                                 {"$set": {"n": n, "last": head.get("last")}}, upsert=True)
            except DuplicateKeyError:  # the head is there already, at this copy or a later one
                pass

    async def campaigns(self) -> list[CampaignFacts]:
        """Every campaign remembered, without its initiatives (`with_initiatives` reads them)."""
        return [CampaignFacts.from_doc(d["commune_id"], d["campaign_id"], d)
                async for d in self._db[CAMPAIGNS].find({})]

    async def with_initiatives(self, c: CampaignFacts) -> CampaignFacts:
        doc = await self._db[CAMPAIGNS].find_one({"_id": campaign_key(c.commune_id, c.campaign_id)})
        found = self._db[INITIATIVES].find({"commune_id": c.commune_id, "campaign_id": c.campaign_id})
        return CampaignFacts.from_doc(c.commune_id, c.campaign_id, doc, [d async for d in found])

    async def award_rules(self) -> list[DossierRules]:
        """Every set of award rules the city recorded, in the order it set them."""
        return [rules_of(d) async for d in self._db[AWARD_RULES].find({}).sort([("occurred_at", 1), ("_id", 1)])]

    async def directory(self, commune_id: str) -> DirectoryView:
        return await directory_of(self._db, commune_id)

    async def communes(self) -> list[str]:
        return [d["_id"] async for d in self._db[VIEWS].find({}, {"_id": 1})]
