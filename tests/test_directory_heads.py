"""A service's directory copy is read through its head: a small document per commune, written with the copy.

On the real Mongo-wire server: a command reads the head (the same cost at any size of directory) and folds the copy
again only when the head moved; a copy written before heads existed is still read; a head behind its copy (the
notifications service's two statements, a process killed between them) makes a reader fold the copy as it is, and
the redelivery mends it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from reform_notifications.application.memory import Memory
from reform_shared import directory_copy
from reform_shared.commands import make_envelope
from reform_shared.directory_copy import HEADS, VIEWS, directory_of, facts_written
from reform_shared.directory_view import facts_of, meta_of
from reform_shared.envelope import Actor, EventEnvelope
from reform_shared.events.directory import UnitAdded, UnitEntry
from reform_shared.settings import Settings

pytestmark = pytest.mark.service

COMMUNE = "ninh-giang"


def unit_added(unit_id: str, version: int) -> EventEnvelope:
    return make_envelope(UnitAdded(effective=dt.date(2026, 1, 1), unit=UnitEntry(unit_id=unit_id, name=unit_id,
                                                                                   kind="phong")),
                         commune_id=COMMUNE, version=version, actor=Actor(user_id="ha", commune_id=COMMUNE),
                         occurred_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC), correlation_id="c")


async def written(db: AsyncDatabase[dict[str, Any]], e: EventEnvelope) -> None:
    """The event's writes as a projection's batch commits them (one transaction)."""
    async with db.client.start_session() as session, await session.start_transaction():
        for w in facts_written(e, e.payload):
            await db[w.collection].bulk_write([w.op.to_op()], session=session)


def unit_ids(view: Any) -> list[str]:
    return sorted(u.unit_id for u in view.units())


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    name = f"heads_{uuid.uuid4().hex[:10]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


async def test_a_copy_is_folded_again_only_when_its_head_moves(db: AsyncDatabase[dict[str, Any]]) -> None:
    await written(db, unit_added("vh-xh", 1))
    assert unit_ids(await directory_of(db, COMMUNE)) == ["vh-xh"]
    assert await db[HEADS].find_one({"_id": COMMUNE}, {"_id": 0}) == {
        "n": 1, "last": (await db[VIEWS].find_one({"_id": COMMUNE}))["facts"][-1]["event_id"]}  # type: ignore[index]
    # A fact slipped into the copy without its head: the next command does not read the copy (the head is the same)
    stray = facts_of(unit_added("stray", 9).payload, meta_of(unit_added("stray", 9)))
    await db[VIEWS].update_one({"_id": COMMUNE}, {"$push": {"facts": {"$each": stray}}})
    assert unit_ids(await directory_of(db, COMMUNE)) == ["vh-xh"]
    # A directory event moves the head with the copy: the next command folds the copy as it is
    await written(db, unit_added("kinh-te", 2))
    assert unit_ids(await directory_of(db, COMMUNE)) == ["kinh-te", "stray", "vh-xh"]
    assert (await db[HEADS].find_one({"_id": COMMUNE}))["n"] == 2  # type: ignore[index]


async def test_a_copy_written_before_heads_existed_is_read_and_its_first_new_event_starts_the_head(
        db: AsyncDatabase[dict[str, Any]]) -> None:
    old = unit_added("vh-xh", 1)
    await db[VIEWS].insert_one({"_id": COMMUNE, "facts": facts_of(old.payload, meta_of(old))})
    assert unit_ids(await directory_of(db, COMMUNE)) == ["vh-xh"]
    assert await db[HEADS].find_one({"_id": COMMUNE}) is None
    new = unit_added("kinh-te", 2)
    await written(db, new)
    assert await db[HEADS].find_one({"_id": COMMUNE}, {"_id": 0}) == {"n": 1, "last": new.event_id}
    assert unit_ids(await directory_of(db, COMMUNE)) == ["kinh-te", "vh-xh"]
    assert unit_ids(await directory_of(db, "no-such-commune")) == []


async def test_a_head_behind_its_copy_is_mended_by_the_redelivery(db: AsyncDatabase[dict[str, Any]]) -> None:
    """The notifications service writes its copy, then the head from the copy (two statements, no transaction)."""
    memory = Memory(db)
    first, second = unit_added("vh-xh", 1), unit_added("kinh-te", 2)
    await memory.remember_directory(first)
    assert unit_ids(await directory_of(db, COMMUNE)) == ["vh-xh"]
    assert (await db[HEADS].find_one({"_id": COMMUNE}, {"_id": 0})) == {"n": 1, "last": first.event_id}
    # The second event's copy written, the process killed before its head: a process started again reads the copy
    # as it is, newer than its head
    await db[VIEWS].update_one({"_id": COMMUNE}, {
        "$push": {"facts": {"$each": facts_of(second.payload, meta_of(second))}},
        "$addToSet": {"applied": second.event_id}, "$inc": {"n": 1}, "$set": {"last": second.event_id}})
    directory_copy._folded.clear()
    for _ in range(2):  # folded as it is while the head is behind it
        assert unit_ids(await directory_of(db, COMMUNE)) == ["kinh-te", "vh-xh"]
    # The unacknowledged event is delivered again: the facts are not appended twice, the head is mended
    await memory.remember_directory(second)
    assert (await db[HEADS].find_one({"_id": COMMUNE}, {"_id": 0})) == {"n": 2, "last": second.event_id}
    copy = await db[VIEWS].find_one({"_id": COMMUNE})
    assert copy is not None and len(copy["facts"]) == 2 and copy["n"] == 2
    assert unit_ids(await directory_of(db, COMMUNE)) == ["kinh-te", "vh-xh"]
    # A writer that read an older copy (two overlapping in a redeploy) never moves the head back
    await db[VIEWS].update_one({"_id": COMMUNE}, {"$set": {"n": 1, "last": first.event_id}})
    await memory.remember_directory(first)
    assert (await db[HEADS].find_one({"_id": COMMUNE}, {"_id": 0})) == {"n": 2, "last": second.event_id}
