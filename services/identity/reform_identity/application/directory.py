"""The identity service's copy of the directory, kept exactly as every service keeps it
(`reform_shared.directory_view`): one document per commune whose `facts` array each directory event's facts
are appended to (`facts_of`, `meta_of`), read back with `DirectoryView.from_dict`. Roles, headship and
departures are therefore read at sign-in the way the other services read them.

Beside it, one small document per (commune, official) says which communes know a user name, so `lan`
signs in without typing her commune when only one commune knows her.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.directory_copy import HEADS, VIEWS, copy_written, directory_of
from reform_shared.directory_view import DirectoryView, facts_of, meta_of
from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.events.directory import DIRECTORY_PAYLOADS
from reform_shared.projection import Projection, Upsert, Write, WriteTable
from reform_shared.store import StoredEvent

KNOWN = "directory_officials"


def _writes(e: EventEnvelope, p: EventPayload) -> list[Write]:
    facts = facts_of(p, meta_of(e))
    known = sorted({f["id"] for f in facts if f["k"] == "official"})
    return [*copy_written(e, facts),
            *(Write(KNOWN, Upsert(f"{e.commune_id}:{official_id}", set={
                "commune_id": e.commune_id, "official_id": official_id})) for official_id in known)]


WRITES = WriteTable({payload: _writes for payload in DIRECTORY_PAYLOADS})


class DirectoryCopy(Projection):
    name = "identity_directory_view"
    event_types = WRITES.event_types
    collections = (VIEWS, HEADS, KNOWN)

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[KNOWN].create_index([("official_id", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        return WRITES.writes(event.envelope)


class DirectoryReader:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def view(self, commune_id: str) -> DirectoryView:
        return await directory_of(self._db, commune_id)

    async def communes_knowing(self, official_id: str) -> list[str]:
        found = self._db[KNOWN].find({"official_id": official_id})
        return sorted({str(doc["commune_id"]) async for doc in found})

    async def communes(self) -> list[str]:
        return sorted({str(doc["_id"]) async for doc in self._db[VIEWS].find({}, {"_id": 1})})
