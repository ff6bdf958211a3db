"""A service's own copy of the commune's directory: every directory event's dated facts appended to one
document per commune (`directory_views`), read back as a `DirectoryView` — the same in every service that
takes rules from the directory (awards, evaluation, submission, identity, the directory's own read model).

Services never read each other's databases: each keeps this copy in its own, with its projection.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.directory_view import DirectoryView, facts_of, meta_of
from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.events.directory import DIRECTORY_PAYLOADS
from reform_shared.ports import EventStore
from reform_shared.projection import Upsert, Write
from reform_shared.projection.table import WritesOf

VIEWS = "directory_views"
HEADS = "directory_heads"
"""One small document per commune beside its copy: how many directory events reached the copy since it had a head
(`n`, all of them for a copy written since) and the last one's id (`last`), written with the copy. A command reads
it to know whether the copy it folded is still the copy: reading the copy's own head costs the server the whole
document (4.3 µs a fact on the embedded database, and a commune's directory only grows), this one costs the same at
any size."""
DIRECTORY_AGGREGATE = ("directory", "main")
"""(aggregate type, id) of a commune's directory in the record: one aggregate per commune."""


def copy_written(e: EventEnvelope, facts: list[dict[str, Any]]) -> list[Write]:
    """A directory event's facts appended to its commune's copy, the copy's head moved with them (one batch, one
    transaction: a reader never sees the head ahead of the copy)."""
    return [Write(VIEWS, Upsert(e.commune_id, push={"facts": facts}, inc={"n": 1}, set={"last": e.event_id})),
            Write(HEADS, Upsert(e.commune_id, inc={"n": 1}, set={"last": e.event_id}))]


def facts_written(e: EventEnvelope, p: EventPayload) -> list[Write]:
    """A directory event's writes: its facts appended to its commune's copy, and the copy's head."""
    return copy_written(e, facts_of(p, meta_of(e)))


DIRECTORY_WRITES: dict[type[EventPayload], WritesOf[Any]] = {payload: facts_written for payload in DIRECTORY_PAYLOADS}
"""The writes of every directory event, to merge into a projection's `WriteTable`."""


COPY_HEAD = {"size": {"$size": {"$ifNull": ["$facts", []]}}, "facts": {"$slice": -1}}
"""The head of a copy written before `HEADS` existed, read from the copy itself: its facts are only ever appended,
each with its event's id, so the same number of facts ending with the same one are the same facts."""
Head = tuple[str, int, Any]
_folded: dict[tuple[str, str], tuple[Head, DirectoryView]] = {}
"""The last copy read of each (database, commune), folded, with its head: a command reads the head (a few
bytes) instead of the whole document and its fold, which cost half of a submission under load."""


def _head_of(doc: dict[str, Any], kind: str) -> Head:
    """The head of a whole copy, of the kind read before it (a copy is read after its head, so it is the same
    copy or a later one: a later one's head differs from what the next command reads, which folds it again)."""
    if kind == "h":
        return "h", int(doc.get("n", 0)), doc.get("last")
    facts = doc.get("facts") or []
    return "v", len(facts), facts[-1] if facts else None


async def directory_of(db: AsyncDatabase[dict[str, Any]], commune_id: str) -> DirectoryView:
    """The commune's directory as this service's copy holds it (empty when it has none)."""
    found = await db[HEADS].find_one({"_id": commune_id})
    if found is not None:
        head = _head_of(found, "h")  # the head document holds the same `n` and `last` as its copy
    else:  # a copy no directory event has reached since its head was first written (or none at all)
        old = await db[VIEWS].find_one({"_id": commune_id}, COPY_HEAD)
        if old is None:
            return DirectoryView()
        facts = old.get("facts") or []
        head = ("v", int(old.get("size", len(facts))), facts[-1] if facts else None)
    key = (db.name, commune_id)
    known = _folded.get(key)
    if known is not None and known[0] == head:
        return known[1]
    doc = await db[VIEWS].find_one({"_id": commune_id})
    view = DirectoryView.from_dict(doc)
    if doc is not None:
        _folded[key] = (_head_of(doc, head[0]), view)
    return view


async def recorded_directory(store: EventStore, commune_id: str) -> DirectoryView:
    """The commune's directory folded from the record itself (no lag): what a rule that must not act on a copy
    behind a change just made reads."""
    return DirectoryView().applied_envelopes((await store.load(commune_id, *DIRECTORY_AGGREGATE)).envelopes)
