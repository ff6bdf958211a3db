"""Envelope and registry: versioned contracts read through upcasters."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventEnvelope, EventPayload
from reform_shared.events import ALL_PAYLOADS, InitiativeContent, InitiativeSubmitted, UnitRef, build_registry
from reform_shared.registry import EventRegistry, MalformedEvent

pytestmark = pytest.mark.domain

ACTOR = Actor(user_id="u1", name="Trần Văn Hùng", commune_id="ninh-giang", roles=("submitter",))
AT = dt.datetime(2026, 9, 1, 1, 0, tzinfo=dt.UTC)


def an_initiative() -> EventEnvelope:
    payload = InitiativeSubmitted(
        initiative_id="i-1", campaign_id="cchc-2026",
        content=InitiativeContent(title="Một cửa điện tử", unit=UnitRef(unit_id="u", name="Đơn vị"),
                                  author_kind="collective", field="c", summary="Tóm tắt"),
    )
    return make_envelope(payload, commune_id="ninh-giang", version=1, actor=ACTOR, occurred_at=AT,
                         correlation_id="corr-1")


def test_an_envelope_survives_a_round_trip_through_json() -> None:
    envelope = an_initiative()
    parsed = build_registry().parse(envelope.to_json())
    assert parsed == envelope
    assert isinstance(parsed.payload, InitiativeSubmitted)
    assert parsed.event_id.count("-") == 4 and parsed.event_id[14] == "7"  # a UUIDv7


def test_every_contract_names_its_type_version_and_aggregate() -> None:
    registry = build_registry()
    assert set(registry.event_types) >= {"InitiativeSubmitted", "ScoreRecorded", "Nominated", "AwardGranted"}
    for payload in ALL_PAYLOADS:
        assert payload.schema_version >= 1 and payload.aggregate_type


def test_a_naive_occurred_at_is_refused() -> None:
    data = json.loads(an_initiative().to_json())
    data["occurred_at"] = "2026-09-01T08:00:00"
    with pytest.raises(MalformedEvent):
        build_registry().parse(json.dumps(data))


def test_envelopes_are_frozen() -> None:
    with pytest.raises(ValidationError):
        an_initiative().aggregate_version = 2  # type: ignore[misc]


class Renamed(EventPayload):
    """Version 3 of a test event whose field was renamed twice."""

    event_type: ClassVar[str] = "Renamed"
    schema_version: ClassVar[int] = 3
    aggregate_type: ClassVar[str] = "thing"
    thing_id: str
    label: str

    def aggregate_id(self) -> str:
        return self.thing_id


def raw(version: int, payload: dict[str, Any]) -> str:
    return json.dumps({
        "event_id": "e1", "event_type": "Renamed", "schema_version": version, "commune_id": "c1",
        "aggregate_type": "thing", "aggregate_id": "t1", "aggregate_version": 1,
        "occurred_at": "2026-01-01T00:00:00+07:00", "actor": {"user_id": "u", "commune_id": "c1"},
        "correlation_id": "c", "payload": payload,
    })


def test_old_schema_versions_are_read_through_a_chain_of_upcasters() -> None:
    registry = EventRegistry()
    registry.register(Renamed)
    registry.add_upcaster("Renamed", 1, lambda p: {"thing_id": p["id"], "name": p["name"]})
    registry.add_upcaster("Renamed", 2, lambda p: {"thing_id": p["thing_id"], "label": p["name"]})

    parsed = registry.parse(raw(1, {"id": "t1", "name": "Cải cách"}))

    assert parsed.schema_version == 3
    assert parsed.payload == Renamed(thing_id="t1", label="Cải cách")
    assert parsed.occurred_at.tzinfo == dt.UTC


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (raw(1, {"id": "t1"}).replace('"Renamed"', '"Unknown"', 1), "unknown event type"),
        (raw(4, {"thing_id": "t1", "label": "x"}), "newer than this service knows"),
        (raw(3, {"thing_id": "t1"}), "label"),
    ],
)
def test_unreadable_events_raise_malformed_event_with_the_reason(data: Any, reason: str) -> None:
    registry = EventRegistry()
    registry.register(Renamed)
    with pytest.raises(MalformedEvent, match=reason):
        registry.parse(data)


def test_a_missing_upcaster_is_reported() -> None:
    registry = EventRegistry()
    registry.register(Renamed)
    with pytest.raises(MalformedEvent, match="no upcaster for Renamed v1"):
        registry.parse(raw(1, {"id": "t1", "name": "x"}))


def test_initiative_submitted_v1_is_read_as_v2_with_its_content_nested() -> None:
    v1 = {
        "event_id": "e1", "event_type": "InitiativeSubmitted", "schema_version": 1, "commune_id": "ninh-giang",
        "aggregate_type": "initiative", "aggregate_id": "i-1", "aggregate_version": 1,
        "occurred_at": "2026-09-01T08:00:00+07:00", "actor": {"user_id": "u", "commune_id": "ninh-giang"},
        "correlation_id": "c",
        "payload": {"initiative_id": "i-1", "campaign_id": "cchc-2026", "title": "Một cửa điện tử",
                    "unit": {"unit_id": "vh-xh", "name": "Phòng VH-XH"}, "author_kind": "collective",
                    "authors": [], "field": "c", "summary": "Tóm tắt", "novelty": "Lần đầu áp dụng tại xã",
                    "effectiveness": "Giảm 2 ngày"},
    }
    parsed = build_registry().parse(json.dumps(v1))
    assert parsed.schema_version == 2
    content = parsed.payload.content  # type: ignore[attr-defined]
    assert (content.title, content.field, content.unit.unit_id) == ("Một cửa điện tử", "c", "vh-xh")
    assert content.novelty.description == "Lần đầu áp dụng tại xã"
    assert content.effectiveness.description == "Giảm 2 ngày"
