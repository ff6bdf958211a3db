"""`reform-node backup`: the node's primary data, read from its running nats-server into one file.

What is primary data (everything else is rebuilt from it): the event stream (the legal record), the
idempotency bucket (a retry after a restore still gets its first answer) and the attachments object store
(the dossiers' files). Projections, checkpoints and parked events are not in the file: a restored node
starts with empty databases and its projections catch up from the restored stream.

How, and why not `$JS.API.STREAM.SNAPSHOT`: the server's snapshot is consistent and keeps timestamps, but it
is the server's own file layout (a tar of its block files, tied to its version and storage), nats-py has no
client for it (its chunked flow-control protocol, and the matching RESTORE, would be ours to write and keep),
and a snapshot restores only as the same stream on a server of the same kind. Reading every message in
stream order (an ephemeral consumer, acks off) with its subject, headers and data is a public, stable API,
keeps order and sequence numbers, is checked message by message, and restores into a single server or a
cluster. What it cannot keep: the time each message was stored (no projection reads it: events carry their
own `occurred_at`) and a header given twice (nats-py keeps one value).

Consistency while the node runs: each stream is read up to its last sequence when its turn comes, in the
order idempotency → events → attachments: every command result in the idempotency bucket has its events in
the file (results are kept after the append), and every attachment an event names is in it (a file is
stored before the event that cites it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from reform_node.backup_file import FORMAT, VERSION, BackupError, BackupWriter
from reform_shared.settings import Settings

FETCH = 500


@dataclass(frozen=True)
class Section:
    """One stream of the backup and what it is to the node."""

    stream: str
    role: str


def sections(settings: Settings) -> list[Section]:
    """The streams of primary data, in the order they are read (see the module's docstring)."""
    return [Section(f"KV_{settings.idempotency_bucket}", "idempotency"), Section(settings.stream_name, "events"),
            Section(f"OBJ_{settings.attachments_bucket}", "attachments")]


async def stream_info(nc: NatsClient, stream: str) -> dict[str, Any] | None:
    """The server's own answer (its whole config, fields nats-py does not model included), or None."""
    reply = json.loads((await nc.request(f"$JS.API.STREAM.INFO.{stream}", b"", timeout=10)).data)
    if "error" in reply:
        if reply["error"].get("err_code") == 10059:  # stream not found
            return None
        raise BackupError(f"{stream}: {reply['error'].get('description')}")
    return dict(reply)


def _headers(headers: dict[str, str] | None) -> dict[str, str] | None:
    return dict(headers) if headers else None


async def copy_stream(nc: NatsClient, writer: BackupWriter, section: Section) -> int:
    """The section's line, then every message up to the stream's last sequence now. Returns the count."""
    info = await stream_info(nc, section.stream)
    if info is None:
        writer.write({"stream": section.stream, "role": section.role, "absent": True})
        return 0
    state = info["state"]
    first, last = int(state.get("first_seq", 0)), int(state.get("last_seq", 0))
    writer.write({"stream": section.stream, "role": section.role, "config": info["config"],
                  "first_seq": first, "last_seq": last})
    if int(state.get("messages", 0)) == 0:
        return 0
    js = nc.jetstream(timeout=10)
    sub = await js.pull_subscribe("", stream=section.stream, config=ConsumerConfig(
        ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, mem_storage=True, inactive_threshold=60.0))
    count = 0
    try:
        while True:
            batch = await sub.fetch(FETCH, timeout=10)
            for msg in batch:
                seq = msg.metadata.sequence.stream
                if seq > last:
                    return count
                writer.message(seq, msg.subject, _headers(msg.headers), msg.data)
                count += 1
                if seq == last or msg.metadata.num_pending == 0:
                    return count
    finally:
        await sub.unsubscribe()


async def backup(nc: NatsClient, settings: Settings, out: Path) -> dict[str, Any]:
    """Write the backup of the node behind `nc` to `out`; returns the summary (also the file's end line)."""
    started = time.monotonic()
    parts = sections(settings)
    writer = BackupWriter(out)
    try:
        writer.write({"format": FORMAT, "version": VERSION, "node_id": settings.node_id,
                      "created_at": dt.datetime.now(dt.UTC).isoformat(), "streams": [s.stream for s in parts]})
        counts = {s.stream: await copy_stream(nc, writer, s) for s in parts}
        summary = {"messages": counts, "bytes": writer.size, "seconds": round(time.monotonic() - started, 3)}
        writer.finish(summary)
        return summary
    except BaseException:
        writer.abort()
        raise


def run_backup(settings: Settings, out: Path, connect: Any) -> dict[str, Any]:
    """`connect()` gives a connected nats-py client (the CLI's, from the node's data folder)."""
    async def main() -> dict[str, Any]:
        nc = await connect()
        try:
            return await backup(nc, settings, out)
        finally:
            await nc.close()
    try:
        return asyncio.run(main())
    except NotFoundError as exc:
        raise BackupError(f"Không đọc được luồng sự kiện — the stream could not be read: {exc}") from exc
