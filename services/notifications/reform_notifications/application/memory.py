"""What the service remembers from the events (its own database, never another service's): the directory copy
(`reform_shared.directory_copy`), each campaign's terms, initiatives, council and scores, each award's recipient.

Every write is idempotent (`$set`, `$addToSet`, or guarded by the event id), so a redelivered event changes
nothing: the consumer needs no checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from reform_notifications.domain.dossiers import DossierRules, rules_doc, rules_of
from reform_notifications.domain.facts import CampaignFacts
from reform_shared.directory_copy import VIEWS, directory_of
from reform_shared.directory_view import DirectoryView, facts_of, meta_of
from reform_shared.envelope import EventEnvelope
from reform_shared.events import (
    AwardProposed,
    AwardRulesSet,
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
from reform_shared.events.directory import DIRECTORY_PAYLOADS

CAMPAIGNS = "campaigns"
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
    base = f"initiatives.{p.initiative_id}"
    authors = [a.user_id for a in p.content.authors if a.user_id] if p.content.author_kind == "individual" else []
    return {"$set": {f"{base}.title": p.content.title, f"{base}.unit_id": p.content.unit.unit_id,
                     f"{base}.authors": authors}}


CAMPAIGN_UPDATES: dict[type[Any], Callable[[Any], Update]] = {
    CampaignLaunched: _terms,
    CampaignAmended: _terms,
    InitiativeSubmitted: _content,
    InitiativeRevised: _content,
    InitiativeWithdrawn: lambda p: {"$set": {f"initiatives.{p.initiative_id}.withdrawn": True}},
    CouncilConstituted: lambda p: {"$set": {"council": [m.user_id for m in p.members]}},
    CouncilMembershipChanged: lambda p: {"$set": {"council": [m.user_id for m in p.members]}},
    ScoringOpened: lambda p: {"$set": {"scoring_opened": True}},
    ScoreRecorded: lambda p: {"$addToSet": {f"initiatives.{p.initiative_id}.scored_by": p.member_id}},
    ConflictDeclared: lambda p: {"$addToSet": {f"initiatives.{p.initiative_id}.conflicted": p.member_id}},
    RecognitionDecisionSigned: lambda p: {"$set": {"decision_signed": True}},
    Nominated: lambda p: {"$set": {"nominated": True}},
}
"""The campaign document's update per event: the whole memory of the service, on one screen."""


class Memory:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def remember(self, e: EventEnvelope) -> None:
        p = e.payload
        if isinstance(p, DIRECTORY_PAYLOADS):
            await self._directory_facts(e)
        elif isinstance(p, AwardRulesSet):
            doc = rules_doc(e.event_id, e.occurred_at, p)
            await self._db[AWARD_RULES].replace_one({"_id": e.event_id}, doc, upsert=True)
        elif isinstance(p, AwardProposed):
            await self._db[AWARDS].update_one({"_id": f"{e.commune_id}:{p.award_id}"},
                                              {"$set": {"recipient": p.recipient.model_dump(mode="json")}},
                                              upsert=True)
        update = CAMPAIGN_UPDATES.get(type(p))
        if update is not None:
            campaign_id = p.campaign_id  # type: ignore[attr-defined]
            ids = {"commune_id": e.commune_id, "campaign_id": campaign_id}
            change = update(p)
            change.setdefault("$set", {}).update(ids)
            await self._db[CAMPAIGNS].update_one({"_id": f"{e.commune_id}:{campaign_id}"}, change, upsert=True)

    async def _directory_facts(self, e: EventEnvelope) -> None:
        """The facts appended once: the event id guards the push (a redelivery finds it applied)."""
        try:
            await self._db[VIEWS].update_one(
                {"_id": e.commune_id, "applied": {"$ne": e.event_id}},
                {"$push": {"facts": {"$each": facts_of(e.payload, meta_of(e))}}, "$addToSet": {"applied": e.event_id}},
                upsert=True)
        except DuplicateKeyError:
            pass

    async def campaign(self, commune_id: str, campaign_id: str) -> CampaignFacts:
        doc = await self._db[CAMPAIGNS].find_one({"_id": f"{commune_id}:{campaign_id}"})
        return CampaignFacts.from_doc(commune_id, campaign_id, doc)

    async def campaigns(self) -> list[CampaignFacts]:
        return [CampaignFacts.from_doc(d["commune_id"], d["campaign_id"], d)
                async for d in self._db[CAMPAIGNS].find({})]

    async def award_recipient(self, commune_id: str, award_id: str) -> dict[str, Any] | None:
        doc = await self._db[AWARDS].find_one({"_id": f"{commune_id}:{award_id}"})
        return doc["recipient"] if doc else None

    async def award_rules(self) -> list[DossierRules]:
        """Every set of award rules the city recorded, in the order it set them."""
        return [rules_of(d) async for d in self._db[AWARD_RULES].find({}).sort([("occurred_at", 1), ("_id", 1)])]

    async def directory(self, commune_id: str) -> DirectoryView:
        return await directory_of(self._db, commune_id)

    async def communes(self) -> list[str]:
        return [d["_id"] async for d in self._db[VIEWS].find({}, {"_id": 1})]
