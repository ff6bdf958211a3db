"""7. A node's memory, and its live projections keeping up with a backlog.

A commune node as `make run` starts it (NATS with fsync on every write, SecantusDB, every service as its own
process) with the demo data. Each process's resident memory (VmRSS, its children included) is read idle; then
N events of the real contracts (`InitiativeSubmitted` into the demo's campaign, one new aggregate each) are
appended through the project's store to the node's own stream by concurrent writers, while the services'
projections run live; the time from the last append's ack until every projection of every service reports no
lag is the catch-up; then the memory is read again.

The baseline, measured in the same run on the node's own SecantusDB: the catch-up's lower bound for one
projection — the same number of small upserts by raw `bulk_write`, 500 per transaction with a checkpoint (what
one projection would write, had it nothing to read, parse or decide; the node runs several, on the same two cores).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
from pymongo import AsyncMongoClient, UpdateOne

from bench.environment import Environment
from bench.events import submitted
from reform_node.demo import load_demo, token
from reform_node.node import SERVICES, CommuneNode, NodeConfig
from reform_node.servers import free_port
from reform_shared.events import build_registry
from reform_shared.store import AggregateHistory, JetStreamEventStore

WRITERS = 16
BATCH = 500


def rss_mb(pid: int) -> float:
    """VmRSS of a process and its descendants, in MB (0 once it is gone)."""
    total = 0
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        total = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += int(rss_mb(int(child)) * 1024)
    except (OSError, StopIteration, ValueError):
        return 0.0
    return total / 1024


@dataclass
class Snapshot:
    label: str
    rss: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.rss.values())

    def line(self) -> str:
        parts = ", ".join(f"{name} {mb:,.0f}" for name, mb in self.rss.items())
        return f"  RSS {self.label}: total {self.total:,.0f} MB ({parts})"


class MemoryBench:
    def __init__(self, env: Environment, events: int, diagnostics: bool) -> None:
        self.env, self.events, self.diagnostics = env, events, diagnostics
        self.lines: list[str] = []
        self.notes: list[str] = []

    def _snapshot(self, node: CommuneNode, label: str) -> Snapshot:
        shot = Snapshot(label)
        for name, child in [("nats", node.nats), ("secantusdb", node.mongo), *node.services.items()]:
            if child is not None and child.proc is not None:
                shot.rss[name] = rss_mb(child.proc.pid)
        return shot

    async def run(self) -> None:
        config = NodeConfig(data_dir=self.env.base / "memory-node", node_id="bench-memory", nats_port=free_port(),
                            nats_http_port=free_port(), mongo_port=free_port(),
                            service_ports={s: free_port() for s in SERVICES})
        node = CommuneNode(config)
        started = time.perf_counter()
        await asyncio.to_thread(node.start)
        try:
            demo = await asyncio.to_thread(load_demo, config.settings(), config.url("submission"),
                                           evaluation_url=config.url("evaluation"),
                                           directory_url=config.url("directory"))
            self.notes.append(f"node started and demo loaded in {time.perf_counter() - started:.1f} s; "
                              f"{WRITERS} concurrent writers through JetStreamEventStore.append")
            await self._settle(config)
            self.lines.append(self._snapshot(node, "idle with the demo").line())
            await self._backlog(config, node, demo["campaign_id"])
        finally:
            await asyncio.to_thread(node.stop)

    async def _settle(self, config: NodeConfig, timeout: float = 120.0) -> None:  # noqa: ASYNC109
        await self._caught_up(config, time.perf_counter() + timeout)
        await asyncio.sleep(2)

    async def _backlog(self, config: NodeConfig, node: CommuneNode, campaign_id: str) -> None:
        before = await self._projections(config)
        nc = await nats.connect(config.nats_url)
        try:
            store = JetStreamEventStore(nc.jetstream(timeout=30), build_registry(), config.stream_name,
                                        config.subject_prefix)
            t0 = time.perf_counter()
            await asyncio.gather(*[self._writer(store, w, campaign_id) for w in range(WRITERS)])
            appended = time.perf_counter() - t0
        finally:
            await nc.close()
        self.lines.append(f"  appended {self.events:,} events in {appended:.1f} s ({self.events / appended:,.0f}/s)")
        backlog = await self._projections(config)
        t1 = time.perf_counter()
        per = await self._caught_up(config, t1 + 3600)
        caught = time.perf_counter() - t1
        moved = [name for name, row in backlog.items()
                 if row["last_applied_sequence"] != before.get(name, {}).get("last_applied_sequence")
                 or row["lag"]]
        self.lines.append(f"  caught up {caught:.1f} s after the last append ({len(moved)} projections read the "
                          f"events; backlog at the last append: "
                          f"{max((row['lag'] for row in backlog.values()), default=0):,} at most)")
        if self.diagnostics:
            slowest = sorted(per.items(), key=lambda kv: -kv[1])[:6]
            self.lines.append("  each projection caught up after (s): "
                              + ", ".join(f"{name} {seconds:.1f}" for name, seconds in slowest))
        self.lines.append(self._snapshot(node, f"after {self.events:,} events, caught up").line())
        raw = await self._raw_baseline(config)
        self.lines.append(f"  baseline (same run, the node's database): {self.events:,} small upserts by raw "
                          f"bulk_write, "
                          f"{BATCH} per transaction with a checkpoint: {raw:.1f} s ({self.events / raw:,.0f}/s)")

    async def _writer(self, store: JetStreamEventStore, writer: int, campaign_id: str) -> None:
        for index in range(writer, self.events, WRITERS):
            envelope = submitted(index, campaign_id)
            await store.append(AggregateHistory(envelope.commune_id, envelope.aggregate_type,
                                                envelope.aggregate_id), [envelope])

    async def _projections(self, config: NodeConfig) -> dict[str, dict[str, Any]]:
        settings = config.settings()
        headers = {"Authorization": "Bearer " + token(settings, "bench-ops", "Bench", ["operator"],
                                                      ttl=dt.timedelta(hours=2))}
        rows: dict[str, dict[str, Any]] = {}
        async with httpx.AsyncClient(timeout=30) as http:
            for service in config.service_ports:
                try:
                    answer = await http.get(f"{config.url(service)}/ops/projections", headers=headers)
                except httpx.HTTPError:
                    continue
                if answer.status_code == 200:
                    for row in answer.json():
                        rows[f"{service}.{row['projection']}"] = row
        return rows

    async def _caught_up(self, config: NodeConfig, deadline: float) -> dict[str, float]:
        """Polls every projection until none has a lag; returns when each was first seen without one."""
        t0 = time.perf_counter()
        done: dict[str, float] = {}
        while time.perf_counter() < deadline:
            rows = await self._projections(config)
            for name, row in rows.items():
                if row["lag"] == 0 and name not in done:
                    done[name] = time.perf_counter() - t0
                elif row["lag"]:
                    done.pop(name, None)
            if rows and len(done) == len(rows):
                return done
            await asyncio.sleep(0.5)
        raise TimeoutError(f"projections not caught up: {sorted(set(rows) - set(done))}")

    async def _raw_baseline(self, config: NodeConfig) -> float:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(config.mongo_url, tz_aware=True)
        db = client[f"bench_raw_{os.getpid()}"]
        try:
            t0 = time.perf_counter()
            for start in range(0, self.events, BATCH):
                ops = [UpdateOne({"_id": f"i{n}"}, {"$set": {"status": "submitted", "seq": n}}, upsert=True)
                       for n in range(start, min(self.events, start + BATCH))]
                async with client.start_session() as session, await session.start_transaction():
                    await db.raw.bulk_write(ops, ordered=True, session=session)
                    await db.checkpoints.update_one({"_id": "raw"}, {"$set": {"seq": start}}, upsert=True,
                                                    session=session)
            return time.perf_counter() - t0
        finally:
            await client.drop_database(db.name)
            await client.close()
