"""The replication service's read model, one projection of four collections:

- `sources`: per initiative of any commune, what this node received of it (content, the signed decision,
  the city's decision, other communes' adoptions and results) and a revision counting those facts. On the
  city node the relay (`relay.py`) publishes each recognised source's next revision to the catalogue.
- `catalogue`: the city's published entries (`CatalogueEntryPublished`), as every node receives them:
  what a commune reads, offline, from its own database.
- `adoptions`: the adoptions this node knows (its communes' own at once, every commune's on the city node).
- `files`: the catalogue files whose every chunk this node holds (`CatalogueFileSent`, read under the files
  prefix `<prefix>-files`; the chunks stay in the stream, read by `files.py`): `origin`, the originating
  commune's copy (on its own node and on the city), and `here`, the copy the city checked and relayed.
- `communes`: every commune this node saw launch a campaign (the city's view of who adopts nothing), and
  `campaigns` the year of each (an entry's year is its campaign's).
"""

from __future__ import annotations

import time
from typing import Any

from pymongo import ASCENDING, ReplaceOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from reform_replication.domain.catalogue import public_content, search_text
from reform_shared.envelope import EventEnvelope
from reform_shared.events import (
    CampaignLaunched,
    CityRecognitionDecided,
    InitiativeRevised,
    InitiativeSubmitted,
    RecognitionDecisionSigned,
)
from reform_shared.events.replication import (
    AdoptionResultsReported,
    CatalogueEntryPublished,
    CatalogueFileSent,
    InitiativeAdopted,
    entry_id_of,
)
from reform_shared.federation import FILES as FILES_SUFFIX
from reform_shared.projection import CHECKPOINTS, Projection, Upsert, Write, WriteTable
from reform_shared.store import StoredEvent
from reform_shared.subjects import event_type_filter
from reform_shared.text import fold

SOURCES, CATALOGUE, ADOPTIONS, COMMUNES, CAMPAIGNS = "sources", "catalogue", "adoptions", "communes", "campaigns"
FILES = "files"
RELAYED_BY = "city"
"""The pseudo-commune of the city's data: a `catalogfile` under it is the copy the city checked and relayed."""
WRITES = WriteTable()


def _source(key: str, set_: dict[str, Any], bump: bool = True) -> Write:
    """A planned upsert (`$set` and the revision's `$inc`): a catch-up batch inserts the sources it creates."""
    return Write(SOURCES, Upsert(key, set_, inc={"revision": 1} if bump else {}))


def _content(envelope: EventEnvelope, p: InitiativeSubmitted | InitiativeRevised) -> list[Write]:
    key = entry_id_of(envelope.commune_id, p.initiative_id)
    return [_source(key, {"origin_commune_id": envelope.commune_id, "initiative_id": p.initiative_id,
                          "campaign_id": p.campaign_id, "content": public_content(p.content)})]


@WRITES.on(InitiativeSubmitted)
def _submitted(envelope: EventEnvelope, p: InitiativeSubmitted) -> list[Write]:
    return _content(envelope, p)


@WRITES.on(InitiativeRevised)
def _revised(envelope: EventEnvelope, p: InitiativeRevised) -> list[Write]:
    return _content(envelope, p)


@WRITES.on(RecognitionDecisionSigned)
def _signed(envelope: EventEnvelope, p: RecognitionDecisionSigned) -> list[Write]:
    decided = {"recognition_number": p.decision_number, "recognition_date": p.decision_date.isoformat(),
               "year": p.decision_date.year, "recognised": True}
    return [_source(entry_id_of(envelope.commune_id, i), {"origin_commune_id": envelope.commune_id,
                                                           "initiative_id": i, **decided})
            for i in p.initiative_ids]


@WRITES.on(CityRecognitionDecided)
def _city(envelope: EventEnvelope, p: CityRecognitionDecided) -> list[Write]:
    decided: dict[str, Any] = {
        "origin_commune_id": envelope.commune_id, "initiative_id": p.initiative_id, "city_recognised": p.recognised,
        "city_decision_number": p.decision_number, "city_decision_date": p.decision_date.isoformat(),
        "city_year": p.year}
    if p.recognised:
        decided["recognised"] = True
    return [_source(entry_id_of(envelope.commune_id, p.initiative_id), decided)]


@WRITES.on(InitiativeAdopted)
def _adopted(envelope: EventEnvelope, p: InitiativeAdopted) -> list[Write]:
    adoption: dict[str, Any] = {"adoption_id": p.adoption_id, "commune_id": envelope.commune_id,
                "unit": p.unit.model_dump(mode="json"), "responsible": p.responsible, "since": p.since.isoformat(),
                "adaptation": p.adaptation, "indicators": [], "measured_on": None}
    mine = {**adoption, "origin_commune_id": p.origin_commune_id, "origin_initiative_id": p.origin_initiative_id,
            "title": p.title, "decision_number": p.decision_number, "reports": []}
    return [_source(p.adoption_id, {f"adoptions.{envelope.commune_id}": adoption}),
            Write(ADOPTIONS, ReplaceOne({"_id": f"{envelope.commune_id}:{p.adoption_id}"}, mine, upsert=True)),
            Write(COMMUNES, UpdateOne({"_id": envelope.commune_id}, {"$set": {"seen": True}}, upsert=True))]


@WRITES.on(AdoptionResultsReported)
def _results(envelope: EventEnvelope, p: AdoptionResultsReported) -> list[Write]:
    measured = {"measured_on": p.measured_on.isoformat(),
                "indicators": [i.model_dump(mode="json") for i in p.indicators]}
    at = f"adoptions.{envelope.commune_id}"
    return [_source(p.adoption_id, {f"{at}.{k}": v for k, v in measured.items()}),
            Write(ADOPTIONS, UpdateOne({"_id": f"{envelope.commune_id}:{p.adoption_id}"},
                                       {"$set": measured, "$push": {"reports": {**measured, "note": p.note}}}))]


@WRITES.on(CatalogueEntryPublished)
def _published(envelope: EventEnvelope, p: CatalogueEntryPublished) -> list[Write]:
    doc = {**p.model_dump(mode="json"), "_id": p.entry_id, "search_text": search_text(p),
           "problem_text": fold(p.problem), "adoption_count": len(p.adoptions),
           "published_at": envelope.occurred_at.isoformat()}
    return [Write(CATALOGUE, ReplaceOne({"_id": p.entry_id}, doc, upsert=True)),
            Write(SOURCES, UpdateOne({"_id": p.entry_id}, {"$max": {"published_revision": p.revision}},
                                     upsert=True))]


@WRITES.on(CatalogueFileSent)
def _file(envelope: EventEnvelope, p: CatalogueFileSent) -> list[Write]:
    copy = "here" if envelope.commune_id == RELAYED_BY else "origin"
    held = {"entry_id": p.entry_id, "origin_commune_id": p.origin_commune_id, "chunks": p.chunks,
            "attachment": p.attachment.model_dump(mode="json"), "commune_id": envelope.commune_id}
    return [Write(FILES, UpdateOne({"_id": p.file_id}, {"$set": {copy: held}}, upsert=True))]


@WRITES.on(CampaignLaunched)
def _commune(envelope: EventEnvelope, p: CampaignLaunched) -> list[Write]:
    return [Write(COMMUNES, UpdateOne({"_id": envelope.commune_id}, {"$set": {"seen": True}}, upsert=True)),
            Write(CAMPAIGNS, ReplaceOne({"_id": f"{envelope.commune_id}:{p.campaign_id}"}, {"year": p.year},
                                        upsert=True))]


class ReplicationBook(Projection):
    name = "replication"
    event_types = WRITES.event_types
    collections = (SOURCES, CATALOGUE, ADOPTIONS, COMMUNES, CAMPAIGNS, FILES)
    version = 2
    """2: a source recognised once (by its commune's signed decision, or the city's) is marked `recognised`, indexed:
    the relay and the files' sender read those, not every initiative of the city, at every round."""

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[SOURCES].create_index([("recognised", ASCENDING)], sparse=True)

    def subject_filters(self, prefix: str) -> list[str]:
        """Its event types under `prefix`; the catalogue files' marker under the files prefix beside it."""
        marker = CatalogueFileSent.event_type
        return [f for f in super().subject_filters(prefix) if f != event_type_filter(prefix, marker)] + [
            event_type_filter(prefix + FILES_SUFFIX, marker)]

    def apply(self, event: StoredEvent) -> list[Write]:
        writes = WRITES.writes(event.envelope)
        if isinstance(event.envelope.payload, CatalogueFileSent):  # where its chunks are: the subject's prefix
            copy = "here" if event.envelope.commune_id == RELAYED_BY else "origin"
            writes.append(Write(FILES, UpdateOne({"_id": event.envelope.payload.file_id},
                                                 {"$set": {f"{copy}.prefix": event.subject.split(".")[0]}})))
        return writes


FULL_ROUND_SECONDS = 60.0
"""However still the book's checkpoint, the rounds that read it run once this often: a parked event replayed by an
operator writes the book in a transaction of its own, without moving the checkpoint."""


class BookRounds:
    """When a round that reads the book (the relay, the files' rounds) has work: its checkpoint moved since the last
    round that finished, or a minute passed. Idle, a round costs one read of the checkpoint."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db
        self._settled_at: int | None = None
        """The book's checkpoint when a round last finished (nothing postponed)."""
        self._full_round_at = 0.0

    async def begin(self, due: bool = False) -> int | None:
        """The book's checkpoint if this round is to run (`due`: the caller has work of its own), else None."""
        doc = await self._db[CHECKPOINTS].find_one({"_id": ReplicationBook.name}, {"seq": 1})
        checkpoint = int((doc or {}).get("seq", 0))
        now = time.monotonic()
        if checkpoint == self._settled_at and not due and now - self._full_round_at < FULL_ROUND_SECONDS:
            return None
        self._full_round_at = now
        return checkpoint

    def end(self, checkpoint: int, finished: bool) -> None:
        """A round that finished settles at the checkpoint it began from; one postponed runs again next time."""
        self._settled_at = checkpoint if finished else None
