"""The embedded database builds an index, and drops a collection, whole or not at all, in bounded commits
(`reform_node.secantus_ddl.commit_ddl_in_chunks`).

SecantusDB 0.7.0b3 wrote an index's entries, and deleted a dropped collection's rows, each in a commit of its own, an
fsync each on a node's durable server: 168 µs a document to build an index, 450 µs to drop, under the database's one
lock (a rebuild drops its projection's collections first; a city's pipeline holds ~450,000 documents). Killed on the
way, the stock drop left a collection missing documents (39,984 of 40,000 in this test, `REFORM_SECANTUS_STOCK_DDL=1`),
the stock build an index missing entries (queries through it under-report, silently). These tests kill the server with
SIGKILL in the middle and read what it holds once started again; a large collection's build and drop still commit in
chunks of `DDL_CHUNK` (WiredTiger rolls back a transaction that outgrows its cache).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient, InsertOne
from pymongo.errors import PyMongoError
from secantus.storage import _IDX_ENTRIES_TABLE as ENTRIES_TABLE
from secantus.storage import Storage

from reform_node.secantus_ddl import DDL_CHUNK, commit_ddl_in_chunks
from reform_node.servers import ChildProcess, free_port, mongo_url, start_mongo

pytestmark = pytest.mark.service

DOCUMENTS = 40_000
"""More than `DDL_CHUNK`: the build and the drop commit in several chunks."""
KILL_AFTER_S = 0.25
"""After the command is sent: the stock build of 40,000 entries takes ~7 s here, the stock drop ~18 s."""


class Server:
    def __init__(self, data: Path) -> None:
        self.data = data
        self.child: ChildProcess | None = None
        self.client: AsyncMongoClient[dict[str, Any]] | None = None

    async def start(self) -> AsyncMongoClient[dict[str, Any]]:
        port = free_port()
        self.child = start_mongo(self.data, port)
        self.client = AsyncMongoClient(mongo_url(port), serverSelectionTimeoutMS=20_000)
        return self.client

    async def kill(self) -> None:
        assert self.child is not None and self.client is not None
        self.child.kill()
        await self.client.close()

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
        if self.child is not None:
            self.child.stop()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    s = Server(tmp_path / "mongo")
    try:
        yield s
    finally:
        await s.stop()


async def fill(client: AsyncMongoClient[dict[str, Any]], count: int = DOCUMENTS) -> None:
    things = client["ddl"]["things"]
    for start in range(0, count, 2_000):
        await things.bulk_write([InsertOne({"_id": i, "k": i % 97, "pad": "x" * 100})
                                 for i in range(start, min(count, start + 2_000))])


async def killed_during(server: Server, command: Any) -> None:
    """Send a command, kill the server with SIGKILL while it runs (or just after), and start it again."""
    task = asyncio.ensure_future(command)
    await asyncio.sleep(KILL_AFTER_S)
    await server.kill()
    try:
        await task
    except PyMongoError:
        pass  # the connection died with the server: what it holds is read below
    await server.start()


async def through_index(client: AsyncMongoClient[dict[str, Any]]) -> int:
    return await client["ddl"]["things"].count_documents({"k": {"$gte": 0}}, hint="k_1")


async def test_an_index_killed_while_being_built_is_whole_or_absent(server: Server) -> None:
    client = await server.start()
    await fill(client)
    await killed_during(server, client["ddl"]["things"].create_index("k"))
    client = server.client
    assert client is not None
    things = client["ddl"]["things"]
    assert await things.count_documents({}) == DOCUMENTS
    names = [index["name"] async for index in await things.list_indexes()]
    if "k_1" in names:
        assert await through_index(client) == DOCUMENTS  # every entry, or the index would under-report
        await things.drop_index("k_1")
    # What a build cut short wrote is no index; built again after documents went, it must not name them
    await things.delete_many({"_id": {"$lt": 1_000}})
    await things.create_index("k")
    assert await through_index(client) == DOCUMENTS - 1_000
    first = [d["_id"] async for d in things.find({"k": 5}, hint="k_1").sort("_id", 1).limit(1)]
    assert first == [1_072]  # the first with k 5 left


async def test_a_collection_killed_while_being_dropped_is_whole_or_gone(server: Server) -> None:
    client = await server.start()
    await fill(client)
    await client["ddl"]["things"].create_index("k")
    await killed_during(server, client["ddl"].drop_collection("things"))
    client = server.client
    assert client is not None
    things = client["ddl"]["things"]
    left = await things.count_documents({})
    assert left in (0, DOCUMENTS), f"{left} of {DOCUMENTS} documents left: a drop half done"
    if left:
        assert await through_index(client) == DOCUMENTS
        await things.drop()
    await things.insert_one({"_id": "new", "k": 1})  # a collection of the same name starts empty
    await things.create_index("k")
    assert await things.count_documents({}) == 1
    assert await through_index(client) == 1


async def test_an_index_built_while_others_write_holds_every_document(server: Server) -> None:
    client = await server.start()
    await fill(client, 10_000)
    things = client["ddl"]["things"]

    async def write() -> None:
        for i in range(10_000, 12_000, 100):
            await things.bulk_write([InsertOne({"_id": j, "k": j % 97}) for j in range(i, i + 100)])

    await asyncio.gather(things.create_index("k"), write())
    assert await things.count_documents({}) == 12_000
    assert await through_index(client) == 12_000


def test_entries_a_build_cut_short_committed_are_deleted_by_the_next_build(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash between the entries' chunks and the catalog row's commit, made certain in process: the build fails
    after writing its entries. They name no index; the next build deletes them before writing its own."""
    for attribute in ("create_index", "drop_collection", "_delete_keys", "_cursor", "_emit_oplog"):
        monkeypatch.setattr(Storage, attribute, getattr(Storage, attribute))  # put back after the test
    commit_ddl_in_chunks()
    storage = Storage(str(tmp_path / "db"))
    try:
        storage.insert("ddl", "things", [{"_id": i, "k": i % 97} for i in range(DOCUMENTS)])

        def cut_short(self: Storage, entries: Any) -> None:  # called after the entries, before the commit
            raise RuntimeError("cut short")

        emit = Storage._emit_oplog
        monkeypatch.setattr(Storage, "_emit_oplog", cut_short)
        with pytest.raises(RuntimeError, match="cut short"):
            storage.create_index("ddl", "things", "k_1", {"k": 1})
        monkeypatch.setattr(Storage, "_emit_oplog", emit)
        entries = ("ddl", "things", "k_1")
        assert len(storage._collect_prefix(ENTRIES_TABLE, entries)) >= DDL_CHUNK  # committed, named by nothing
        assert "k_1" not in [index["name"] for index in storage.list_indexes("ddl", "things")]

        storage.delete_matching("ddl", "things", {"_id": {"$lt": 1_000}})
        assert storage.create_index("ddl", "things", "k_1", {"k": 1})
        assert len(storage._collect_prefix(ENTRIES_TABLE, entries)) == DOCUMENTS - 1_000
    finally:
        storage.close()
