"""The ports in memory: an event store and an idempotency bucket for application tests without NATS.

`InMemoryEventStore` keeps what JetStream keeps and checks what it checks: one global sequence,
events as the JSON bytes that would go on the wire (parsed back through the registry on every load,
so an event that would not survive the stream fails here too), the expected last sequence of the
aggregate, and message ids that make a re-sent append a duplicate answering the first one. Each call
yields to the event loop once, as a network round trip would, so concurrent commands interleave.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reform_shared.envelope import EventEnvelope
from reform_shared.errors import ServiceUnavailable
from reform_shared.ports import (
    AggregateHistory,
    AppendOutcome,
    EventStore,
    RecordBucket,
    StoredEvent,
    message_id,
    stale_writer,
)
from reform_shared.registry import EventRegistry
from reform_shared.subjects import aggregate_filter, event_subject

AggregateKey = tuple[str, str, str]


@dataclass(frozen=True)
class _Message:
    subject: str
    data: bytes


@dataclass
class _Stream:
    messages: dict[int, _Message] = field(default_factory=dict)
    by_aggregate: dict[AggregateKey, list[int]] = field(default_factory=dict)
    message_ids: dict[str, int] = field(default_factory=dict)
    last_seq: int = 0


class InMemoryEventStore:
    """The `EventStore` port in one process: what the JetStream adapter promises, with no server.

    `available = False` stands for a lost connection (commands are refused with a 503). Message ids
    are never forgotten here, where JetStream forgets them after its duplicate window: the idempotency
    records and the keys in the events cover retries beyond it on both.
    """

    def __init__(self, registry: EventRegistry, prefix: str = "reform") -> None:
        self._registry = registry
        self._prefix = prefix
        self._stream = _Stream()
        self.available = True

    @property
    def registry(self) -> EventRegistry:
        return self._registry

    @property
    def last_seq(self) -> int:
        """The stream's last sequence: how many events were stored."""
        return self._stream.last_seq

    def ensure_available(self) -> None:
        if not self.available:
            raise ServiceUnavailable("event-store", "not connected")

    async def load(self, commune_id: str, aggregate_type: str, aggregate_id: str) -> AggregateHistory:
        self.ensure_available()
        await asyncio.sleep(0)
        seqs = list(self._stream.by_aggregate.get((commune_id, aggregate_type, aggregate_id), ()))
        return AggregateHistory(commune_id, aggregate_type, aggregate_id, tuple(self._read(seq) for seq in seqs))

    async def read_at(self, stream_seq: int) -> StoredEvent:
        self.ensure_available()
        await asyncio.sleep(0)
        return self._read(stream_seq)

    async def append(
        self, expected: AggregateHistory, events: Sequence[EventEnvelope], idempotency_key: str | None = None
    ) -> AppendOutcome:
        """Store `events` if nobody appended to the aggregate since `expected` was loaded (all at once:
        nothing else runs between two events of one append)."""
        self.ensure_available()
        key = (expected.commune_id, expected.aggregate_type, expected.aggregate_id)
        if any((e.commune_id, e.aggregate_type, e.aggregate_id) != key for e in events):
            raise ValueError("every event of one append must belong to the expected aggregate")
        await asyncio.sleep(0)
        stored: list[StoredEvent] = []
        last_seq = expected.last_seq
        for index, envelope in enumerate(events):
            duplicate_of = self._stream.message_ids.get(message_id(envelope, index, idempotency_key))
            if duplicate_of is not None:
                earlier = self._current(key).resent(expected.last_seq, envelope, idempotency_key)
                return AppendOutcome(earlier or (self._read(duplicate_of),), duplicate=True)
            if self._last_of(key) != last_seq:
                earlier = self._current(key).resent(last_seq, envelope, idempotency_key)
                if earlier:
                    return AppendOutcome(earlier, duplicate=True)
                raise stale_writer(aggregate_filter(self._prefix, *key), last_seq)
            stored.append(self._store(key, envelope, message_id(envelope, index, idempotency_key)))
            last_seq = stored[-1].stream_seq
        return AppendOutcome(tuple(stored))

    def _store(self, key: AggregateKey, envelope: EventEnvelope, msg_id: str) -> StoredEvent:
        stream = self._stream
        stream.last_seq += 1
        subject = event_subject(self._prefix, envelope)
        stream.messages[stream.last_seq] = _Message(subject, envelope.to_json())
        stream.by_aggregate.setdefault(key, []).append(stream.last_seq)
        stream.message_ids[msg_id] = stream.last_seq
        return StoredEvent(envelope, stream.last_seq, subject)

    def _last_of(self, key: AggregateKey) -> int:
        seqs = self._stream.by_aggregate.get(key)
        return seqs[-1] if seqs else 0

    def _current(self, key: AggregateKey) -> AggregateHistory:
        return AggregateHistory(*key, tuple(self._read(seq) for seq in self._stream.by_aggregate.get(key, ())))

    def _read(self, stream_seq: int) -> StoredEvent:
        message = self._stream.messages.get(stream_seq)
        if message is None:
            raise LookupError(f"no event at sequence {stream_seq}")
        return StoredEvent(self._registry.parse(message.data), stream_seq, message.subject)


class InMemoryRecordBucket:
    """The `RecordBucket` port in a dict: idempotency records for application tests."""

    def __init__(self) -> None:
        self._values: dict[str, bytes] = {}

    async def get(self, key: str) -> bytes | None:
        await asyncio.sleep(0)
        return self._values.get(key)

    async def put(self, key: str, value: bytes) -> None:
        await asyncio.sleep(0)
        self._values[key] = value

    def purge(self, key: str) -> None:
        """Forget a record, as a lost write or an expired TTL would."""
        self._values.pop(key, None)


if TYPE_CHECKING:  # mypy holds both to their ports
    _store: EventStore = InMemoryEventStore(EventRegistry())
    _bucket: RecordBucket = InMemoryRecordBucket()
