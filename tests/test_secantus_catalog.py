"""The embedded database reads a collection's catalog once a statement (`secantus_catalog.remember_catalog`),
and what it answers is what reading it each time answered: an index built while clients write holds every
document, an index created inside a transaction indexes what the transaction inserts (and nothing is left of
one aborted), an index flagged multikey by one statement is planned as such by the next, and a collection dropped
and created again with another unique index enforces the new one at its next statement — on the server the node
launches, and in process for what a statement reads."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import secantus.storage as storage_module
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from secantus.storage import Storage

from conftest import Servers
from reform_node import secantus_catalog as node_secantus


@pytest.fixture
async def db(servers: Servers) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url)
    database = client[f"catalog_{uuid.uuid4().hex[:8]}"]
    try:
        yield database
    finally:
        await client.drop_database(database.name)
        await client.close()


async def test_an_index_built_while_clients_write_holds_every_document(
        db: AsyncDatabase[dict[str, Any]]) -> None:
    things = db["things"]
    await things.insert_one({"_id": "first", "a": -1})
    stop = asyncio.Event()

    async def writer(n: int) -> int:
        written = 0
        while not stop.is_set() or written < 40:
            await things.update_one({"_id": f"w{n}-{written}"}, {"$set": {"a": written, "b": n}}, upsert=True)
            written += 1
        return written

    writers = [asyncio.create_task(writer(n)) for n in range(4)]
    await asyncio.sleep(0.3)
    await things.create_index("a", name="a_1")
    await asyncio.sleep(0.3)
    stop.set()
    written = sum(await asyncio.gather(*writers))
    scanned = await things.count_documents({"a": {"$gte": -1}}, hint={"$natural": 1})
    indexed = await things.count_documents({"a": {"$gte": -1}}, hint="a_1")
    assert scanned == written + 1 and indexed == scanned


async def test_an_index_created_in_a_transaction_indexes_its_inserts_and_an_aborted_one_leaves_nothing(
        db: AsyncDatabase[dict[str, Any]]) -> None:
    client = db.client
    async with client.start_session() as session:
        with pytest.raises(DuplicateKeyError):  # the index of this same transaction, enforced at once
            async with await session.start_transaction():
                await db.create_collection("made", session=session)
                await db["made"].create_index("k", name="k_1", unique=True, session=session)
                await db["made"].insert_many([{"_id": i, "k": f"k{i}"} for i in range(20)], session=session)
                await db["made"].insert_one({"_id": 99, "k": "k3"}, session=session)
    assert "made" not in await db.list_collection_names()  # aborted: nothing of it is left

    async with client.start_session() as session, await session.start_transaction():
        await db.create_collection("made", session=session)
        await db["made"].create_index("k", name="k_1", unique=True, session=session)
        await db["made"].insert_many([{"_id": i, "k": f"k{i}"} for i in range(20)], session=session)
    assert await db["made"].count_documents({"k": {"$gte": "k"}}, hint="k_1") == 20
    with pytest.raises(DuplicateKeyError):
        await db["made"].insert_one({"_id": 99, "k": "k3"})

    async with client.start_session() as session:
        transaction = await session.start_transaction()
        async with transaction:
            await db.create_collection("gone", session=session)
            await db["gone"].create_index("k", name="k_1", unique=True, session=session)
            await db["gone"].insert_one({"_id": 1, "k": "x"}, session=session)
            await session.abort_transaction()
    await db["gone"].insert_many([{"_id": 1, "k": "x"}, {"_id": 2, "k": "x"}])  # no unique index left behind
    assert [i["name"] async for i in await db["gone"].list_indexes()] == ["_id_"]


async def test_an_index_flagged_multikey_by_one_statement_is_planned_as_such_by_the_next(
        db: AsyncDatabase[dict[str, Any]]) -> None:
    things = db["things"]
    await things.create_index("tags", name="tags_1")
    await things.update_one({"_id": 1}, {"$set": {"tags": "plain"}}, upsert=True)
    async with db.client.start_session() as session, await session.start_transaction():
        await things.update_one({"_id": 2}, {"$set": {"tags": ["x", "y"]}}, upsert=True, session=session)
        await things.update_one({"_id": 3}, {"$set": {"tags": ["y", "z"]}}, upsert=True, session=session)
        assert sorted([d["_id"] async for d in things.find({"tags": "y"}, session=session)]) == [2, 3]
    assert sorted([d["_id"] async for d in things.find({"tags": "y"})]) == [2, 3]
    assert [d["_id"] async for d in things.find({"tags": "plain"})] == [1]


async def test_a_collection_dropped_and_made_again_enforces_its_new_unique_index_at_once(
        db: AsyncDatabase[dict[str, Any]], servers: Servers) -> None:
    other: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url)
    try:
        theirs = other[db.name]["people"]
        for round_ in range(5):
            field = "email" if round_ % 2 else "phone"
            await theirs.drop()
            await theirs.create_index(field, name=f"{field}_1", unique=True, sparse=True)
            await db["people"].insert_one({"_id": 1, field: "same"})
            with pytest.raises(DuplicateKeyError):
                await db["people"].update_one({"_id": 2}, {"$set": {field: "same"}}, upsert=True)
            unchecked = "phone" if field == "email" else "email"
            await db["people"].update_one({"_id": 3}, {"$set": {unchecked: "x"}}, upsert=True)
            await db["people"].update_one({"_id": 4}, {"$set": {unchecked: "x"}}, upsert=True)  # the old rule gone
    finally:
        await other.close()


CATALOG_FUNCTIONS = ("_coll_lock", "_cursor", "_iter_indexes", "_coll_options", "_batch_transaction")


def catalog_reads(tmp_path: Path, remembered: bool) -> dict[str, float]:
    """Cursors opened on the two catalog tables per upsert into a collection with three indexes, in process."""
    saved = {name: getattr(Storage, name) for name in CATALOG_FUNCTIONS}
    opened: list[str] = []
    stock_cursor = Storage._cursor

    def spy(self: Storage, table: str, **kwargs: Any) -> Any:
        opened.append(table)
        return stock_cursor(self, table, **kwargs)

    Storage._cursor = spy  # type: ignore[method-assign]
    if remembered:
        node_secantus.remember_catalog()  # its own reads go through the spy too
    storage = Storage(str(tmp_path / ("remembered" if remembered else "stock")))
    try:
        for name, key in (("a_1", {"a": 1}), ("b_1_c_1", {"b": 1, "c": 1}), ("u_1", {"u": 1})):
            storage.create_index("db", "c", name, key, {"unique": name == "u_1"})
        storage.update_matching("db", "c", {"_id": 0}, {"$set": {"a": 0}}, upsert=True)
        opened.clear()
        for i in range(1, 21):
            storage.update_matching("db", "c", {"_id": i % 5}, {"$set": {"a": i, "b": "x", "c": i, "u": i},
                                                                 "$inc": {"n": 1}}, upsert=True)
        reads = {"indexes": opened.count(storage_module._IDX_TABLE) / 20,
                 "options": opened.count(storage_module._COLL_TABLE) / 20}
        found = sorted(d["_id"] for d in storage.find_matching("db", "c", {"a": {"$gte": 16}}))
        assert found == [0, 1, 2, 3, 4]
        by_index = storage.find_matching("db", "c", {"u": 17}, hint="u_1")
        assert [d["_id"] for d in by_index] == [2]
        return reads
    finally:
        storage.close()
        for name, function in saved.items():
            setattr(Storage, name, function)


def test_a_statement_reads_its_collections_catalog_once(tmp_path: Path) -> None:
    stock, remembered = catalog_reads(tmp_path, False), catalog_reads(tmp_path, True)
    assert stock["indexes"] >= 7 and stock["options"] >= 4, stock  # SecantusDB 0.7.0b3 as it comes
    # One walk of the index rows, and the cursor the multikey check opens (it reads through it only for a document
    # holding an array); the collection's options once, and its existence checked when the lock is taken.
    assert remembered["indexes"] <= 2 and remembered["options"] <= 2, remembered


def test_the_memo_gives_way_to_a_write_another_session_a_new_transaction_and_the_locks_release(
        tmp_path: Path) -> None:
    """Each rule of the memo, alone, in process: it is kept only under the collection's lock inside a transaction
    (whose snapshot no other writer's commit enters), and read again after a row written into the catalog on this
    thread, in a scope on another session (reading committed data), after a growing multikey set, and once the
    lock or the transaction ends."""
    saved = {name: getattr(Storage, name) for name in CATALOG_FUNCTIONS}
    node_secantus.remember_catalog()
    storage = Storage(str(tmp_path / "rules"))
    bson = storage_module.bson

    def names() -> list[str]:
        return [name for name, _key, _opts in storage._iter_indexes("db", "c")]

    def slipped_in(name: str) -> None:
        """An index row as a DDL path writes it, through the storage's own cursor (autocommitted alone)."""
        c = storage._cursor(storage_module._IDX_TABLE)
        c[("db", "c", name)] = bson.encode({"key": {name: 1}, "options": {}})

    def on_another_thread(name: str) -> None:
        other = threading.Thread(target=slipped_in, args=(name,))
        other.start()
        other.join()

    try:
        storage.create_index("db", "c", "a_1", {"a": 1}, {})
        with storage._coll_lock("db", "c"):
            assert names() == ["a_1"]
            on_another_thread("b")  # a writer that does not take the collection's lock (as collMod's changes)
            assert names() == ["a_1", "b"]  # no transaction pins the snapshot: not kept, as the stock reads
        with storage._coll_lock("db", "c"), storage._batch_transaction():
            assert names() == ["a_1", "b"]
            on_another_thread("c")
            assert names() == ["a_1", "b"]  # the transaction's snapshot: what the stock read sees too
            slipped_in("d")
            assert names() == ["a_1", "b", "d"]  # written on this thread, in its transaction: read again
            with storage._committed_read_scope():
                assert names() == ["a_1", "b", "c"]  # another session, read on its own: committed rows only
            assert names() == ["a_1", "b", "d"]
        with storage._coll_lock("db", "c"), storage._batch_transaction():
            assert names() == ["a_1", "b", "c", "d"]  # a new transaction: read again
            indexes = storage._all_indexes("db", "c")
            assert storage._maybe_mark_multikey("db", "c", {"a": [1, 2]}, indexes, set()) == {"a_1"}
            assert [n for n, _k, o in storage._iter_indexes("db", "c") if o.get("multikey")] == ["a_1"]
        with storage._batch_transaction():
            assert names() == ["a_1", "b", "c", "d"]
            on_another_thread("e")
        with storage._coll_lock("db", "c"), storage._batch_transaction():
            assert names() == ["a_1", "b", "c", "d", "e"]  # the lock taken again: read again
    finally:
        storage.close()
        for name, function in saved.items():
            setattr(Storage, name, function)
