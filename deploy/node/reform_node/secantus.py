"""The embedded database: SecantusDB's own daemon, with what a node needs of it and its CLI lacks.

SecantusDB aborts a transaction left idle past its lifetime (60 s, as mongod) only when another
transaction touches its registry; a plain write that meets the orphaned transaction of a killed client
waits on it without ever touching that registry, so a restarted service could wait forever (reproduced:
a plain update blocked > 90 s). This launcher runs the same daemon (`secantus.cli.main`, same flags) with
a shorter lifetime and a reaper thread that aborts expired transactions every second, so a service
killed mid-transaction is back within seconds. Production MongoDB aborts after
`transactionLifetimeLimitSeconds` itself.

The reaping itself is made non-blocking (`prune_idle`). SecantusDB 0.7.0b3 prunes on every transactional
statement and commit, under the registry's one lock, taking each open transaction's mutex in turn — and a
transaction holds its mutex while one of its statements runs and while it commits (an fsync). So every
transactional statement of every connection waited for whatever statement or commit was running anywhere: the
node's projections, each in its own transaction, ran one at a time (profiled in a catch-up: a checkpoint-only
projection waited behind the others' bulk writes), and the waits grew with the transactions' size. A transaction
whose mutex is held is at work, not idle: it is skipped. Its idle time is counted from the end of its last
statement (`_statement_ended`), not from its start, so a statement longer than the lifetime on a loaded machine
does not get its transaction aborted at the next one.

Every command also asked WiredTiger for its database's profiling level (`_maybe_record_profile`, under the storage's
lock): 4.5% of the server's samples under a node's command load (py-spy, 2026-12-02). The levels are kept in memory
instead (`cache_profile_levels`): only `Storage.set_profile` writes them, and it updates the copy.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import secantus.cli
import secantus.commands
import secantus.storage as storage_module
import secantus.update
from secantus.server import SecantusDBServer
from secantus.storage import Storage
from secantus.transactions import Transaction, TransactionRegistry, TxnState
from secantus.update import _KNOWN_UPDATE_OPS as KNOWN_UPDATE_OPS
from secantus.update import UpdateError
from secantus.update import _unknown_modifier as unknown_modifier

LIFETIME_SECONDS = float(os.environ.get("REFORM_SECANTUS_TXN_LIFETIME", "10"))
"""Longer than any pause inside one projection transaction (a batch's statements follow each other)."""
IDLE_SECONDS = os.environ.get("REFORM_SECANTUS_CLIENT_IDLE")
"""The server's own default (300 s) unless set: tests shorten it to show that pools close idle connections
before the server does."""


def prune_idle(registry: TransactionRegistry) -> int:
    """Abort the transactions idle past the lifetime; never waits for one at work (its mutex held)."""
    cutoff = registry._time() - registry._lifetime
    reaped = 0
    for txn in list(registry._txns.values()):
        if txn.state is not TxnState.IN_PROGRESS or txn.last_use >= cutoff:
            continue
        if not txn.mutex.acquire(blocking=False):
            continue  # a statement or the commit is running: not idle
        try:
            if txn.state is TxnState.IN_PROGRESS and txn.last_use < cutoff:
                registry._rollback_quietly(txn)
                txn.state = TxnState.ABORTED
                reaped += 1
        finally:
            txn.mutex.release()
    return reaped


_run_statement = secantus.commands._run_txn_statement


def _statement_ended(txn: Transaction, handler: Any, doc: dict[str, Any], ctx: Any) -> dict[str, Any]:
    try:
        return dict(_run_statement(txn, handler, doc, ctx))
    finally:
        txn.last_use = ctx.transactions._time() if ctx.transactions is not None else txn.last_use


def patch_transactions() -> None:
    TransactionRegistry._prune_locked = prune_idle
    secantus.commands._run_txn_statement = _statement_ended


def cache_profile_levels() -> None:
    """`Storage.get_profile` answered from memory; `Storage.set_profile` (its only writer) keeps the copy true."""
    read, write = Storage.get_profile, Storage.set_profile
    lock = threading.Lock()

    def levels(storage: Storage) -> dict[str, dict[str, Any]]:
        known: dict[str, dict[str, Any]] = storage.__dict__.setdefault("_reform_profile_levels", {})
        return known

    def get_profile(self: Storage, db: str) -> dict[str, Any]:
        with lock:
            found = levels(self).get(db)
            if found is None:
                found = levels(self)[db] = read(self, db)
            return dict(found)

    def set_profile(self: Storage, db: str, **settings: Any) -> None:
        with lock:
            levels(self).pop(db, None)
            write(self, db, **settings)

    Storage.get_profile, Storage.set_profile = get_profile, set_profile


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
        depth = held.get(self._key, 0)
        if not depth:
            _forget(self._tls, self._key)  # what was read before the lock was held is not trusted under it
        held[self._key] = depth + 1
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


def remember_catalog() -> None:
    """A statement reads its collection's catalog rows from WiredTiger once, not at each of the stock's lookups.

    SecantusDB 0.7.0b3 reads a collection's index definitions (`_iter_indexes`: a cursor walk and a BSON decode per
    index) and its options (`_coll_options`) again at each lookup: seven and four times an upsert into a collection
    with three indexes, 19% and ~6% of the database's samples under a node's command load (py-spy --gil,
    2026-12-04). Here the rows' bytes are kept, and decoded afresh for each lookup (no caller shares a dict), only
    while the thread holds the collection's lock (`Storage._coll_lock`: its writes, and the DDL that takes it, wait
    for the statement) inside a transaction (a user transaction's, or the statement's own `_batch_transaction`: its
    snapshot is pinned, so no other writer's commit shows in it), on the WiredTiger session they were read on (a scope
    reading committed data swaps it), and until anything else on this thread opens a cursor on either catalog table
    (the statement creating the collection or an index, or flagging an index multikey: it may write them). So each
    lookup answers what the stock read would have, from the same snapshot."""
    coll_lock, cursor, refresh, multikey, batch = (Storage._coll_lock, Storage._cursor, Storage._refresh_read_snapshot,
                                                   Storage._maybe_mark_multikey, Storage._batch_transaction)
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
        if table in catalog_tables:
            _forget(self._tls)  # its caller may write the catalog
        return cursor(self, table, overwrite=overwrite)

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
            _forget(tls)  # read before the transaction began
            outer, tls.reform_pinned = getattr(tls, "reform_pinned", None), session
            try:
                yield session
            finally:
                tls.reform_pinned = outer
                _forget(tls)

    def refreshed(self: Storage) -> None:
        if getattr(self._tls, "user_txn", None) is None:
            _forget(self._tls)  # a fresh snapshot may hold newer rows
        refresh(self)

    def mark_multikey(self: Storage, db: str, coll: str, doc: Any, indexes: Any, already: set[str]) -> set[str]:
        before = len(already)
        self._tls.reform_multikey = True  # its cursor on the catalog writes only if the set grows
        try:
            grown: set[str] = multikey(self, db, coll, doc, indexes, already)
        except BaseException:
            _forget(self._tls)
            raise
        finally:
            self._tls.reform_multikey = False
        if len(grown) != before:
            _forget(self._tls)
        return grown

    def multikey_cursor(self: Storage, table: str, *, overwrite: bool = True) -> Any:
        if getattr(self._tls, "reform_multikey", False) and table == index_table:
            return cursor(self, table, overwrite=overwrite)
        return watched_cursor(self, table, overwrite=overwrite)

    Storage._coll_lock = scoped_lock
    Storage._cursor = multikey_cursor
    Storage._iter_indexes = iter_indexes
    Storage._coll_options = coll_options
    Storage._refresh_read_snapshot = refreshed
    Storage._maybe_mark_multikey = mark_multikey
    Storage._batch_transaction = pinned


_STRING, _LAST_BYTES, _BYTES, _INTEGER = range(4)
_INTEGERS = frozenset("hHiIlLqQr")


def _plan(fmt: str) -> tuple[int, ...] | None:
    """A WiredTiger format of NUL-terminated strings, raw bytes and integers, without sizes, as the kind of each
    value; None for any other (left to the stock packer)."""
    body = fmt[1:] if fmt[:1] == "." else fmt
    if not body or body[:1] in "@<>":
        return None
    kinds: list[int] = []
    for offset, char in enumerate(body):
        if char == "S":
            kinds.append(_STRING)
        elif char == "u":
            kinds.append(_LAST_BYTES if offset == len(body) - 1 else _BYTES)
        elif char in _INTEGERS:
            kinds.append(_INTEGER)
        else:
            return None
    return tuple(kinds)


def faster_packing(stock_pack: Callable[..., Any], stock_unpack: Callable[[str, Any], Any],
                   pack_int: Callable[[int], bytes], unpack_int: Callable[[bytes], tuple[int, bytes]]
                   ) -> tuple[Callable[..., Any], Callable[[str, Any], Any]]:
    """WiredTiger's Python packing of keys and values (`wiredtiger.packing`), byte for byte, for the formats the
    embedded database uses (`SSS`, `SSq`, `SSSu`, `u`…), with the plan of each format kept instead of parsed again
    at every call; any other format, or a value of another type than the stock expects, goes to the stock code.

    SWIG's cursor calls the stock pure-Python `pack` at each `set_key`/`set_value` and `unpack` at each
    `get_key`/`get_value`: 13–17% of an upsert's profile in the database's process (cProfile, 2026-12-04)."""
    plans: dict[str, tuple[int, ...] | None] = {}

    def pack(fmt: str, *values: Any) -> Any:
        plan = plans.get(fmt)
        if plan is None and fmt not in plans:
            plan = plans[fmt] = _plan(fmt)
        if plan is None or len(values) != len(plan):
            return stock_pack(fmt, *values)
        out: list[bytes] = []
        for kind, value in zip(plan, values, strict=True):
            if kind == _STRING:
                if type(value) is not str:
                    return stock_pack(fmt, *values)
                nul = value.find("\0")
                out.append((value if nul < 0 else value[:nul]).encode())
                out.append(b"\0")
            elif kind == _INTEGER:
                out.append(pack_int(value))
            elif type(value) is not bytes:
                return stock_pack(fmt, *values)
            elif kind == _BYTES:
                out.append(pack_int(len(value)))
                out.append(value)
            else:
                out.append(value)
        return b"".join(out)

    def unpack(fmt: str, data: Any) -> Any:
        plan = plans.get(fmt)
        if plan is None and fmt not in plans:
            plan = plans[fmt] = _plan(fmt)
        if plan is None or type(data) is not bytes:
            return stock_unpack(fmt, data)
        result: list[Any] = []
        pos = 0
        for kind in plan:
            if kind == _STRING:
                end = data.find(b"\0", pos)
                if end < 0:
                    return stock_unpack(fmt, data)
                result.append(data[pos:end].decode())
                pos = end + 1
            elif kind == _LAST_BYTES:
                result.append(data[pos:])
                pos = len(data)
            else:
                if pos >= len(data):
                    return stock_unpack(fmt, data)
                value, rest = unpack_int(data[pos:])
                if kind == _BYTES:
                    start = len(data) - len(rest)
                    result.append(data[start:start + value])
                    pos = start + value
                else:
                    result.append(value)
                    pos = len(data) - len(rest)
        return result

    return pack, unpack


def pack_faster() -> None:
    import wiredtiger.intpacking
    import wiredtiger.packing
    import wiredtiger.swig_wiredtiger

    pack, unpack = faster_packing(wiredtiger.packing.pack, wiredtiger.packing.unpack,
                                  wiredtiger.intpacking.pack_int, wiredtiger.intpacking.unpack_int)
    wiredtiger.swig_wiredtiger.pack, wiredtiger.swig_wiredtiger.unpack = pack, unpack


def paths_without_conflict(stock: Callable[[Mapping[str, Any]], tuple[str, str] | None]
                           ) -> Callable[[Mapping[str, Any]], tuple[str, str] | None]:
    """The stock walk of an update's paths, in time linear in their number instead of quadratic.

    SecantusDB 0.7.0b3 checks each path against every path claimed before it (`secantus.update._validate_update_paths`,
    twice an update: parsing it and applying it): a projection's upsert setting 30 fields compares ~450 pairs, 9.8% of
    the database's samples under a node's command load (py-spy --gil, 2026-12-04). Here the claimed paths and their
    prefixes are kept in sets. The errors come in the stock's document order: unknown operators and empty paths are
    raised as it raises them, and at the first path that meets a claimed one the stock walk runs instead, so that a
    conflict is reported in its words."""

    def walk(update: Mapping[str, Any]) -> tuple[str, str] | None:
        claimed: set[tuple[str, ...]] = set()
        prefixes: set[tuple[str, ...]] = set()
        for op, payload in update.items():
            if not op.startswith("$") or op not in KNOWN_UPDATE_OPS:
                raise unknown_modifier(op)
            if not isinstance(payload, Mapping):
                continue
            for field in payload:
                paths = [field]
                if op == "$rename":
                    dest = payload.get(field)
                    if isinstance(dest, str) and dest != field:
                        paths.append(dest)
                now: list[tuple[str, ...]] = []
                for path in paths:
                    if path == "":
                        raise UpdateError("An empty update path is not valid.", code=56)
                    parts = tuple(path.split("."))
                    if "" in parts:
                        raise UpdateError(f"The update path '{path}' contains an empty field name, "
                                          "which is not allowed.", code=56)
                    if parts in claimed or parts in prefixes or any(
                            parts[:n] in claimed for n in range(1, len(parts))):
                        return stock(update)  # a conflict: the stock walk names it
                    now.append(parts)
                for parts in now:  # a $rename's two ends are claimed together, never compared
                    claimed.add(parts)
                    prefixes.update(parts[:n] for n in range(1, len(parts)))
        return None

    return walk


def faster_update_paths() -> None:
    secantus.update._validate_update_paths = paths_without_conflict(secantus.update._validate_update_paths)


class _ReapedServer(SecantusDBServer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("transaction_lifetime_seconds", LIFETIME_SECONDS)
        if IDLE_SECONDS:
            kwargs.setdefault("client_idle_timeout_s", float(IDLE_SECONDS))
        super().__init__(*args, **kwargs)
        self._reaper_stop = threading.Event()

    def start(self) -> None:
        super().start()
        threading.Thread(target=self._reap, name="txn-reaper", daemon=True).start()

    def stop(self) -> None:
        self._reaper_stop.set()
        super().stop()

    def _reap(self) -> None:
        while not self._reaper_stop.wait(1.0):
            try:
                self.transactions.prune_expired()
            except Exception:  # noqa: BLE001 - the reaper must outlive one bad prune
                pass


COLLECTOR_THRESHOLDS = (50_000, 20, 100)
"""Python's cyclic collector in the database process (defaults 700, 10, 10). What the server stores is in WiredTiger,
but what its statements and open transactions carry is Python objects: ~35,000 at rest, up to 1.9 million while a
node's projections catch up (counted with `gc.get_objects()`, 2026-12-02), and each collection of the older
generations walks them all: with the defaults, inserts into five collections in transactions of 500 fell from 15,400
to 9,400 documents/s over 750,000 documents; with these thresholds they held at 16,800–17,600/s (same run,
`REFORM_SECANTUS_DEFAULT_GC=1` to measure against). Reference counting frees everything else as before; only garbage
in cycles waits longer."""


def tune_collector() -> None:
    if not os.environ.get("REFORM_SECANTUS_DEFAULT_GC"):
        gc.set_threshold(*COLLECTOR_THRESHOLDS)


def main() -> int:
    tune_collector()
    if not os.environ.get("REFORM_SECANTUS_STOCK_PRUNE"):  # the stock reaping, to measure against (the bench)
        patch_transactions()
    cache_profile_levels()
    if not os.environ.get("REFORM_SECANTUS_STOCK_UPDATE_PATHS"):  # the quadratic walk, to measure against
        faster_update_paths()
    if not os.environ.get("REFORM_SECANTUS_STOCK_DDL"):  # a commit per row, to measure against
        commit_ddl_in_chunks()
    if not os.environ.get("REFORM_SECANTUS_STOCK_PACKING"):  # WiredTiger's own Python packer, to measure against
        pack_faster()
    if not os.environ.get("REFORM_SECANTUS_STOCK_CATALOG"):  # every lookup read from WiredTiger, to measure against
        remember_catalog()
    secantus.cli.SecantusDBServer = _ReapedServer
    return int(secantus.cli.main(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
