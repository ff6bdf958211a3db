"""The embedded database's transaction reaper (`reform_node.secantus.prune_idle`): it never waits for a transaction
at work (a statement or its commit holding the transaction's mutex), and still aborts one left idle past the
lifetime; a transaction's idle time counts from the end of its last statement."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from secantus.transactions import Transaction, TransactionRegistry, TxnState

from reform_node.secantus import _statement_ended, patch_transactions, prune_idle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def registry_with(clock: Clock, *lsids: bytes) -> tuple[TransactionRegistry, list[Transaction]]:
    rolled: list[bytes] = []
    registry = TransactionRegistry(rollback_func=lambda txn: rolled.append(txn.lsid_bytes), lifetime_seconds=10,
                                   time_func=clock)
    txns = [registry.for_statement(lsid, None, 1, start=True)[0] for lsid in lsids]
    assert all(txns)
    return registry, txns  # type: ignore[return-value]


def test_a_transaction_at_work_is_skipped_without_waiting_and_an_idle_one_is_aborted() -> None:
    clock = Clock()
    registry, (busy, idle) = registry_with(clock, b"busy", b"idle")
    clock.now += 60  # both idle past the lifetime by their last use
    held, release = threading.Event(), threading.Event()

    def statement() -> None:
        with busy.mutex:  # a statement of `busy` running, as `_run_txn_statement` holds it
            held.set()
            release.wait(30)

    worker = threading.Thread(target=statement)
    worker.start()
    try:
        assert held.wait(30)
        assert prune_idle(registry) == 1  # returns although `busy` is held: only `idle` reaped
        assert idle.state is TxnState.ABORTED and busy.state is TxnState.IN_PROGRESS
    finally:
        release.set()
        worker.join(30)
    assert prune_idle(registry) == 1 and busy.state is TxnState.ABORTED  # idle once its statement ended


def test_a_statement_longer_than_the_lifetime_leaves_its_transaction_open() -> None:
    clock = Clock()
    registry, (txn,) = registry_with(clock, b"long")
    ctx = SimpleNamespace(transactions=registry)

    def long_statement(doc: dict[str, Any], context: Any) -> dict[str, Any]:
        clock.now += 60  # the statement itself outlasts the lifetime
        return {"ok": 1.0}

    assert txn.handle is None
    txn.handle = object()  # the statement runs without opening a real storage transaction
    storage = SimpleNamespace(use_user_transaction=lambda handle: _nothing())
    ctx.storage = storage  # type: ignore[attr-defined]
    assert _statement_ended(txn, long_statement, {}, ctx) == {"ok": 1.0}
    assert prune_idle(registry) == 0 and txn.state is TxnState.IN_PROGRESS
    clock.now += 11
    assert prune_idle(registry) == 1


def test_the_patch_replaces_the_registrys_prune() -> None:
    patch_transactions()
    assert TransactionRegistry._prune_locked is prune_idle


class _nothing:  # a context manager standing in for the storage transaction
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_the_database_process_collects_cycles_less_often(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The launcher sets the collector's thresholds (its heap holds the node's documents), unless told not to."""
    import gc

    from reform_node.secantus import COLLECTOR_THRESHOLDS, tune_collector

    before = gc.get_threshold()
    try:
        monkeypatch.setenv("REFORM_SECANTUS_DEFAULT_GC", "1")
        tune_collector()
        assert gc.get_threshold() == before
        monkeypatch.delenv("REFORM_SECANTUS_DEFAULT_GC")
        tune_collector()
        assert gc.get_threshold() == COLLECTOR_THRESHOLDS
    finally:
        gc.set_threshold(*before)
