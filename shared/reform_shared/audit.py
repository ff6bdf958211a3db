"""The record's own audit: every event of the stream, whatever its type, is read once more here.

Projections read the event types they know, filtered on the server, so an event of a type no service
knows (a newer producer, a forged or mistyped subject) would reach no consumer and nobody would hear of
it. This projection reads every subject of the node's prefixes: an unknown type, an event that does not
parse, or one whose body names another commune than its subject is parked where operators see it
(`GET /ops/projections`, `…/event_audit/parked`), and what does parse is counted per commune and type.
"""

from __future__ import annotations

from typing import Any

from pymongo import UpdateOne

from reform_shared.projection import Projection, Write
from reform_shared.store import StoredEvent

AUDIT = "event_audit"


class EventAudit(Projection):
    name = AUDIT
    event_types = ()
    collections = (AUDIT,)

    def subject_filters(self, prefix: str) -> list[str]:
        return [f"{prefix}.>"]

    def apply(self, event: StoredEvent) -> list[Write]:
        envelope = event.envelope
        key = f"{envelope.commune_id}:{envelope.event_type}"
        update: dict[str, Any] = {
            "$setOnInsert": {"commune_id": envelope.commune_id, "event_type": envelope.event_type,
                             "first_seq": event.stream_seq},
            "$inc": {"count": 1},
            "$max": {"last_seq": event.stream_seq},
        }
        return [Write(AUDIT, UpdateOne({"_id": key}, update, upsert=True))]
