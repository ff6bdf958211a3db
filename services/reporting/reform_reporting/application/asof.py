"""A commune's documents as they stood at a past moment, replayed from the event log itself."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from nats.js import JetStreamContext

from reform_reporting.domain.pipeline import EVENT_TYPES, updates
from reform_shared.asof import events_as_of
from reform_shared.coalesce import Upsert, apply_upsert
from reform_shared.registry import EventRegistry


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
    filters = [f"{prefix}.{commune_id}.>" for prefix in prefixes]
    async for envelope, seq in events_as_of(js, registry, stream, filters, EVENT_TYPES, as_of):
        for collection, key, fields, _trace in updates(envelope, seq):
            documents = docs[collection]
            documents[key] = apply_upsert(documents.get(key, {"_id": key}), Upsert(key, fields))
    return {name: list(items.values()) for name, items in docs.items()}
