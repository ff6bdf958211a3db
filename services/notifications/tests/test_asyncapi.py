"""The AsyncAPI 3.0 document: generated from FastStream publishers, committed, complete, valid, served."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reform_notifications.asyncapi import COMMITTED, dumps, generate
from reform_shared.events import build_registry
from reform_shared.events.operations import OPERATIONS_PAYLOADS
from reform_shared.events.replication import FILE_PAYLOADS

pytestmark = pytest.mark.domain


def test_the_committed_document_is_the_generated_one() -> None:
    regenerate = "python -m reform_notifications.asyncapi > services/notifications/reform_notifications/asyncapi.json"
    assert COMMITTED.read_text(encoding="utf-8") == dumps(generate()), regenerate


def test_it_lists_every_event_type_of_the_registry_with_its_envelope_and_version() -> None:
    doc = generate()
    registry = build_registry()
    assert sorted(doc["channels"]) == sorted(registry.event_types)
    schemas = doc["components"]["schemas"]
    for event_type in registry.event_types:
        model = registry.model_for(event_type)
        envelope = schemas[f"{event_type}Envelope"]
        assert envelope["properties"]["payload"] == {"$ref": f"#/components/schemas/{event_type}"}
        assert envelope["properties"]["schema_version"]["const"] == model.schema_version
        assert {"event_id", "commune_id", "actor", "occurred_at"} <= set(envelope["required"])
        address = doc["channels"][event_type]["address"]
        # Operational events travel under the node's ops prefix, which no federation source copies; the
        # catalogue's documents under its files prefix, which no consumer of events reads.
        prefix = "{prefix}-ops" if model in OPERATIONS_PAYLOADS else \
            "{prefix}-files" if model in FILE_PAYLOADS else "{prefix}"
        assert address == f"{prefix}.{{commune_id}}.{model.aggregate_type}.{{aggregate_id}}.{event_type}"
    assert doc["channels"]["ProjectionParked"]["address"].startswith("{prefix}-ops.")
    assert doc["channels"]["CatalogueFileChunk"]["address"].startswith("{prefix}-files.")


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


OFFICIAL = Path(__file__).parent / "asyncapi-3.0.0.schema.json"
"""AsyncAPI's own JSON Schema of 3.0.0 (npm @asyncapi/specs 6.11.1, schemas/3.0.0-without-$id.json, Apache-2.0)."""


def test_it_validates_against_the_official_asyncapi_3_schema() -> None:
    schema = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [e.message[:200] for e in validator.iter_errors(generate())] == []
    broken = generate()
    broken["operations"]["AwardGranted"]["action"] = "publish"  # AsyncAPI 2's verb: refused by 3.0
    assert list(validator.iter_errors(broken))


def test_it_validates_against_the_asyncapi_3_structure() -> None:
    doc = generate()
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    for name, channel in doc["channels"].items():
        assert set(channel) >= {"address", "messages"}
        for expression in ("prefix", "commune_id", "aggregate_id"):
            assert expression in channel["parameters"], name
    for name, operation in doc["operations"].items():
        assert operation["action"] in ("send", "receive") and "$ref" in operation["channel"], name
    for ref in _refs(doc):  # every reference resolves inside the document
        node: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    json.dumps(doc)


async def test_the_service_serves_it_and_a_page_without_any_cdn(service: Any) -> None:
    body = (await service.http.get("/asyncapi.json")).json()
    assert body == json.loads(COMMITTED.read_text(encoding="utf-8"))
    page = await service.http.get("/asyncapi")
    assert page.status_code == 200 and "InitiativeReturned" in page.text
    assert "<script" not in page.text and "https://" not in page.text and "<link" not in page.text
