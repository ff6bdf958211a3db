"""InitiativeSubmitted envelopes, one new aggregate each (as tests/support.py `submitted()`)."""

from __future__ import annotations

import datetime as dt

from opentelemetry import trace

from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventEnvelope
from reform_shared.events import InitiativeContent, InitiativeSubmitted, UnitRef
from reform_shared.ids import new_id

COMMUNE = "ninh-giang"
ACTOR = Actor(user_id="user-1", name="Nguyễn Văn An", commune_id=COMMUNE, roles=("submitter",))
T0 = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
FIELDS = "abcdefg"

_tracer = trace.get_tracer("bench")


def submitted(index: int, campaign_id: str = "cchc-2026", commune: str = COMMUNE) -> EventEnvelope:
    payload = InitiativeSubmitted(
        initiative_id=new_id(),
        campaign_id=campaign_id,
        content=InitiativeContent(
            title=f"Số hóa hồ sơ một cửa – sáng kiến {index}",
            unit=UnitRef(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội"),
            author_kind="collective",
            field=FIELDS[index % len(FIELDS)],
            summary="Tóm tắt sáng kiến cải cách hành chính",
        ),
    )
    # Built inside a span, as a command handler does, so the event carries a trace context.
    with _tracer.start_as_current_span("bench command"):
        actor = ACTOR if commune == COMMUNE else ACTOR.model_copy(update={"commune_id": commune})
        return make_envelope(payload, commune_id=commune, version=1, actor=actor,
                             occurred_at=T0 + dt.timedelta(seconds=index), correlation_id=new_id())


def submitted_batch(count: int, start: int = 0) -> list[EventEnvelope]:
    return [submitted(start + i) for i in range(count)]
