"""Builders shared by the tests: envelopes, and a projection whose double-apply would show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo import UpdateOne

from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventEnvelope
from reform_shared.events import InitiativeContent, InitiativeSubmitted, UnitRef
from reform_shared.ids import new_id
from reform_shared.projection import Projection, Upsert, Write
from reform_shared.store import StoredEvent

ACTOR = Actor(user_id="user-1", name="Nguyễn Văn An", commune_id="ninh-giang", roles=("submitter",))
T0 = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


def submitted(title: str = "Số hóa hồ sơ một cửa", field: str = "g", initiative_id: str | None = None,
              commune: str = "ninh-giang", version: int = 1) -> EventEnvelope:
    payload = InitiativeSubmitted(
        initiative_id=initiative_id or new_id(),
        campaign_id="cchc-2026",
        content=InitiativeContent(
            title=title,
            unit=UnitRef(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội"),
            author_kind="collective",
            field=field,
            summary="Tóm tắt sáng kiến cải cách hành chính",
        ),
    )
    return make_envelope(payload, commune_id=commune, version=version, actor=ACTOR, occurred_at=T0,
                         correlation_id=new_id())


class CounterProjection(Projection):
    """Counts with $inc, so applying an event twice changes the result."""

    name = "counter"
    event_types = ("InitiativeSubmitted",)
    collections = ("counters", "applied")

    def __init__(self, fail_titles: frozenset[str] = frozenset()) -> None:
        self.fail_titles = set(fail_titles)

    def apply(self, event: StoredEvent) -> list[Write]:
        payload: Any = event.envelope.payload
        if payload.content.title in self.fail_titles:
            raise RuntimeError(f"handler bug on {payload.content.title}")
        return [
            Write("counters", UpdateOne({"_id": "total"}, {"$inc": {"n": 1, f"by_field.{payload.content.field}": 1}},
                                        upsert=True)),
            Write("applied", UpdateOne({"_id": payload.initiative_id},
                                       {"$inc": {"times": 1}, "$set": {"seq": event.stream_seq}}, upsert=True)),
        ]


class TitleIndex(Projection):
    """Upserts only: each event sets and appends to its field's document (shared by many events of a
    batch, so merged) and sets its initiative's own."""

    name = "titles"
    event_types = ("InitiativeSubmitted",)
    collections = ("by_field", "initiatives")

    def apply(self, event: StoredEvent) -> list[Write]:
        payload: Any = event.envelope.payload
        title = payload.content.title
        return [
            Write("by_field", Upsert(payload.content.field, {"last_title": title, f"seen.{event.stream_seq}": True},
                                     {"titles": [title]})),
            Write("initiatives", Upsert(payload.initiative_id, {"title": title, "seq": event.stream_seq})),
        ]
