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

A statement's own CPU (2026-12-04): a statement reads its collection's catalog once (`remember_catalog`), an update's
paths are checked in linear time (`paths_without_conflict`), and WiredTiger's keys and values are packed with each
format's plan kept (`faster_packing`); each answers as the stock code does, which an environment variable restores
to measure against (`REFORM_SECANTUS_STOCK_CATALOG`, `…_UPDATE_PATHS`, `…_PACKING`).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from typing import Any

import secantus.cli
import secantus.commands
from secantus.server import SecantusDBServer
from secantus.storage import Storage
from secantus.transactions import Transaction, TransactionRegistry, TxnState

from reform_node.secantus_catalog import remember_catalog
from reform_node.secantus_codecs import faster_update_paths, pack_faster
from reform_node.secantus_ddl import commit_ddl_in_chunks

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
