"""The record's own audit: every event of the stream, whatever its type, is read once more here.

Projections read the event types they know, filtered on the server, so an event of a type no service
knows (a newer producer, a forged or mistyped subject) would reach no consumer and nobody would hear of
it. This projection reads every subject of the node's prefixes: an unknown type, an event that does not
parse, or one whose body names another commune than its subject is parked where operators see it
(`GET /ops/projections`, `…/event_audit/parked`). It writes nothing else: what parses is the other
projections' business, and a write per event would cost every node a second projection's worth of work.
"""

from __future__ import annotations

from reform_shared.projection import Projection, Write
from reform_shared.store import StoredEvent

AUDIT = "event_audit"


class EventAudit(Projection):
    name = AUDIT
    event_types = ()
    collections = ()

    def subject_filters(self, prefix: str) -> list[str]:
        return [f"{prefix}.>"]

    def apply(self, event: StoredEvent) -> list[Write]:
        return []
