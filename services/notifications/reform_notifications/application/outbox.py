"""The idempotent outbox: one document per (cause, recipient, channel), its id made of the three.

A redelivered event, a restarted service or a second tick computes the same notices: their inserts meet
the unique `_id` and change nothing. The inbox channel is delivered by the insert itself; an e-mail waits
in `outbox` (pending, or held for the person's daily digest) until the dispatcher sends it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from reform_notifications.domain.notice import Notice
from reform_notifications.domain.preferences import Preferences
from reform_notifications.domain.reminders import VIETNAM

INBOX = "inbox"
OUTBOX = "outbox"
PREFERENCES = "preferences"


def person_key(commune_id: str, user_id: str) -> str:
    return f"{commune_id}:{user_id}"


class Outbox:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], email: bool = True) -> None:
        self._db = db
        self._email = email

    async def ensure_indexes(self) -> None:
        await self._db[INBOX].create_index([("person", 1), ("created_at", -1)])
        await self._db[OUTBOX].create_index([("status", 1), ("next_at", 1)])

    async def preferences(self, commune_id: str, user_id: str) -> Preferences:
        doc = await self._db[PREFERENCES].find_one({"_id": person_key(commune_id, user_id)})
        return Preferences.model_validate({k: v for k, v in (doc or {}).items() if k != "_id"})

    async def set_preferences(self, commune_id: str, user_id: str, prefs: Preferences) -> None:
        await self._db[PREFERENCES].replace_one({"_id": person_key(commune_id, user_id)},
                                                prefs.model_dump(mode="json"), upsert=True)

    async def take(self, notices: Iterable[Notice], now: dt.datetime) -> int:
        """Record each notice on the channels the person wants; returns how many were new."""
        new = 0
        for notice in notices:
            prefs = await self.preferences(notice.commune_id, notice.person.user_id)
            if not prefs.wants(notice.kind):
                continue
            new += await self._insert(INBOX, self._inbox_doc(notice, now))
            if self._email and prefs.email and notice.person.email:
                new += await self._insert(OUTBOX, self._email_doc(notice, now, prefs.digest))
        return new

    async def _insert(self, collection: str, doc: dict[str, Any]) -> int:
        try:
            await self._db[collection].insert_one(doc)
            return 1
        except DuplicateKeyError:
            return 0

    @staticmethod
    def _common(notice: Notice, now: dt.datetime) -> dict[str, Any]:
        return {"person": person_key(notice.commune_id, notice.person.user_id), "commune_id": notice.commune_id,
                "user_id": notice.person.user_id, "kind": notice.kind, "cause": notice.cause,
                "subject": notice.subject, "lines": list(notice.lines), "link": notice.link,
                "facts": notice.facts, "created_at": now}

    def _inbox_doc(self, notice: Notice, now: dt.datetime) -> dict[str, Any]:
        return {"_id": notice.key("inbox"), **self._common(notice, now), "read_at": None}

    def _email_doc(self, notice: Notice, now: dt.datetime, digest: bool) -> dict[str, Any]:
        return {"_id": notice.key("email"), **self._common(notice, now), "channel": "email",
                "to_name": notice.person.name, "to_address": notice.person.email,
                "status": "held" if digest else "pending", "digest_day": now.astimezone(VIETNAM).date().isoformat(),
                "attempts": 0, "next_at": now, "last_error": None, "sent_at": None}
