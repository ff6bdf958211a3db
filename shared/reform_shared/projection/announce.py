"""Telling the node that a projection parked an event: a `ProjectionParked` appended to the stream
(`reform_shared.events.operations` says why an event), which the notifications service turns into a notice to
the commune's operators.

The parked document is committed first, with the checkpoint (the writer's transaction); the announcement
follows the commit, and the document is marked `announced_at` once the stream acknowledged it. A process that
dies in between, or a stream that refused the append (NATS away, a stream not yet provisioned with the ops
subjects), leaves the mark unset: the runner announces what is unmarked again when it starts (`announce_pending`),
and the deterministic event id makes a second append of the same park a duplicate — an outbox in the
projection's own database, with the stream's deduplication as its exactly-once."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol

from reform_shared.envelope import Actor, EventEnvelope, is_subject_token
from reform_shared.events.operations import UNKNOWN_COMMUNE, ProjectionParked, parked_event_id
from reform_shared.ports import AggregateHistory, EventStore

log = logging.getLogger("reform_shared.projection")

REASON_LIMIT = 1000
"""The error as the notice quotes it (the whole error stays in the parked document)."""


class Announcer(Protocol):
    async def __call__(self, parked: dict[str, Any]) -> None: ...


def commune_of(parked: dict[str, Any]) -> str | None:
    """The commune a parked event concerns: the one its subject names (what the node's permissions and the
    federation's filters judge by), else the one its body names; None when neither can be read."""
    subject = str(parked.get("subject") or "")
    parts = subject.split(".")
    if len(parts) >= 5 and is_subject_token(parts[1]):
        return parts[1]
    commune = parked.get("commune_id")
    return commune if isinstance(commune, str) and is_subject_token(commune) else None


def parked_envelope(parked: dict[str, Any], *, node_id: str, service: str, now: dt.datetime) -> EventEnvelope:
    """The `ProjectionParked` of one parked document, with its deterministic id."""
    commune = commune_of(parked)
    payload = ProjectionParked(
        node_id=node_id, service=service, projection=str(parked["projection"]), stream_seq=int(parked["stream_seq"]),
        subject=str(parked.get("subject") or ""), parked_type=parked.get("event_type"),
        parked_event_id=parked.get("event_id"), error_kind=str(parked.get("error_kind") or "unknown"),
        reason=str(parked.get("error") or "")[:REASON_LIMIT], commune_id=commune,
    )
    event_id = parked_event_id(node_id, service, payload.projection, payload.stream_seq)
    node_commune = commune or UNKNOWN_COMMUNE
    return EventEnvelope(
        event_id=event_id, event_type=ProjectionParked.event_type, schema_version=ProjectionParked.schema_version,
        commune_id=node_commune, aggregate_type=ProjectionParked.aggregate_type, aggregate_id=payload.aggregate_id(),
        aggregate_version=1, occurred_at=now,
        actor=Actor(user_id=f"service:{service}", name=service, commune_id=node_commune, roles=("service",)),
        correlation_id=payload.parked_event_id or event_id, causation_id=payload.parked_event_id, payload=payload,
    )


class StoreAnnouncer:
    """Appends a parked document's `ProjectionParked` through an `EventStore` whose prefix is the node's ops
    prefix (`Settings.ops_prefix`): one aggregate per parked position, expected empty, so the store's own
    rules (message id, expected sequence, re-sent append recognised by its event id) make it once."""

    def __init__(self, store: EventStore, *, node_id: str, service: str) -> None:
        self._store = store
        self._node_id = node_id
        self._service = service

    async def __call__(self, parked: dict[str, Any]) -> None:
        envelope = parked_envelope(parked, node_id=self._node_id, service=self._service, now=dt.datetime.now(dt.UTC))
        expected = AggregateHistory(envelope.commune_id, envelope.aggregate_type, envelope.aggregate_id)
        await self._store.append(expected, [envelope])
