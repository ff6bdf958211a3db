"""The identity service's projection of the directory: the directory events themselves, per commune, in
stream order, folded on demand (`domain.directory.Directory.of`). A commune's directory is a few hundred
entries, so folding it at sign-in costs little, and the fold stays the one pure function of the events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from reform_identity.domain.directory import FOLDED, Directory
from reform_shared.envelope import EventPayload
from reform_shared.projection import Projection, Upsert, Write
from reform_shared.store import StoredEvent

DIRECTORY_EVENTS = "directory_events"
TYPES: dict[str, type[EventPayload]] = {cls.event_type: cls for cls in FOLDED}


class DirectoryLog(Projection):
    name = "identity_directory"
    event_types = tuple(TYPES)
    collections = (DIRECTORY_EVENTS,)

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[DIRECTORY_EVENTS].create_index([("commune_id", ASCENDING), ("seq", ASCENDING)])
        await db[DIRECTORY_EVENTS].create_index([("official_ids", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        e = event.envelope
        payload = e.payload
        data = payload.model_dump(mode="json")
        return [Write(DIRECTORY_EVENTS, Upsert(f"{e.commune_id}:{event.stream_seq}", {
            "commune_id": e.commune_id, "seq": event.stream_seq, "type": payload.event_type, "payload": data,
            "official_ids": mentioned(data)}))]


def mentioned(data: dict[str, Any]) -> list[str]:
    """The officials an event names (to find which communes know a user name)."""
    ids = [data["official_id"]] if "official_id" in data else []
    if isinstance(data.get("official"), dict):
        ids.append(data["official"]["official_id"])
    ids += [o["official_id"] for o in data.get("officials", [])]
    return sorted(set(ids))


class DirectoryReader:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def directory(self, commune_id: str, on: dt.date) -> Directory:
        cursor = self._db[DIRECTORY_EVENTS].find({"commune_id": commune_id}).sort("seq", ASCENDING)
        events = [TYPES[doc["type"]].model_validate(doc["payload"]) async for doc in cursor if doc["type"] in TYPES]
        return Directory.of(events, on)

    async def communes_knowing(self, official_id: str) -> list[str]:
        communes = await self._db[DIRECTORY_EVENTS].distinct("commune_id", {"official_ids": official_id})
        return sorted(str(c) for c in communes)
