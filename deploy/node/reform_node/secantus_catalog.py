"""A statement of the embedded database reads its collection's catalog once (`remember_catalog`), as the node
launches it (`reform_node.secantus`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import secantus.storage as storage_module
from secantus.storage import Storage


class _CatalogScope:
    """A collection's lock (the stock RLock, acquired and released as before), and while this thread holds it the
    memo of that collection's catalog rows (`remember_catalog`)."""

    __slots__ = ("_key", "_lock", "_tls")

    def __init__(self, lock: Any, key: tuple[str, str], tls: Any) -> None:
        self._lock, self._key, self._tls = lock, key, tls

    def __enter__(self) -> bool:
        entered = bool(self._lock.__enter__())
        held: dict[tuple[str, str], int] | None = getattr(self._tls, "reform_held", None)
        if held is None:
            held = self._tls.reform_held = {}
        held[self._key] = held.get(self._key, 0) + 1
        return entered

    def __exit__(self, *exc: Any) -> Any:
        held: dict[tuple[str, str], int] = self._tls.reform_held
        depth = held[self._key] - 1
        if depth:
            held[self._key] = depth
        else:
            del held[self._key]
            _forget(self._tls, self._key)
        return self._lock.__exit__(*exc)

    def acquire(self, *args: Any, **kwargs: Any) -> bool:
        return bool(self._lock.acquire(*args, **kwargs))

    def release(self) -> None:
        self._lock.release()


def _forget(tls: Any, key: tuple[str, str] | None = None) -> None:
    memo: dict[tuple[str, str, str], Any] | None = getattr(tls, "reform_catalog", None)
    if memo:
        if key is None:
            memo.clear()
        else:
            memo.pop(("i", *key), None)
            memo.pop(("c", *key), None)


class _WatchedCursor:
    """A cursor on a catalog table, as the stock code gets it: each write through it ends this thread's memo."""

    __slots__ = ("_cursor", "_tls")

    def __init__(self, cursor: Any, tls: Any) -> None:
        self._cursor, self._tls = cursor, tls

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __setitem__(self, key: Any, value: Any) -> None:
        _forget(self._tls)
        self._cursor[key] = value

    def __delitem__(self, key: Any) -> None:
        _forget(self._tls)
        del self._cursor[key]

    def _wrote(self, name: str, *args: Any) -> Any:
        _forget(self._tls)
        return getattr(self._cursor, name)(*args)

    def insert(self) -> Any:
        return self._wrote("insert")

    def update(self) -> Any:
        return self._wrote("update")

    def remove(self) -> Any:
        return self._wrote("remove")

    def reserve(self) -> Any:
        return self._wrote("reserve")

    def modify(self, *args: Any) -> Any:
        return self._wrote("modify", *args)


def remember_catalog() -> None:
    """A statement reads its collection's catalog rows from WiredTiger once, not at each of the stock's lookups.

    SecantusDB 0.7.0b3 reads a collection's index definitions (`_iter_indexes`: a cursor walk and a BSON decode per
    index) and its options (`_coll_options`) again at each lookup: seven and four times an upsert into a collection
    with three indexes, 19% and ~6% of the database's samples under a node's command load (py-spy --gil,
    2026-12-04). Here the rows' bytes are kept, and decoded afresh for each lookup (no caller shares a dict), only
    while the thread holds the collection's lock (`Storage._coll_lock`: its writes, and the DDL that takes it, wait
    for the statement) inside a transaction (a user transaction's, or the statement's own `_batch_transaction`: its
    snapshot is pinned, so no other writer's commit shows in it), on the WiredTiger session they were read on (a scope
    reading committed data swaps it), and until this thread writes a row of either catalog table (the statement
    creating the collection or an index, or flagging an index multikey: every cursor on them the stock code gets is
    watched). So each lookup answers what the stock read would have, from the same snapshot."""
    coll_lock, cursor, batch = Storage._coll_lock, Storage._cursor, Storage._batch_transaction
    index_table, coll_table = storage_module._IDX_TABLE, storage_module._COLL_TABLE
    catalog_tables = (index_table, coll_table)
    bson = storage_module.bson

    def scoped_lock(self: Storage, db: str, coll: str) -> _CatalogScope:
        return _CatalogScope(coll_lock(self, db, coll), (db, coll), self._tls)

    def memo_of(self: Storage, db: str, coll: str) -> dict[tuple[str, str, str], Any] | None:
        """The memo, if this thread holds (db, coll)'s lock; emptied when its session is no longer the one read."""
        tls = self._tls
        held = getattr(tls, "reform_held", None)
        if not held or (db, coll) not in held:
            return None
        session = getattr(tls, "session", None)
        if getattr(tls, "user_txn", None) is None and getattr(tls, "reform_pinned", None) is not session:
            return None  # no transaction pins the session's snapshot: each stock read could see a newer one
        memo: dict[tuple[str, str, str], Any] | None = getattr(tls, "reform_catalog", None)
        if memo is None:
            memo = tls.reform_catalog = {}
        if getattr(tls, "reform_catalog_session", None) is not session:
            memo.clear()
            tls.reform_catalog_session = session
        return memo

    def watched_cursor(self: Storage, table: str, *, overwrite: bool = True) -> Any:
        found = cursor(self, table, overwrite=overwrite)
        return _WatchedCursor(found, self._tls) if table in catalog_tables else found

    def index_rows(self: Storage, db: str, coll: str) -> list[tuple[str, bytes]]:
        rows: list[tuple[str, bytes]] = []
        c = cursor(self, index_table)
        c.set_key(db, coll, "")
        rc = c.search_near()
        if rc == storage_module.wt.WT_NOTFOUND or (rc < 0 and c.next() != 0):
            return rows
        while True:
            k = c.get_key()
            if k[0] != db or k[1] != coll:
                return rows
            rows.append((k[2], bytes(c.get_value())))
            if c.next() != 0:
                return rows

    def iter_indexes(self: Storage, db: str, coll: str) -> Any:
        memo = memo_of(self, db, coll)
        rows: list[tuple[str, bytes]] | None = None if memo is None else memo.get(("i", db, coll))
        if rows is None:
            rows = index_rows(self, db, coll)
            if memo is not None:
                memo["i", db, coll] = rows
        for name, raw in rows:
            payload = bson.decode(raw)
            yield name, payload.get("key", {}), payload.get("options", {})

    def coll_options(self: Storage, db: str, coll: str) -> dict[str, Any] | None:
        memo = memo_of(self, db, coll)
        raw = None if memo is None else memo.get(("c", db, coll))
        if raw is None:
            c = cursor(self, coll_table)
            c.set_key(db, coll)
            raw = bytes(c.get_value()) if c.search() == 0 else False
            if memo is not None:
                memo["c", db, coll] = raw
        if raw is False:
            return None
        return bson.decode(raw) if raw else {}

    @contextlib.contextmanager
    def pinned(self: Storage, *, sync: bool = False) -> Iterator[Any]:
        tls = self._tls
        with batch(self, sync=sync) as session:
            outer, tls.reform_pinned = getattr(tls, "reform_pinned", None), session
            try:
                yield session
            finally:
                tls.reform_pinned = outer
                _forget(tls)  # a later transaction under the same lock reads its own snapshot

    Storage._coll_lock = scoped_lock
    Storage._cursor = watched_cursor
    Storage._iter_indexes = iter_indexes
    Storage._coll_options = coll_options
    Storage._batch_transaction = pinned
