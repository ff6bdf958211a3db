"""Planning a batch's writes: merged upserts, in-memory inserts while rebuilding or of documents known absent,
same end state.

The pure rules first, then the property that matters, on a real Mongo-wire server: random batches of
upserts (overlapping paths, embedded documents, appends, increments) leave the same documents whether applied
one operation each, planned, planned from empty collections, or planned after reading which documents exist.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from pymongo import AsyncMongoClient, DeleteOne, InsertOne, UpdateOne

from reform_shared.coalesce import Unsupported, Upsert, WritePlanner, apply_upsert, plain
from reform_shared.settings import Settings


def ops_of(planned: dict[str, list[Any]], collection: str = "c") -> list[tuple[str, Any]]:
    """(kind, document or update) of each planned operation, in order."""
    out: list[tuple[str, Any]] = []
    for op in planned.get(collection, []):
        if isinstance(op, InsertOne):
            out.append(("insert", op._doc))
        elif isinstance(op, UpdateOne):
            out.append(("update", (op._filter["_id"], op._doc)))
        else:
            out.append((type(op).__name__, None))
    return out


@pytest.mark.domain
def test_the_upserts_of_one_document_in_a_batch_become_one_update_in_order() -> None:
    planned = WritePlanner().plan([
        ("c", Upsert("a", {"status": "submitted", "title": "X"}, {"events": [1]})),
        ("c", Upsert("b", {"status": "submitted"})),
        ("c", Upsert("a", {"status": "scored", "sheets.m1": 8}, {"events": [2]})),
        ("c", Upsert("a", {"sheets.m2": 7}, {"events": [3]})),
    ])
    assert ops_of(planned) == [
        ("update", ("a", {"$set": {"status": "scored", "title": "X", "sheets.m1": 8, "sheets.m2": 7},
                          "$push": {"events": {"$each": [1, 2, 3]}}})),
        ("update", ("b", {"$set": {"status": "submitted"}})),
    ]


@pytest.mark.domain
def test_overlapping_paths_stay_separate_writes_after_the_merged_one() -> None:
    planned = WritePlanner().plan([
        ("c", Upsert("a", {"sheets.m1": 8})),
        ("c", Upsert("a", {"sheets": {}})),  # replaces the embedded document: cannot share an update
        ("c", Upsert("a", {"sheets.m2": 7})),
        ("c", Upsert("a", {}, {"log": [1]})),
        ("c", Upsert("a", {"log": []})),  # same path as an append
    ])
    assert ops_of(planned) == [
        ("update", ("a", {"$set": {"sheets.m1": 8}})),
        ("update", ("a", {"$set": {"sheets": {}}})),
        ("update", ("a", {"$set": {"sheets.m2": 7}, "$push": {"log": {"$each": [1]}}})),
        ("update", ("a", {"$set": {"log": []}})),
    ]


@pytest.mark.domain
def test_from_empty_collections_new_documents_are_built_in_memory_and_inserted() -> None:
    planner = WritePlanner()
    planner.start_from_empty(["c"])
    first = planner.plan([
        ("c", Upsert("a", {"status": "submitted", "sheets.m1": 8}, {"events": [1]})),
        ("c", Upsert("a", {"status": "scored", "sheets.m2": 7}, {"events": [2]})),
    ])
    assert ops_of(first) == [("insert", {"_id": "a", "status": "scored", "sheets": {"m1": 8, "m2": 7},
                                         "events": [1, 2]})]
    # The next batch: `a` exists now (an update), `b` not yet (an insert).
    second = planner.plan([("c", Upsert("a", {"status": "recognised"})), ("c", Upsert("b", {"n": 1}))])
    assert ops_of(second) == [("update", ("a", {"$set": {"status": "recognised"}})), ("insert", {"_id": "b", "n": 1})]
    planner.stop_inserting()
    assert ops_of(planner.plan([("c", Upsert("z", {"n": 1}))])) == [("update", ("z", {"$set": {"n": 1}}))]


@pytest.mark.domain
def test_documents_known_absent_are_inserted_and_the_others_updated() -> None:
    planned = WritePlanner().plan([
        ("c", Upsert("new", {"status": "submitted"}, {"events": [1]})),
        ("c", Upsert("old", {"status": "scored"})),
        ("c", Upsert("new", {"status": "scored"}, {"events": [2]})),
        ("c", DeleteOne({"_id": "later"})),
        ("c", Upsert("later", {"n": 1})),  # absent at the start, but after an operation the planner cannot read
    ], absent={"c": {"new", "later"}})
    assert ops_of(planned) == [("insert", {"_id": "new", "status": "scored", "events": [1, 2]}),
                               ("update", ("old", {"$set": {"status": "scored"}})), ("DeleteOne", None),
                               ("update", ("later", {"$set": {"n": 1}}))]


@pytest.mark.domain
def test_an_operation_the_planner_cannot_read_keeps_its_place_and_ends_inserting_in_its_collection() -> None:
    planner = WritePlanner()
    planner.start_from_empty(["c", "d"])
    planned = planner.plan([
        ("c", Upsert("a", {"n": 1})),
        ("c", DeleteOne({"_id": "a"})),
        ("c", Upsert("a", {"n": 2})),
        ("d", Upsert("x", {"n": 1})),
    ])
    assert ops_of(planned) == [("insert", {"_id": "a", "n": 1}), ("DeleteOne", None),
                               ("update", ("a", {"$set": {"n": 2}}))]
    assert ops_of(planned, "d") == [("insert", {"_id": "x", "n": 1})]
    assert ops_of(planner.plan([("c", Upsert("b", {"n": 1}))])) == [("update", ("b", {"$set": {"n": 1}}))]


@pytest.mark.domain
def test_in_memory_documents_never_change_the_values_events_hold() -> None:
    decision = {"number": "12/QĐ"}
    log = [1]
    doc = apply_upsert({"_id": "a"}, Upsert("a", {"decision": decision, "log": log}))
    doc = apply_upsert(doc, Upsert("a", {"decision.signed": True}, {"log": [2]}))
    assert doc == {"_id": "a", "decision": {"number": "12/QĐ", "signed": True}, "log": [1, 2]}
    assert decision == {"number": "12/QĐ"} and log == [1]


@pytest.mark.domain
def test_increments_of_one_path_add_up_and_a_new_document_starts_them_from_zero() -> None:
    writes = [("c", Upsert("a", {"title": "X"}, inc={"revision": 1})), ("c", Upsert("a", inc={"revision": 2})),
              ("c", Upsert("a", {"revision": 0})), ("c", Upsert("a", inc={"revision": 1}))]
    assert ops_of(WritePlanner().plan(writes)) == [
        ("update", ("a", {"$set": {"title": "X"}, "$inc": {"revision": 3}})),
        ("update", ("a", {"$set": {"revision": 0}})),  # one path under two operators: a write of its own
        ("update", ("a", {"$inc": {"revision": 1}})),
    ]
    planner = WritePlanner()
    planner.start_from_empty(["c"])
    assert ops_of(planner.plan(writes)) == [("insert", {"_id": "a", "title": "X", "revision": 1})]
    with pytest.raises(Unsupported):  # a float, or a value that is not a number: MongoDB's rules
        apply_upsert({"_id": "a", "revision": 2.5}, Upsert("a", inc={"revision": 1}))


@pytest.mark.domain
@pytest.mark.parametrize("upsert", [
    Upsert("a", {"n.x": 1}),  # into a scalar
    Upsert("a", {"_id": "b"}),
    Upsert("a", {"$bad": 1}),
    Upsert("a", {}, {"n": [1]}),  # an append to a scalar
    Upsert("a", {"m": {}, "m.x": 1}),  # overlapping paths in one update: MongoDB refuses it
    Upsert("a", {"log": []}, {"log": [1]}),
])
def test_what_only_mongodb_decides_is_left_to_it(upsert: Upsert) -> None:
    with pytest.raises(Unsupported):
        apply_upsert({"_id": "a", "n": 5}, upsert)
    planner = WritePlanner()
    planner.start_from_empty(["c"])
    planned = ops_of(planner.plan([("c", Upsert("a", {"n": 5})), ("c", upsert)]))
    assert planned[0] == ("insert", {"_id": "a", "n": 5}) and planned[1][0] == "update"


# -- the same documents, on a real server -----------------------------------------------------
KEYS = [f"k{i}" for i in range(8)]


def random_upsert(rng: random.Random) -> Upsert:
    """Paths that overlap (`doc`, `doc.x`, `doc.y.z`) but never make MongoDB refuse the sequence:
    `doc` and `doc.y` only ever hold embedded documents, `log` and `doc.items` only arrays."""
    fields: dict[str, Any] = {}
    pushes: dict[str, list[Any]] = {}
    increments: dict[str, int] = {}
    for _ in range(rng.randint(0, 3)):
        choice = rng.randrange(9)
        if choice == 7:
            increments["revision"] = rng.randint(1, 3)
            continue
        if choice == 8:
            increments["doc.n"] = rng.randint(-2, 2)
            continue
        if choice == 0:
            fields["status"] = rng.choice(["submitted", "scored", "recognised"])
        elif choice == 1:
            fields["doc"] = {"x": rng.randint(0, 9), "y": {"z": rng.randint(0, 9)}, "items": []}
        elif choice == 2:
            fields["doc.x"] = rng.randint(0, 9)
        elif choice == 3:
            fields[f"doc.y.{rng.choice('zw')}"] = rng.randint(0, 9)
        elif choice == 4:
            fields[f"sheets.{rng.choice(['m1', 'm2', '12'])}"] = rng.randint(0, 9)
        elif choice == 5:
            pushes["log"] = [rng.randint(0, 99) for _ in range(rng.randint(1, 2))]
        else:
            fields["log"] = [-1]
    if "doc" in fields:  # one update may not hold `doc` and `doc.x`
        for path in [p for p in fields if p.startswith("doc.")]:
            del fields[path]
        increments.pop("doc.n", None)
    if "log" in fields:
        pushes.pop("log", None)
    return Upsert(rng.choice(KEYS), fields, pushes, increments)


async def documents(db: Any) -> list[dict[str, Any]]:
    return [doc async for doc in db["c"].find({}).sort("_id", 1)]


@pytest.mark.service
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_planned_writes_leave_the_same_documents_as_one_write_each(settings: Settings, seed: int) -> None:
    rng = random.Random(seed)
    upserts = [random_upsert(rng) for _ in range(400)]
    cuts = sorted(rng.sample(range(1, len(upserts)), 12))
    batches = [upserts[a:b] for a, b in zip([0, *cuts], [*cuts, len(upserts)], strict=True)]
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    try:
        one_each = client[f"{settings.database_name}_one"]
        for upsert in upserts:
            for op in plain([("c", upsert)])["c"]:
                await one_each["c"].bulk_write([op])
        expected = await documents(one_each)
        assert len(expected) == len(KEYS)

        for mode in ("updates", "inserts", "looked-up"):
            db = client[f"{settings.database_name}_{mode}"]
            planner = WritePlanner()
            if mode == "inserts":
                planner.start_from_empty(["c"])
            writes = 0
            for batch in batches:
                async with client.start_session() as session, await session.start_transaction():
                    absent = None
                    if mode == "looked-up":  # as the writer does for a large batch: existence read in the transaction
                        keys = {upsert.key for upsert in batch}
                        found = {d["_id"] async for d in db["c"].find({"_id": {"$in": list(keys)}}, session=session)}
                        absent = {"c": keys - found}
                    planned = planner.plan([("c", upsert) for upsert in batch], absent)
                    writes += len(planned["c"])
                    await db["c"].bulk_write(planned["c"], ordered=True, session=session)
            assert await documents(db) == expected, mode
            assert writes < len(upserts) / 2, mode  # the point of it
    finally:
        for suffix in ("one", "updates", "inserts", "looked-up"):
            await client.drop_database(f"{settings.database_name}_{suffix}")
        await client.close()
