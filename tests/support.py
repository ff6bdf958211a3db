"""Builders shared by the tests: envelopes, and a projection whose double-apply would show."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
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


ONE_PAGE_PDF = (  # written by hand: one page, a correct cross-reference table
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n166\n%%EOF\n"
)


def pdf_of_size(size: int) -> bytes:
    """A sound one-page PDF of exactly `size` bytes (an upload at the limit): the padding is a comment
    line before the objects, the cross-reference table moved with them."""
    padding = size - len(ONE_PAGE_PDF)
    for _ in range(3):  # the startxref figure grows with the padding: settle its width
        data = _padded_pdf(padding)
        padding += size - len(data)
    assert len(data) == size
    return data


def _padded_pdf(padding: int) -> bytes:
    head = b"%PDF-1.4\n%" + b"x" * (padding - 2) + b"\n"
    body = ONE_PAGE_PDF[len(b"%PDF-1.4\n"):ONE_PAGE_PDF.index(b"xref")]
    xref = b"".join(b"%010d 00000 n \n" % (offset - 9 + len(head)) for offset in (9, 52, 101))
    table = b"xref\n0 4\n0000000000 65535 f \n" + xref + b"trailer<</Size 4/Root 1 0 R>>\n"
    return head + body + table + b"startxref\n%d\n%%%%EOF\n" % (len(head) + len(body))


def eventually(fetch: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 60.0,
               interval: float = 0.2) -> Any:
    """`fetch()` again until `until` holds of what it returned (a projection, a federation: eventually)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached after {timeout}s; last value: {str(value)[:2000]}")
        time.sleep(interval)
