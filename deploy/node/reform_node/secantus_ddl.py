"""An index built, and a collection dropped, by the embedded database in bounded commits (`commit_ddl_in_chunks`),
as the node launches it (`reform_node.secantus`)."""

from __future__ import annotations

from typing import Any

import secantus.storage as storage_module
from secantus.storage import Storage

DDL_CHUNK = 5_000
"""Rows an index build writes, or a drop deletes, per commit. The stock server commits each row alone (an fsync each
on a node's durable server); one commit for all of them would be a transaction as large as the collection, which
WiredTiger rolls back once its updates outgrow the cache (measured: an index over 800,000 documents)."""


class _ChunkedWrites:
    """The writes of one index build to one table, on a WiredTiger session of their own, DDL_CHUNK a commit.

    Handed to the stock build in place of its cursor on the index entries (or the unique keys): it resets the
    cursor before each write and sets one item, which is all this supports."""

    def __init__(self, session: Any, table: str) -> None:
        self._session = session
        self._cursor = session.open_cursor(table, None, None)
        self._open = 0

    def reset(self) -> None:
        """The stock build resets before each write; these writes keep no position to reset."""

    def __setitem__(self, key: Any, value: Any) -> None:
        self._begin()
        self._cursor[key] = value
        self._counted()

    def remove(self, key: tuple[Any, ...]) -> None:
        self._begin()
        self._cursor.set_key(*key)
        self._cursor.remove()
        self._counted()

    def _begin(self) -> None:
        if not self._open:
            self._session.begin_transaction()

    def _counted(self) -> None:
        self._open += 1
        if self._open >= DDL_CHUNK:
            self.commit()

    def commit(self) -> None:
        if self._open:
            self._session.commit_transaction()
            self._open = 0

    def abandon(self) -> None:
        if self._open:
            self._session.rollback_transaction()
            self._open = 0


def commit_ddl_in_chunks() -> None:
    """An index built, and a collection dropped, in bounded commits, whole or absent after a crash.

    SecantusDB 0.7.0b3 writes an index's entries, and deletes a dropped collection's rows, a commit each, under the
    storage's one lock: 168 µs a document to build an index and 450 µs to drop one on this machine (a rebuild drops
    its projection's collections first; a city's pipeline holds ~450,000 documents: minutes with the whole database
    waiting). Killed on the way, the stock build leaves an index that misses entries (queries through it under-report,
    silently) and the stock drop a collection that misses documents.

    - **Index build.** The stock code runs in one transaction on its thread's session (the index's catalog row, the
      oplog entry), its entry writes diverted to a session of their own that commits them DDL_CHUNK at a time; the
      catalog row commits last. A crash leaves at most entries that no catalog row names; the next build of that
      index deletes them first, and a drop of the collection deletes them with the rest.
    - **Drop.** SecantusDB's own two-phase drop (its Rust server's; the Python server finishes one at open,
      `_recover_pending_drops_locked`): one transaction unregisters the collection, deletes what is small and writes
      a tombstone; then the rows are deleted DDL_CHUNK a commit and the tombstone last. The storage's lock is held
      throughout, as the stock drop holds it.
    """
    build, drop, delete_keys, cursor = Storage.create_index, Storage.drop_collection, Storage._delete_keys, \
        Storage._cursor
    entries_table, unique_table, index_table, tombs = (storage_module._IDX_ENTRIES_TABLE,
                                                        storage_module._UNIQ_TABLE, storage_module._IDX_TABLE,
                                                        storage_module._TOMB_TABLE)

    def diverted_cursor(self: Storage, table: str, *, overwrite: bool = True) -> Any:
        diverted: dict[str, _ChunkedWrites] | None = getattr(self._tls, "reform_index_writes", None)
        if diverted is not None and table in diverted:
            return diverted[table]
        return cursor(self, table, overwrite=overwrite)

    def create_index(self: Storage, db: str, coll: str, name: str, key_spec: Any, options: Any = None) -> bool:
        if getattr(self._tls, "user_txn", None) is not None:
            return bool(build(self, db, coll, name, key_spec, options))  # inside a user transaction: its writes
        with self._coll_lock(db, coll), self._lock:  # the stock build's locks, in its order (both reentrant)
            self._refresh_read_snapshot()
            side = self._conn.open_session()
            writes = {table: _ChunkedWrites(side, table) for table in (entries_table, unique_table)}
            try:
                with self._batch_transaction():
                    catalog = cursor(self, index_table)
                    catalog.set_key(db, coll, name)
                    if catalog.search() != 0:  # not built: entries left by a build a crash cut short go first
                        for table, w in writes.items():
                            for key, _ in self._collect_prefix(table, (db, coll, name)):
                                w.remove(key)
                            w.commit()
                    self._tls.reform_index_writes = writes
                    try:
                        built = bool(build(self, db, coll, name, key_spec, options))
                    finally:
                        self._tls.reform_index_writes = None
                    for w in writes.values():
                        w.commit()  # every entry committed before the catalog row (the transaction's end)
                return built
            except BaseException:
                for w in writes.values():
                    w.abandon()
                raise
            finally:
                side.close()

    def deferred_delete_keys(self: Storage, table: str, keys: list[tuple[Any, ...]]) -> None:
        deferred: list[tuple[str, list[tuple[Any, ...]]]] | None = getattr(self._tls, "reform_deferred_deletes", None)
        if deferred is not None and len(keys) > DDL_CHUNK:
            deferred.append((table, keys))
            return
        delete_keys(self, table, keys)

    def drop_collection(self: Storage, db: str, coll: str) -> bool:
        if getattr(self._tls, "user_txn", None) is not None:
            return bool(drop(self, db, coll))
        with self._lock:
            self._refresh_read_snapshot()
            deferred: list[tuple[str, list[tuple[Any, ...]]]] = []
            with self._batch_transaction():  # phase 1: unregistered, the small deleted, the large tombstoned
                self._tls.reform_deferred_deletes = deferred
                try:
                    dropped = bool(drop(self, db, coll))
                finally:
                    self._tls.reform_deferred_deletes = None
                if deferred:
                    tomb = cursor(self, tombs)
                    tomb[db, coll] = b""
            if not deferred:
                return dropped
            for table, keys in deferred:  # phase 2: the rows, a bounded commit at a time
                for start in range(0, len(keys), DDL_CHUNK):
                    with self._batch_transaction():
                        delete_keys(self, table, keys[start:start + DDL_CHUNK])
            with self._batch_transaction():
                delete_keys(self, tombs, [(db, coll)])
            return dropped

    Storage._cursor = diverted_cursor
    Storage._delete_keys = deferred_delete_keys
    Storage.create_index, Storage.drop_collection = create_index, drop_collection
