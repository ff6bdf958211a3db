"""`reform-node restore`: a backup file (reform_node.backup) into an empty node.

The file's SHA-256 is checked before anything is written. Every stream of the file must be absent or empty on
the target (a node that only started once, provisioned and never used, is empty); anything else is refused.
Each stream is created with its saved configuration, sources detached and message deletion allowed while
its messages are published again in order with their subjects, headers (Nats-Msg-Id kept; the append's
expected sequences dropped: they were checked when the event was first written) and data; then it is given
its saved configuration again (sources, deny_delete …). The event stream keeps its sequence numbers: it
starts at the saved first sequence, and a gap (none in a stream that denies deletion) is re-made by a
placeholder deleted at once. Last, the restore is marked in the restored record itself: a `NodeRestored` after
the restored events (`reform_shared.restores`), whose `up_to_seq` tells the notifications service what is history
(in the inbox again, never e-mailed again). The node then starts with empty databases: its projections rebuild
from the restored stream (a projection with no checkpoint reads from the first event).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import PubAck

from reform_node.backup import stream_info
from reform_node.backup_file import BackupError, data_of, records, verify
from reform_shared.events import build_registry
from reform_shared.replicas import connected_replicas
from reform_shared.restores import mark_restored
from reform_shared.store import JetStreamEventStore

WINDOW = 256
DROPPED_HEADERS = ("Nats-Expected-",)
OPS_SUBJECT = re.compile(r"^([A-Za-z0-9_-]+-ops)\.>$")


async def api(nc: NatsClient, verb: str, stream: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = json.loads((await nc.request(f"$JS.API.STREAM.{verb}.{stream}", json.dumps(body).encode(),
                                         timeout=30)).data)
    if "error" in reply:
        raise BackupError(f"{stream}: {verb.lower()} refused by nats-server: {reply['error'].get('description')}")
    return dict(reply)


def _kept(headers: dict[str, str] | None) -> dict[str, str] | None:
    if not headers:
        return None
    kept = {k: v for k, v in headers.items() if not k.startswith(DROPPED_HEADERS)}
    return kept or None


def matches(subject: str, pattern: str) -> bool:
    """NATS subject matching: `*` one token, `>` the rest."""
    s, p = subject.split("."), pattern.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(s) == len(p)


def ops_prefix_of(config: dict[str, Any]) -> str:
    """The node's ops prefix as its event stream's subjects name it (`reform-ops.>` beside `reform.>`), where the
    restore's marker goes; a stream saved without one gets `<first token>-ops.>`, as provisioning would add it."""
    subjects: list[str] = list(config.get("subjects") or [])
    for subject in subjects:
        found = OPS_SUBJECT.match(subject)
        if found:
            return str(found.group(1))
    if not subjects:
        raise BackupError(f"{config.get('name')}: luồng sự kiện không có subject nào để ghi dấu khôi phục — the "
                          "event stream has no subjects to hold the restore's marker")
    prefix = str(subjects[0]).split(".", 1)[0] + "-ops"
    config["subjects"] = [*subjects, f"{prefix}.>"]
    return prefix


class StreamRestore:
    """One stream being refilled; `keep_sequences` for the event stream."""

    def __init__(self, nc: NatsClient, section: dict[str, Any], extra_subjects: set[str], replicas: int) -> None:
        self.nc, self.section = nc, section
        self.name: str = section["stream"]
        # The target's replicas, as provisioning would make them (a city hub's backup into one server: 1).
        self.config: dict[str, Any] = {**section["config"], "num_replicas": replicas}
        self.keep_sequences = section["role"] == "events"
        self.ops_prefix = ops_prefix_of(self.config) if self.keep_sequences else ""
        self.js: JetStreamContext = nc.jetstream(timeout=30, publish_async_max_pending=WINDOW * 2)
        self.pending: list[tuple[int, asyncio.Future[PubAck]]] = []
        self.next_seq = max(1, int(section.get("first_seq") or 1))
        self.extra_subjects = extra_subjects
        self.count = 0

    async def begin(self) -> None:
        staged = {k: v for k, v in self.config.items() if k not in ("sources", "mirror")}
        staged["deny_delete"] = False
        staged["subjects"] = sorted({*(self.config.get("subjects") or []), *self.extra_subjects})
        if self.keep_sequences and self.next_seq > 1:
            staged["first_seq"] = self.next_seq
        await api(self.nc, "CREATE", self.name, staged)

    async def add(self, record: dict[str, Any]) -> None:
        seq = int(record["seq"])
        if self.keep_sequences and seq > self.next_seq:
            await self.settle()
            while self.next_seq < seq:  # a gap in the saved stream: a placeholder, deleted
                ack = await self.js.publish(record["subject"], b"")
                await self.js.delete_msg(self.name, ack.seq)
                self.next_seq = ack.seq + 1
        future = await self.js.publish_async(record["subject"], data_of(record), headers=_kept(record.get("headers")))
        self.pending.append((seq, future))
        self.next_seq = seq + 1
        self.count += 1
        if len(self.pending) >= WINDOW:
            await self.settle()

    async def settle(self) -> None:
        for seq, future in self.pending:
            ack = await future
            if ack.stream != self.name:
                raise BackupError(f"{self.name}: message {seq} landed in stream {ack.stream}")
            if ack.duplicate:
                raise BackupError(f"{self.name}: message {seq} was taken for a duplicate (its Nats-Msg-Id is "
                                  "in the file twice)")
            if self.keep_sequences and ack.seq != seq:
                raise BackupError(f"{self.name}: message {seq} was restored as {ack.seq}")
        self.pending.clear()

    async def finish(self) -> None:
        await self.settle()
        await api(self.nc, "UPDATE", self.name, self.config)


async def refuse_unless_empty(nc: NatsClient, streams: list[str]) -> None:
    """Refuse a target that holds anything; drop streams that exist but are empty (a provisioned fresh node)."""
    found = {name: await stream_info(nc, name) for name in streams}
    full = {name: info["state"]["messages"] for name, info in found.items() if info and info["state"]["messages"]}
    if full:
        held = ", ".join(f"{name}: {count}" for name, count in full.items())
        raise BackupError(
            f"Từ chối khôi phục: nút đích không trống (số tin đang có — messages held: {held}). Hãy khôi phục vào "
            "một thư mục dữ liệu mới, trống; không có gì bị thay đổi.\n"
            "Restore refused: the target node is not empty. Restore into a new, empty data folder; nothing was "
            "changed.")
    for name, info in found.items():
        if info is not None:
            await api(nc, "DELETE", name, {})


def outside_subjects(path: Path) -> dict[str, set[str]]:
    """Per stream with sources, `<first token>.>` of each subject its own subjects do not bind (messages a
    source copied in): they are bound while publishing, then the saved subjects are given back."""
    extra: dict[str, set[str]] = {}
    own: list[str] = []
    stream = ""
    for record in records(path):
        if "stream" in record:
            stream, own = record["stream"], (record.get("config") or {}).get("subjects") or []
            if (record.get("config") or {}).get("sources"):
                extra[stream] = set()
        elif stream in extra and not any(matches(record["subject"], p) for p in own):
            extra[stream].add(record["subject"].split(".", 1)[0] + ".>")
    return extra


async def restore(nc: NatsClient, path: Path, now: dt.datetime | None = None) -> dict[str, Any]:
    """Refill the empty target from the file, then mark the restore (`mark`). `messages` are the file's counts,
    `held` what the streams hold after it (the marker included)."""
    end = verify(path)
    items = records(path)
    header = next(items)
    await refuse_unless_empty(nc, list(header["streams"]))
    extra = outside_subjects(path)
    replicas = connected_replicas(nc)
    counts: dict[str, int] = {}
    current: StreamRestore | None = None
    events: StreamRestore | None = None
    for record in items:
        if "stream" in record:
            if current is not None:
                await current.finish()
                counts[current.name] = current.count
            current = None if record.get("absent") else StreamRestore(nc, record, extra.get(record["stream"], set()),
                                                                      replicas)
            if current is not None:
                await current.begin()
                events = current if current.keep_sequences else events
        elif current is not None:
            await current.add(record)
    if current is not None:
        await current.finish()
        counts[current.name] = current.count
    expected = {k: v for k, v in end["messages"].items() if v}
    if {k: v for k, v in counts.items() if v} != expected:
        raise BackupError(f"restored {counts}, the file lists {end['messages']}")
    marker = await mark(nc, events, header, end, now) if events is not None else None
    held = {k: v + (1 if events is not None and k == events.name else 0) for k, v in counts.items()}
    return {"messages": counts, "held": held, "marker": marker, "node_id": header.get("node_id"),
            "created_at": header.get("created_at")}


async def mark(nc: NatsClient, events: StreamRestore, header: dict[str, Any], end: dict[str, Any],
               now: dt.datetime | None) -> dict[str, Any]:
    """The restore in the restored record itself, after every restored event and before the restore reports
    success: a `NodeRestored` under the node's ops prefix, up to the last sequence restored."""
    store = JetStreamEventStore(nc.jetstream(timeout=30), build_registry(), events.name, events.ops_prefix,
                                timeout=30)
    created = header.get("created_at")
    stored = await mark_restored(
        store, events.name, up_to_seq=events.next_seq - 1, file_sha256=end["file_sha256"],
        backup_created_at=dt.datetime.fromisoformat(created) if created else None,
        backup_node_id=header.get("node_id"), now=now)
    return {"seq": stored.stream_seq, "subject": stored.subject, "up_to_seq": events.next_seq - 1,
            "event_id": stored.envelope.event_id}
