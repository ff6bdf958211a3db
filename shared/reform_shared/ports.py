"""The ports the application layer depends on: an event store and a bucket of idempotency records.

Handlers name these, never a broker: JetStream is one adapter (`reform_shared.store`), memory
another (`reform_shared.memory_store`), and one contract suite (tests/test_event_store.py) runs on
both, so a handler tested in memory behaves the same on the stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.errors import ConcurrencyConflict
from reform_shared.registry import EventRegistry


@dataclass(frozen=True)
class StoredEvent:
    """An event as the stream holds it: the envelope and its stream sequence."""

    envelope: EventEnvelope
    stream_seq: int
    subject: str


@dataclass(frozen=True)
class AggregateHistory:
    """An aggregate's events in order; `last_seq` is what the next append must expect."""

    commune_id: str
    aggregate_type: str
    aggregate_id: str
    events: tuple[StoredEvent, ...] = ()

    @property
    def last_seq(self) -> int:
        return self.events[-1].stream_seq if self.events else 0

    @property
    def version(self) -> int:
        return self.events[-1].envelope.aggregate_version if self.events else 0

    @property
    def envelopes(self) -> list[EventEnvelope]:
        return [event.envelope for event in self.events]

    @property
    def payloads(self) -> list[EventPayload]:
        """The events' payloads, in order: what a fold reads."""
        return [event.envelope.payload for event in self.events]

    def appended_by(self, idempotency_key: str | None) -> tuple[StoredEvent, ...]:
        """The events a keyed command appended to this aggregate (empty without a key or if none)."""
        if idempotency_key is None:
            return ()
        return tuple(event for event in self.events if event.envelope.idempotency_key == idempotency_key)

    def resent(self, after_seq: int, envelope: EventEnvelope, idempotency_key: str | None) -> tuple[StoredEvent, ...]:
        """The events stored after `after_seq` by the append `envelope` belongs to (its own id, or its key):
        what a re-sent append refused as stale answers with, instead of a conflict."""
        return tuple(
            event
            for event in self.events
            if event.stream_seq > after_seq
            and (event.envelope.event_id == envelope.event_id
                 or (idempotency_key is not None and event.envelope.idempotency_key == idempotency_key))
        )


@dataclass(frozen=True)
class AppendOutcome:
    events: tuple[StoredEvent, ...]
    duplicate: bool = False
    """True when the stream had already stored these events (a re-sent append)."""


def message_id(envelope: EventEnvelope, index: int, idempotency_key: str | None) -> str:
    """The deduplication id of the `index`-th event of an append: derived from the command's key, so a
    concurrent twin of the command is recognised, else the event's own id."""
    return f"{idempotency_key}:{index}" if idempotency_key else envelope.event_id


def stale_writer(aggregate: str, expected_last_sequence: int) -> ConcurrencyConflict:
    """What every store answers a writer that loaded the aggregate before someone else appended to it."""
    return ConcurrencyConflict(
        "Hồ sơ này vừa được người khác cập nhật; hãy tải lại và thử lại",
        "this record was changed by someone else first; reload it and retry",
        rule="optimistic_concurrency",
        details={"aggregate": aggregate, "expected_last_sequence": expected_last_sequence},
    )


class EventStore(Protocol):
    """Per-aggregate histories on one global sequence, with optimistic concurrency and deduplication.

    The contract (tests/test_event_store.py): `append` stores the events only if `expected` is still
    the aggregate's last state, else raises `ConcurrencyConflict`; an append re-sent with the same key
    (or the same event ids) stores nothing and answers with the first append's events, `duplicate=True`,
    also after the aggregate moved on; `ensure_available` raises `ServiceUnavailable` when the store
    cannot be reached, so a command is refused at once (503) rather than after a timeout.
    """

    @property
    def registry(self) -> EventRegistry: ...

    def ensure_available(self) -> None: ...

    async def load(self, commune_id: str, aggregate_type: str, aggregate_id: str) -> AggregateHistory: ...

    async def append(
        self, expected: AggregateHistory, events: Sequence[EventEnvelope], idempotency_key: str | None = None
    ) -> AppendOutcome: ...

    async def read_at(self, stream_seq: int) -> StoredEvent: ...


class RecordBucket(Protocol):
    """A key-value bucket of JSON records (the first results of keyed commands): what
    `IdempotencyRecords` needs of JetStream KV, so it can run on memory too."""

    async def get(self, key: str) -> bytes | None:
        """The value under `key`, or None if there is none (never written, purged or expired)."""
        ...

    async def put(self, key: str, value: bytes) -> None: ...
