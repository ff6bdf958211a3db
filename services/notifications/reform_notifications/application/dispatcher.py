"""One tick of the clock: reminders that fell due, yesterday's digests, e-mails due (retried with backoff).

Called every few seconds by the service and directly by tests with a test clock. Everything it writes is
keyed (reminder keys, digest ids), so two ticks at the same moment, or a tick after a restart, send once. A
reminder that fell due before the node's last restore is history (`domain/horizon.py`): the node may have mailed
it before its backup, so it goes to the inbox only.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from reform_notifications.adapters.rendering import render
from reform_notifications.application.memory import Memory
from reform_notifications.application.outbox import OUTBOX, Outbox
from reform_notifications.application.ports import Channel, DeliveryFailed
from reform_notifications.domain.horizon import NEVER_RESTORED, Horizon
from reform_notifications.domain.notice import Notice, Person
from reform_notifications.domain.recipients import Known
from reform_notifications.domain.reminders import VIETNAM, campaign_reminders, commune_reminders, needs_initiatives

log = logging.getLogger(__name__)
LEASE = dt.timedelta(seconds=60)
"""A claimed e-mail is not claimed again for this long (a process killed while sending retries it then)."""


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=30 * 2 ** (attempts - 1)), dt.timedelta(hours=1))


class Dispatcher:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], memory: Memory, outbox: Outbox, email: Channel,
                 portal_url: str, max_attempts: int = 8, horizon: Horizon = NEVER_RESTORED) -> None:
        self._db, self._memory, self._outbox, self._email = db, memory, outbox, email
        self._portal_url, self._max_attempts = portal_url, max_attempts
        self._horizon = horizon
        self._reminded: set[str] = set()
        """Reminders already taken by this process: each tick skips them (the outbox's ids stay the guarantee)."""

    async def tick(self, now: dt.datetime) -> dict[str, int]:
        return {"reminders": await self.remind(now), "digests": await self.digest(now),
                "sent": await self.deliver(now)}

    async def remind(self, now: dt.datetime) -> int:
        notices: list[Notice] = []
        for campaign in await self._memory.campaigns():
            if needs_initiatives(campaign, now):
                campaign = await self._memory.with_initiatives(campaign)
            notices += campaign_reminders(campaign, await self._memory.directory(campaign.commune_id), now)
        rule_sets = await self._memory.award_rules()
        for commune in await self._memory.communes():
            notices += commune_reminders(commune, await self._memory.directory(commune), now, rule_sets)
        fresh = self._horizon.mark(n for n in notices if n.key("inbox") not in self._reminded)
        taken = await self._outbox.take(fresh, now)
        self._reminded.update(n.key("inbox") for n in fresh)
        return taken

    async def digest(self, now: dt.datetime) -> int:
        """Each person's held e-mails of a day before today, gathered into one pending e-mail."""
        today = now.astimezone(VIETNAM).date().isoformat()
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        async for doc in self._db[OUTBOX].find({"status": "held", "digest_day": {"$lt": today}}).sort("created_at"):
            groups.setdefault((doc["person"], doc["digest_day"]), []).append(doc)
        made = 0
        for (person, day), docs in groups.items():
            first = docs[0]
            digest_id = f"digest:{person}:{day}:email"
            subject = f"Tổng hợp thông báo ngày {dt.date.fromisoformat(day):%d/%m/%Y} ({len(docs)} thông báo)"
            await self._db[OUTBOX].update_one({"_id": digest_id}, {"$setOnInsert": {
                "person": person, "commune_id": first["commune_id"], "user_id": first["user_id"], "kind": "digest",
                "cause": digest_id, "subject": subject, "lines": [], "link": "/thong-bao", "channel": "email",
                "sections": [[d["subject"], d["lines"], d["link"]] for d in docs], "to_name": first["to_name"],
                "to_address": first["to_address"], "status": "pending", "attempts": 0, "next_at": now,
                "last_error": None, "sent_at": None, "created_at": now}}, upsert=True)
            await self._db[OUTBOX].update_many({"_id": {"$in": [d["_id"] for d in docs]}},
                                               {"$set": {"status": "digested", "digest_id": digest_id}})
            made += 1
        return made

    async def deliver(self, now: dt.datetime, limit: int = 50) -> int:
        sent = 0
        for _ in range(limit):
            doc = await self._db[OUTBOX].find_one_and_update(
                {"status": "pending", "next_at": {"$lte": now}}, {"$set": {"next_at": now + LEASE}},
                sort=[("next_at", 1)], return_document=ReturnDocument.AFTER)
            if doc is None:
                break
            sent += await self._send(doc, now)
        return sent

    async def _send(self, doc: dict[str, Any], now: dt.datetime) -> int:
        sections = doc.get("sections") or [[doc["subject"], doc["lines"], doc["link"]]]
        message = render(doc["to_name"], doc["to_address"], doc["subject"], sections, self._portal_url)
        try:
            await self._email.send(message)
        except DeliveryFailed as exc:
            await self._failed(doc, now, str(exc))
            return 0
        await self._db[OUTBOX].update_one({"_id": doc["_id"]}, {"$set": {"status": "sent", "sent_at": now}})
        return 1

    async def _failed(self, doc: dict[str, Any], now: dt.datetime, error: str) -> None:
        attempts = doc["attempts"] + 1
        given_up = attempts >= self._max_attempts
        log.warning("e-mail %s failed (attempt %d): %s", doc["_id"], attempts, error)
        await self._db[OUTBOX].update_one({"_id": doc["_id"]}, {"$set": {
            "attempts": attempts, "last_error": error, "status": "failed" if given_up else "pending",
            "next_at": now + backoff(attempts)}})
        if given_up:
            await self._tell_operators(doc, now, error)

    async def _tell_operators(self, doc: dict[str, Any], now: dt.datetime, error: str) -> None:
        known = Known(await self._memory.directory(doc["commune_id"]))
        operators = known.with_role("operator", now.astimezone(VIETNAM).date())
        notices = [Notice("delivery_failed", f"failed:{doc['_id']}", doc["commune_id"], Person(p.user_id, p.name),
                          "Gửi e-mail thông báo thất bại", (f"Không gửi được «{doc['subject']}» tới "
                                                            f"{doc['to_address']}.", f"Lỗi: {error}"), "/ops")
                   for p in operators]
        await self._outbox.take(notices, now)

    async def failures(self, limit: int = 100) -> list[dict[str, Any]]:
        """What operators look at: e-mails given up on, and those still being retried after a failure."""
        query = {"$or": [{"status": "failed"}, {"status": "pending", "attempts": {"$gt": 0}}]}
        fields = {"_id": 1, "status": 1, "attempts": 1, "last_error": 1, "next_at": 1, "to_address": 1,
                  "subject": 1, "kind": 1}
        return [doc async for doc in self._db[OUTBOX].find(query, fields).sort("next_at", 1).limit(limit)]
