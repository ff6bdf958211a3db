"""A restore marks itself in the restored record: a `NodeRestored` after the restored events, up to the last
sequence restored, named after the backup file (its SHA-256) — and a restore of a backup of a restored node marks
the next restore above the first, which the file carried along. Real nats-servers; no services."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NatsClient
from support import submitted

from reform_node.backup import backup
from reform_node.restore import restore
from reform_node.servers import free_port, start_nats
from reform_shared.events import NodeRestored, build_registry
from reform_shared.provisioning import provision
from reform_shared.restores import last_restore
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

pytestmark = pytest.mark.service

SETTINGS = Settings(environment="test")
FIRST = dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC)
SECOND = dt.datetime(2026, 12, 1, 19, 30, tzinfo=dt.UTC)


async def append(nc: NatsClient, count: int) -> None:
    store = JetStreamEventStore(nc.jetstream(timeout=10), build_registry(), SETTINGS.stream_name,
                                SETTINGS.subject_prefix)
    for n in range(count):
        event = submitted(title=f"Sáng kiến {n}")
        await store.append(await store.load("ninh-giang", "initiative", event.aggregate_id), [event])


def ops_store(nc: NatsClient) -> JetStreamEventStore:
    return JetStreamEventStore(nc.jetstream(timeout=10), build_registry(), SETTINGS.stream_name, SETTINGS.ops_prefix)


async def scenario(tmp: Path) -> dict[str, Any]:
    ports = {name: free_port() for name in ("source", "a", "b")}
    servers = [start_nats(tmp / name, port, free_port()) for name, port in ports.items()]
    clients: list[NatsClient] = []
    try:
        clients += [await nats.connect(f"nats://127.0.0.1:{port}") for port in ports.values()]
        source, a, b = clients
        await provision(source.jetstream(), SETTINGS)
        await append(source, 3)
        await backup(source, SETTINGS, tmp / "one.jsonl")
        first = await restore(a, tmp / "one.jsonl", now=FIRST)
        await provision(a.jetstream(), SETTINGS)  # the restored node starts, and goes on
        await append(a, 2)
        await backup(a, SETTINGS, tmp / "two.jsonl")
        second = await restore(b, tmp / "two.jsonl", now=SECOND)
        history = await ops_store(b).load("_node", "node", "restores")
        held = (await b.jetstream().stream_info(SETTINGS.stream_name)).state.messages
        return {"first": first, "second": second, "history": history, "last": await last_restore(ops_store(b)),
                "never": await last_restore(ops_store(source)), "held": held}
    finally:
        for nc in clients:
            await nc.close()
        for server in servers:
            server.stop()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_restore_of_a_restored_nodes_backup_marks_the_next_restore_above_the_first(tmp_path: Path) -> None:
    got = asyncio.run(scenario(tmp_path))
    first, second = got["first"]["marker"], got["second"]["marker"]
    assert (first["up_to_seq"], first["seq"]) == (3, 4)  # right after the three restored events
    assert (second["up_to_seq"], second["seq"]) == (6, 7)  # three, the first mark, two more; then the second
    assert got["first"]["messages"][SETTINGS.stream_name] == 3 and got["first"]["held"][SETTINGS.stream_name] == 4
    assert got["second"]["held"][SETTINGS.stream_name] == got["held"] == 7
    restores: list[NodeRestored] = got["history"].payloads
    assert [e.aggregate_version for e in got["history"].envelopes] == [1, 2]
    assert [(r.up_to_seq, r.restored_at) for r in restores] == [(3, FIRST), (6, SECOND)]
    assert [r.backup_file_sha256 for r in restores] == [sha256(tmp_path / "one.jsonl"), sha256(tmp_path / "two.jsonl")]
    assert all(r.backup_created_at is not None and r.backup_node_id == SETTINGS.node_id for r in restores)
    assert got["last"] == restores[-1]
    assert got["never"] is None  # a node never restored has no horizon
