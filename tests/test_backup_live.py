"""A backup taken while events keep being appended, restored into an empty server: the restored stream is the
source stream's first N messages exactly — same sequences, subjects, bodies and headers (the append's
`Nats-Expected-*` checks aside) — with N at least what the stream held when the backup began; every stored
command result and every attachment is there too. Real nats-servers; no services."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NatsClient
from support import submitted

from reform_node.backup import backup
from reform_node.restore import restore
from reform_node.servers import free_port, start_nats
from reform_shared.events import build_registry
from reform_shared.provisioning import provision
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

pytestmark = pytest.mark.service

SETTINGS = Settings(environment="test")


async def keep_appending(nc: NatsClient, stop: asyncio.Event) -> int:
    """Initiatives appended by the store, each with its command's result stored afterwards, as a command does."""
    js = nc.jetstream(timeout=10)
    store = JetStreamEventStore(js, build_registry(), SETTINGS.stream_name, SETTINGS.subject_prefix)
    results = await js.key_value(SETTINGS.idempotency_bucket)
    count = 0
    while not stop.is_set():
        event = submitted(title=f"Sáng kiến {count}")
        await store.append(await store.load("ninh-giang", "initiative", event.aggregate_id), [event])
        await results.put(f"lan.submit.{count}", event.event_id.encode())
        count += 1
    return count


async def messages(nc: NatsClient, stream: str) -> list[tuple[int, str, bytes, dict[str, str]]]:
    js = nc.jetstream(timeout=10)
    last = (await js.stream_info(stream)).state.last_seq
    found = []
    for seq in range(1, last + 1):
        msg = await js.get_msg(stream, seq)
        headers = {k: v for k, v in (msg.headers or {}).items() if not k.startswith("Nats-Expected-")}
        found.append((seq, msg.subject or "", msg.data or b"", headers))
    return found


async def scenario(tmp: Path) -> dict[str, Any]:
    source_port, target_port = free_port(), free_port()
    source = start_nats(tmp / "source", source_port, free_port())
    target = start_nats(tmp / "target", target_port, free_port())
    try:
        nc = await nats.connect(f"nats://127.0.0.1:{source_port}")
        await provision(nc.jetstream(), SETTINGS)
        files = await nc.jetstream().object_store(SETTINGS.attachments_bucket)
        await files.put("ninh-giang/so-do", b"\x89PNG" + bytes(range(256)) * 4000)
        stop = asyncio.Event()
        writer = asyncio.create_task(keep_appending(nc, stop))
        await asyncio.sleep(0.5)
        at_start = (await nc.jetstream().stream_info(SETTINGS.stream_name)).state.messages
        summary = await backup(nc, SETTINGS, tmp / "live.jsonl")  # while the writer goes on
        await asyncio.sleep(0.3)
        stop.set()
        await writer
        written = await messages(nc, SETTINGS.stream_name)
        other = await nats.connect(f"nats://127.0.0.1:{target_port}")
        await restore(other, tmp / "live.jsonl")
        restored = await messages(other, SETTINGS.stream_name)
        kv = await other.jetstream().key_value(SETTINGS.idempotency_bucket)
        results = {(await kv.get(key)).value for key in await kv.keys()}
        attachment = await (await other.jetstream().object_store(SETTINGS.attachments_bucket)).get("ninh-giang/so-do")
        await other.close()
        await nc.close()
        return {"at_start": at_start, "summary": summary, "written": written, "restored": restored,
                "results": results, "attachment": attachment.data}
    finally:
        target.stop()
        source.stop()


def test_a_backup_under_appends_restores_a_prefix_of_the_stream_exactly(tmp_path: Path) -> None:
    got = asyncio.run(scenario(tmp_path))
    *restored, marker = got["restored"]
    written = got["written"]
    assert got["at_start"] <= len(restored) < len(written), "the writer went on during and after the backup"
    assert restored == written[: len(restored)]  # sequences, subjects, bodies, headers: the same
    # then the restore's own mark, after the restored events (reform_shared.restores)
    assert marker[0] == len(restored) + 1 and marker[1] == f"{SETTINGS.ops_prefix}._node.node.restores.NodeRestored"
    event_ids = {headers["Nats-Msg-Id"] for _, _, _, headers in restored}
    assert got["results"] and {r.decode() for r in got["results"]} <= event_ids  # every result has its event
    assert got["attachment"] == b"\x89PNG" + bytes(range(256)) * 4000
    assert got["summary"]["messages"][SETTINGS.stream_name] == len(restored)
