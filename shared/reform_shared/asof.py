"""Events replayed from the event log itself up to a past moment (a report or an evidence pack "as of" a date):
an ephemeral consumer over the subjects asked, the events of the types asked that occurred by then, in stream
order. An event no contract reads is skipped: the live projection parked it, the replay counts what can be read."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Collection, Sequence

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from reform_shared.envelope import EventEnvelope
from reform_shared.registry import EventRegistry, MalformedEvent

FETCH = 1000


async def events_as_of(js: JetStreamContext, registry: EventRegistry, stream: str, filters: Sequence[str],
                       event_types: Collection[str], as_of: dt.datetime) -> AsyncIterator[tuple[EventEnvelope, int]]:
    """Each event (with its stream sequence) of `event_types` on `filters` that occurred up to `as_of`."""
    sub = await js.pull_subscribe("", stream=stream, config=ConsumerConfig(
        filter_subjects=list(filters), ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL,
        inactive_threshold=30.0, mem_storage=True))
    try:
        info = await sub.consumer_info()
        pending = info.num_pending or 0
        while pending > 0:
            for msg in await sub.fetch(min(pending, FETCH), timeout=10):
                pending = msg.metadata.num_pending or 0
                if (msg.headers or {}).get("Reform-Event-Type") not in event_types:
                    continue
                try:
                    envelope = registry.parse(msg.data)
                except MalformedEvent:
                    continue
                if envelope.occurred_at <= as_of:
                    yield envelope, msg.metadata.sequence.stream
        await js.delete_consumer(stream, info.name)
    finally:
        await sub.unsubscribe()
