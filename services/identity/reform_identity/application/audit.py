"""The identity service's audit record: every sign-in, failure, lockout, reset and token issue.

Append-only, in its own collection written with majority and journaled write concern (the answer waits
until the write is durable). Never a secret in it: no password, hash, code or token — a token's `jti` at
most. Kept out of the event stream on purpose: the commune's stream is federated to the city, and who
tried which password when is the commune's business.
"""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING, WriteConcern
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.ids import Clock, new_id

AUDIT = "audit"
DURABLE = WriteConcern(w="majority", j=True)
KINDS = ("sign_in", "sign_in_failed", "sign_in_refused", "locked", "unlocked", "password_reset",
         "password_changed", "password_change_failed", "key_rotated", "token_issued", "token_refused",
         "refresh_reused", "signed_out",
         "service_account_created", "service_account_disabled")


class AuditLog:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], clock: Clock) -> None:
        self._records = db.get_collection(AUDIT, write_concern=DURABLE)
        self._clock = clock

    async def record(self, kind: str, *, commune_id: str | None, subject: str | None, by: str | None = None,
                     client_id: str | None = None, ip: str | None = None, **detail: Any) -> None:
        assert kind in KINDS, kind
        await self._records.insert_one({
            "_id": new_id(), "at": self._clock.now(), "kind": kind, "commune_id": commune_id, "subject": subject,
            "by": by, "client_id": client_id, "ip": ip, "detail": detail})

    async def read(self, commune_id: str, *, subject: str | None = None, kind: str | None = None,
                   limit: int = 200) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"commune_id": commune_id}
        if subject:
            query["subject"] = subject
        if kind:
            query["kind"] = kind
        cursor = self._records.find(query).sort([("at", DESCENDING), ("_id", DESCENDING)]).limit(limit)
        return [shown(doc) async for doc in cursor]


def shown(doc: dict[str, Any]) -> dict[str, Any]:
    entry = {key: value for key, value in doc.items() if key != "_id"}
    return {"id": doc["_id"], **entry, "at": doc["at"].isoformat()}
