"""The AsyncAPI 3.0 document of every event the system publishes, from FastStream publisher declarations.

One publisher per event model of the shared registry, on its subject template
`{prefix}.{commune_id}.<aggregate type>.{aggregate_id}.<EventType>`, with the envelope (identity, actor,
trace, version) around the typed payload as its schema. The broker is never connected. FastStream writes no
`parameters` for the address's `{…}` expressions: they are added here, as AsyncAPI 3.0 asks.

`python -m reform_notifications.asyncapi > services/notifications/reform_notifications/asyncapi.json` writes
the committed copy; a test fails when it differs from what this generates.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Literal

from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from pydantic import create_model

from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.events import ALL_PAYLOADS
from reform_shared.events.operations import OPERATIONS_PAYLOADS
from reform_shared.events.replication import FILE_PAYLOADS

COMMITTED = Path(__file__).resolve().parent / "asyncapi.json"
PARAMETERS = {
    "prefix": "The node's subject prefix: `reform` at a commune node, `city` at the city node (operational events: "
              "`<prefix>-ops`, which stays on the node; the catalogue's documents in transit: `<prefix>-files`).",
    "commune_id": "The commune (xã, phường) the event belongs to.",
    "aggregate_id": "The aggregate's id (campaign, initiative, council, award, …).",
}


def envelope_of(payload: type[EventPayload]) -> type[EventEnvelope]:
    """The envelope of one event type, its payload typed (the schema of the message)."""
    fields: Any = {"event_type": (Literal[payload.event_type], ...), "payload": (payload, ...),
                   "schema_version": (Literal[payload.schema_version], ...)}
    model: type[EventEnvelope] = create_model(f"{payload.event_type}Envelope", __base__=EventEnvelope,
                                              __doc__=payload.__doc__, **fields)
    return model


def publishers() -> NatsBroker:
    broker = NatsBroker("nats://127.0.0.1:4222")
    for payload in ALL_PAYLOADS:
        prefix = "{prefix}-ops" if payload in OPERATIONS_PAYLOADS else \
            "{prefix}-files" if payload in FILE_PAYLOADS else "{prefix}"  # Settings.ops_prefix, files_prefix
        subject = f"{prefix}.{{commune_id}}.{payload.aggregate_type}.{{aggregate_id}}.{payload.event_type}"
        broker.publisher(subject, schema=envelope_of(payload), title=payload.event_type,
                         description=f"{(payload.__doc__ or '').strip()} (schema version {payload.schema_version})")
    return broker


def generate() -> dict[str, Any]:
    spec = AsyncAPI(publishers(), title="Hệ thống sáng kiến cải cách hành chính — events", version="1",
                    description="Every domain event published on the node's JetStream stream (the legal record).",
                    schema_version="3.0.0").to_specification()
    document: dict[str, Any] = spec.to_jsonable()
    for channel in document["channels"].values():
        names = re.findall(r"{(\w+)}", channel["address"])
        channel["parameters"] = {name: {"description": PARAMETERS[name]} for name in names}
    return document


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def committed() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(COMMITTED.read_text(encoding="utf-8"))
    return loaded


if __name__ == "__main__":
    sys.stdout.write(dumps(generate()))
