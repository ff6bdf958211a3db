"""The in-app inbox of one person: list, unread count, mark read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_notifications.application.outbox import INBOX, person_key


class Inbox:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def listed(self, commune_id: str, user_id: str, unread_only: bool = False, limit: int = 50
                   ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"person": person_key(commune_id, user_id)}
        if unread_only:
            query["read_at"] = None
        return [doc async for doc in self._db[INBOX].find(query).sort("created_at", -1).limit(limit)]

    async def unread(self, commune_id: str, user_id: str) -> int:
        return await self._db[INBOX].count_documents({"person": person_key(commune_id, user_id), "read_at": None})

    async def mark_read(self, commune_id: str, user_id: str, ids: list[str] | None, now: dt.datetime) -> int:
        """Mark the named notifications (or all of them) read; only the person's own."""
        query: dict[str, Any] = {"person": person_key(commune_id, user_id), "read_at": None}
        if ids is not None:
            query["_id"] = {"$in": ids}
        result = await self._db[INBOX].update_many(query, {"$set": {"read_at": now}})
        return result.modified_count
