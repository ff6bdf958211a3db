"""The idempotent outbox: one document per (cause, recipient, channel), its id made of the three.

A redelivered event, a restarted service or a second tick computes the same notices: their ids are found already
there and nothing is written (the consumer's batch looks them up in its own transaction). The inbox channel is
delivered by the insert itself; an e-mail waits in `outbox` (pending, or held for the person's daily digest) until
the dispatcher sends it — unless its notice is history from before the node's restore (`domain/horizon.py`):
then it is kept as `history`, never sent, never gathered into a digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from reform_notifications.domain.horizon import HISTORY, HISTORY_NOTE
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

    async def preferences_of(self, notices: Iterable[Notice]) -> dict[str, Preferences]:
        """Each recipient's preferences (one query), by person key; the defaults for those who set none."""
        keys = sorted({person_key(n.commune_id, n.person.user_id) for n in notices})
        found = {d["_id"]: d async for d in self._db[PREFERENCES].find({"_id": {"$in": keys}})} if keys else {}
        return {k: Preferences.model_validate({f: v for f, v in found.get(k, {}).items() if f != "_id"})
                for k in keys}

    def documents(self, notices: Iterable[Notice], prefs: dict[str, Preferences], now: dt.datetime
                  ) -> list[tuple[str, dict[str, Any]]]:
        """(collection, document) of each notice on the channels its person wants, each id once."""
        docs: dict[tuple[str, str], dict[str, Any]] = {}
        for notice in notices:
            p = prefs[person_key(notice.commune_id, notice.person.user_id)]
            if not p.wants(notice.kind):
                continue
            docs.setdefault((INBOX, notice.key("inbox")), self._inbox_doc(notice, now))
            if self._email and p.email and notice.person.email:
                docs.setdefault((OUTBOX, notice.key("email")), self._email_doc(notice, now, p.digest))
        return [(collection, doc) for (collection, _), doc in docs.items()]

    async def take(self, notices: Sequence[Notice], now: dt.datetime) -> int:
        """Record each notice on the channels the person wants; returns how many were new."""
        return await self.insert_new(self.documents(notices, await self.preferences_of(notices), now))

    async def insert_new(self, docs: Sequence[tuple[str, dict[str, Any]]],
                         session: AsyncClientSession | None = None) -> int:
        """Insert the documents whose id no document holds yet; returns how many were inserted."""
        new = 0
        for collection in (INBOX, OUTBOX):
            mine = [doc for c, doc in docs if c == collection]
            if not mine:
                continue
            found = self._db[collection].find({"_id": {"$in": [d["_id"] for d in mine]}}, {"_id": 1}, session=session)
            there = {d["_id"] async for d in found}
            fresh = [d for d in mine if d["_id"] not in there]
            new += await self._insert(collection, fresh, session)
        return new

    async def _insert(self, collection: str, docs: list[dict[str, Any]], session: AsyncClientSession | None) -> int:
        if not docs:
            return 0
        try:
            await self._db[collection].insert_many(docs, ordered=False, session=session)
        except BulkWriteError as exc:  # outside a transaction, another writer got there first: that one stands
            if session is not None or any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
            return int(exc.details.get("nInserted", 0))
        return len(docs)

    @staticmethod
    def _common(notice: Notice, now: dt.datetime) -> dict[str, Any]:
        return {"person": person_key(notice.commune_id, notice.person.user_id), "commune_id": notice.commune_id,
                "user_id": notice.person.user_id, "kind": notice.kind, "cause": notice.cause,
                "subject": notice.subject, "lines": list(notice.lines), "link": notice.link,
                "facts": notice.facts, "created_at": now}

    def _inbox_doc(self, notice: Notice, now: dt.datetime) -> dict[str, Any]:
        return {"_id": notice.key("inbox"), **self._common(notice, now), "read_at": None}

    def _email_doc(self, notice: Notice, now: dt.datetime, digest: bool) -> dict[str, Any]:
        doc = {"_id": notice.key("email"), **self._common(notice, now), "channel": "email",
               "to_name": notice.person.name, "to_address": notice.person.email,
               "status": "held" if digest else "pending", "digest_day": now.astimezone(VIETNAM).date().isoformat(),
               "attempts": 0, "next_at": now, "last_error": None, "sent_at": None}
        return {**doc, "status": HISTORY, "note": HISTORY_NOTE} if notice.history else doc
