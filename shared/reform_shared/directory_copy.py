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
DIRECTORY_AGGREGATE = ("directory", "main")
"""(aggregate type, id) of a commune's directory in the record: one aggregate per commune."""


def facts_written(e: EventEnvelope, p: EventPayload) -> list[Write]:
    """A directory event's write: its facts appended to its commune's document."""
    return [Write(VIEWS, Upsert(e.commune_id, push={"facts": facts_of(p, meta_of(e))}))]


DIRECTORY_WRITES: dict[type[EventPayload], WritesOf[Any]] = {payload: facts_written for payload in DIRECTORY_PAYLOADS}
"""The writes of every directory event, to merge into a projection's `WriteTable`."""


HEAD = {"n": {"$size": {"$ifNull": ["$facts", []]}}, "facts": {"$slice": -1}}
"""What tells whether a copy changed: its facts are only ever appended, each with its event's id, so the same
number of facts ending with the same one are the same facts."""
_folded: dict[tuple[str, str], tuple[tuple[int, Any], DirectoryView]] = {}
"""The last copy read of each (database, commune), folded, with its head: a command reads the head (a few
bytes) instead of the whole document and its fold, which cost half of a submission under load."""


def _head(doc: dict[str, Any]) -> tuple[int, Any]:
    facts = doc.get("facts") or []
    return int(doc.get("n", len(facts))), facts[-1] if facts else None


async def directory_of(db: AsyncDatabase[dict[str, Any]], commune_id: str) -> DirectoryView:
    """The commune's directory as this service's copy holds it (empty when it has none)."""
    head = await db[VIEWS].find_one({"_id": commune_id}, HEAD)
    if head is None:
        return DirectoryView()
    key = (db.name, commune_id)
    known = _folded.get(key)
    if known is not None and known[0] == _head(head):
        return known[1]
    doc = await db[VIEWS].find_one({"_id": commune_id})
    view = DirectoryView.from_dict(doc)
    if doc is not None:
        _folded[key] = (_head(doc), view)
    return view


async def recorded_directory(store: EventStore, commune_id: str) -> DirectoryView:
    """The commune's directory folded from the record itself (no lag): what a rule that must not act on a copy
    behind a change just made reads."""
    return DirectoryView().applied_envelopes((await store.load(commune_id, *DIRECTORY_AGGREGATE)).envelopes)
