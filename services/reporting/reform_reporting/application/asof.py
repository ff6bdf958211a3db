"""A commune's documents as they stood at a past moment, replayed from the event log itself."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from reform_reporting.domain.pipeline import EVENT_TYPES, updates
from reform_shared.coalesce import Upsert, apply_upsert
from reform_shared.registry import EventRegistry, MalformedEvent


async def replay(
    js: JetStreamContext,
    registry: EventRegistry,
    stream: str,
    prefixes: Sequence[str],
    commune_id: str,
    as_of: dt.datetime,
) -> dict[str, list[dict[str, Any]]]:
    """Every document of the commune's reports, from the events that occurred up to `as_of`."""
    docs: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    sub = await js.pull_subscribe(
        "",
        stream=stream,
        config=ConsumerConfig(
            filter_subjects=[f"{prefix}.{commune_id}.>" for prefix in prefixes],
            ack_policy=AckPolicy.NONE,
            deliver_policy=DeliverPolicy.ALL,
            inactive_threshold=30.0,
            mem_storage=True,
        ),
    )
    try:
        info = await sub.consumer_info()
        pending = info.num_pending or 0
        while pending > 0:
            for msg in await sub.fetch(min(pending, 1000), timeout=10):
                pending = msg.metadata.num_pending or 0
                if (msg.headers or {}).get("Reform-Event-Type") not in EVENT_TYPES:
                    continue
                try:
                    envelope = registry.parse(msg.data)
                except MalformedEvent:
                    continue  # parked by the live projection; a report counts what can be read
                if envelope.occurred_at > as_of:
                    continue
                for collection, key, fields, _trace in updates(envelope, msg.metadata.sequence.stream):
                    documents = docs[collection]
                    documents[key] = apply_upsert(documents.get(key, {"_id": key}), Upsert(key, fields))
        await js.delete_consumer(stream, info.name)
    finally:
        await sub.unsubscribe()
    return {name: list(items.values()) for name, items in docs.items()}
