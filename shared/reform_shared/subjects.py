"""Subject layout: <prefix>.<commune>.<aggregate type>.<aggregate id>.<EventType>.

The event type as the last token lets a consumer filter on the server; the commune as the
second token lets a leafnode permission or a city source select one commune.
"""

from __future__ import annotations

from reform_shared.envelope import EventEnvelope


def event_subject(prefix: str, envelope: EventEnvelope) -> str:
    return ".".join(
        (prefix, envelope.commune_id, envelope.aggregate_type, envelope.aggregate_id, envelope.event_type)
    )


def aggregate_filter(prefix: str, commune_id: str, aggregate_type: str, aggregate_id: str) -> str:
    return f"{prefix}.{commune_id}.{aggregate_type}.{aggregate_id}.*"


def event_type_filter(prefix: str, event_type: str, commune_id: str = "*") -> str:
    return f"{prefix}.{commune_id}.*.*.{event_type}"
