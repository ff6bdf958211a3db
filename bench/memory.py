"""7. A node's memory, and its live projections keeping up with a backlog.

A commune node as `make run` starts it (NATS with fsync on every write, SecantusDB, every service as its own
process) with the demo data. Each process's resident memory (VmRSS, its children included; and its PSS, which
counts a page shared by several processes once among them) is read idle; then
N events of the real contracts (`InitiativeSubmitted` into the demo's campaign, one new aggregate each) are
appended through the project's store to the node's own stream by concurrent writers, while the services'
projections run live; the time from the last append's ack until every projection of every service reports no
lag is the catch-up; then the memory is read again.

Every durable consumer of the node's stream is watched (NATS consumer info): a runner acknowledges a batch once
committed, so nothing pending or unacknowledged means applied; the notifications service's consumer is shown apart.

The baseline, measured in the same run on the node's own SecantusDB: the catch-up's lower bound for one
projection — the same number of small upserts by raw `bulk_write`, 500 per transaction with a checkpoint (what
one projection would write, had it nothing to read, parse or decide; the node runs several, on the same two cores).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient, UpdateOne

from bench.environment import Environment
from bench.events import submitted
from bench.node import demo_node
from reform_node import zygote
from reform_node.node import CommuneNode, NodeConfig, wait_ready
from reform_shared.events import build_registry
from reform_shared.store import AggregateHistory, JetStreamEventStore

WRITERS = 16
BATCH = 500
CAMPAIGN_SIZE = 200
"""Initiatives per campaign: a commune's campaign holds tens to hundreds, not the whole backlog."""
NOTIFICATIONS_WAIT = 300.0
"""How long the notifications consumer is waited for once every projection runner has caught up."""
OFFLINE = ("submission", "evaluation", "reporting", "notifications")
"""The services whose consumers read these events: stopped for the backlog, started again once it is written."""
PROGRESS = bool(os.environ.get("REFORM_BENCH_PROGRESS"))
"""Print each consumer's lag to stderr every half second while waiting."""
PROFILE = os.environ.get("REFORM_BENCH_PROFILE")
"""A folder: each service started again for the backlog, and the database, are profiled by py-spy (in .venv) until
they caught up, their stacks written there (`<service>.txt`, `secantusdb.txt`, collapsed; 20 samples/s)."""


def profiled(node: CommuneNode, services: tuple[str, ...]) -> list[subprocess.Popen[bytes]]:
    """py-spy recording each service (when `REFORM_BENCH_PROFILE` names a folder and py-spy is installed)."""
    spy = Path(sys.executable).with_name("py-spy")
    if not PROFILE or not spy.exists():
        return []
    Path(PROFILE).mkdir(parents=True, exist_ok=True)
    children = [(service, node.services[service]) for service in services]
    spies = []
    for name, child in [*children, *([("secantusdb", node.mongo)] if node.mongo is not None else [])]:
        assert child.proc is not None
        spies.append(subprocess.Popen([str(spy), "record", "-p", str(child.proc.pid), "-r", "20", "-f", "raw",
                                       "--idle", "-o", str(Path(PROFILE) / f"{name}.txt")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return spies


def stop_profiles(spies: list[subprocess.Popen[bytes]]) -> None:
    for spy in spies:
        spy.send_signal(signal.SIGINT)  # py-spy writes its stacks when interrupted
    for spy in spies:
        spy.wait(60)


def _tree_kb(pid: int, file: str, key: str, tree: bool = True) -> int:
    """The `key:` figure (kB) of `/proc/<pid>/<file>` for a process and (`tree`) its descendants."""
    status = Path(f"/proc/{pid}/{file}").read_text()
    total = next(int(line.split()[1]) for line in status.splitlines() if line.startswith(key))
    for task in Path(f"/proc/{pid}/task").iterdir() if tree else ():
        for child in (task / "children").read_text().split():
            try:
                total += _tree_kb(int(child), file, key)
            except (OSError, StopIteration, ValueError):
                continue  # a child that ended meanwhile
    return total


def rss_mb(pid: int, tree: bool = True) -> float:
    """VmRSS of a process and (`tree`) its descendants, in MB (0 once it is gone)."""
    try:
        return _tree_kb(pid, "status", "VmRSS:", tree) / 1024
    except (OSError, StopIteration, ValueError):
        return 0.0


def pss_mb(pid: int, tree: bool = True) -> float:
    """Proportional set size of a process and its descendants, in MB (0 once it is gone): its private pages, and
    each page it shares with other processes (a library's code, mapped by every service) divided among them. The
    sum over a node's processes counts every resident page once, as the node's machine or container sees it; the
    sum of their RSS counts a shared page once per process that maps it."""
    try:
        return _tree_kb(pid, "smaps_rollup", "Pss:", tree) / 1024
    except (OSError, StopIteration, ValueError):
        return 0.0


@dataclass
class Snapshot:
    label: str
    rss: dict[str, float] = field(default_factory=dict)
    pss: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.rss.values())

    def line(self) -> str:
        parts = ", ".join(f"{name} {mb:,.0f}/{self.pss.get(name, 0):,.0f}" for name, mb in self.rss.items())
        return (f"  memory {self.label}: RSS summed {self.total:,.0f} MB, PSS summed (each page once) "
                f"{sum(self.pss.values()):,.0f} MB (RSS/PSS: {parts})")


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
                shot.pss[name] = pss_mb(child.proc.pid)
        if node.zygote is not None:  # the services' parent: its own pages only (its children are counted above)
            shot.rss["zygote"] = rss_mb(node.zygote.pid, tree=False)
            shot.pss["zygote"] = pss_mb(node.zygote.pid, tree=False)
        return shot

    async def run(self) -> None:
        os.environ[zygote.ENABLED_ENV] = "0"  # the baseline: each service an interpreter of its own
        try:
            async with demo_node(self.env, "memory-apart", "bench-memory-apart") as apart:
                await self._settle(apart.config)
                self.lines.append(self._snapshot(apart.node, "idle with the demo, each service started apart "
                                                             "(baseline, REFORM_NODE_FORK=0)").line())
        finally:
            del os.environ[zygote.ENABLED_ENV]
        async with demo_node(self.env, "memory-node", "bench-memory") as running:
            config, node, demo = running.config, running.node, running.demo
            self.notes.append(f"node started and demo loaded in {running.started_in:.1f} s; "
                              f"{WRITERS} concurrent writers through JetStreamEventStore.append")
            await self._settle(config)
            self.lines.append(self._snapshot(node, "idle with the demo, services forked from the zygote").line())
            await self._backlog(config, node, demo["campaign_id"])
            await self._offline_backlog(config, node, demo["campaign_id"])

    async def _settle(self, config: NodeConfig, timeout: float = 120.0) -> None:  # noqa: ASYNC109
        nc = await nats.connect(config.nats_url)
        try:
            now = time.perf_counter()
            await self._caught_up(nc.jetstream(), config.stream_name, now, now + timeout)
        finally:
            await nc.close()
        await asyncio.sleep(2)

    async def _backlog(self, config: NodeConfig, node: CommuneNode, campaign_id: str) -> None:
        nc = await nats.connect(config.nats_url)
        try:
            js = nc.jetstream(timeout=30)
            store = JetStreamEventStore(js, build_registry(), config.stream_name, config.subject_prefix)
            t0 = time.perf_counter()
            await asyncio.gather(*[self._writer(store, w, campaign_id) for w in range(WRITERS)])
            appended = time.perf_counter() - t0
            rate = self.events / appended
            self.lines.append(f"  appended {self.events:,} events in {appended:.1f} s ({rate:,.0f}/s)")
            backlog = {c.name: (c.num_pending or 0) + (c.num_ack_pending or 0)
                       for c in await js.consumers_info(config.stream_name)}
            t1 = time.perf_counter()
            per = await self._caught_up(js, config.stream_name, t1, t1 + 3600, skip={"notifications"})
            self.lines.append(self._snapshot(node, f"after {self.events:,} events, projections caught up").line())
            try:
                per.update(await self._caught_up(js, config.stream_name, t1, t1 + NOTIFICATIONS_WAIT, skip=set(per)))
            except TimeoutError:
                left = (await js.consumer_info(config.stream_name, "notifications")).num_pending or 0
                per["notifications"] = -float(left)
        finally:
            await nc.close()
        behind = {name: lag for name, lag in backlog.items() if lag}
        runners = {name: seconds for name, seconds in per.items() if name != "notifications"}
        self.lines.append(f"  caught up {max(runners.values(), default=0):.1f} s after the last append: every "
                          f"projection runner ({len(runners)} consumers; backlog at the last append "
                          f"{max((behind.get(n, 0) for n in runners), default=0):,} at most)")
        if per.get("notifications", 0) < 0:
            self.lines.append(f"  the notifications service's consumer (FastStream, one commit per batch): "
                              f"{-per.pop('notifications'):,.0f} of {behind.get('notifications', 0):,} "
                              f"still pending {NOTIFICATIONS_WAIT:.0f} s after the last append")
        elif "notifications" in per:
            self.lines.append(f"  the notifications service's consumer (FastStream, one commit per batch): "
                              f"{per['notifications']:.1f} s (backlog {behind.get('notifications', 0):,})")
        if self.diagnostics:
            slowest = sorted(((n, s) for n, s in per.items() if n in behind), key=lambda kv: -kv[1])
            self.lines.append("  each consumer caught up after (s): "
                              + ", ".join(f"{name} {seconds:.1f}" for name, seconds in slowest))
        self.lines.append(self._snapshot(node, f"after {self.events:,} events, all caught up").line())
        raw = await self._raw_baseline(config)
        self.lines.append(f"  baseline (same run, the node's database): {self.events:,} small upserts by raw "
                          f"bulk_write, {BATCH} per transaction with a checkpoint: {raw:.1f} s "
                          f"({self.events / raw:,.0f}/s)")

    async def _offline_backlog(self, config: NodeConfig, node: CommuneNode, campaign_id: str) -> None:
        """A true backlog: the services that project these events stopped, N more appended, then started again."""
        for service in OFFLINE:
            await asyncio.to_thread(node.services[service].stop)
        nc = await nats.connect(config.nats_url)
        try:
            js = nc.jetstream(timeout=30)
            store = JetStreamEventStore(js, build_registry(), config.stream_name, config.subject_prefix)
            await asyncio.gather(*[self._writer(store, w, campaign_id, start=self.events) for w in range(WRITERS)])
            backlog = {c.name: (c.num_pending or 0) + (c.num_ack_pending or 0)
                       for c in await js.consumers_info(config.stream_name)}
            t0 = time.perf_counter()
            for service in OFFLINE:
                node.start_service(service)
            spies = profiled(node, OFFLINE)
            for service in OFFLINE:
                await asyncio.to_thread(wait_ready, config.url(service), 120, node.services[service])
            ready = time.perf_counter() - t0
            try:
                per = await self._caught_up(js, config.stream_name, t0, t0 + 3600)
            finally:
                stop_profiles(spies)
        finally:
            await nc.close()
        behind = {name: lag for name, lag in backlog.items() if lag}
        self.lines.append(f"  backlog: {', '.join(OFFLINE)} stopped, {self.events:,} more events appended "
                          f"({max(behind.values(), default=0):,} behind at most), started again: ready in "
                          f"{ready:.1f} s, every projection caught up "
                          f"{max((per[n] for n in behind), default=0.0):.1f} s after the restart")
        if self.diagnostics:
            self.lines.append("  each consumer caught up after (s): "
                              + ", ".join(f"{n} {per[n]:.1f}" for n in sorted(behind, key=lambda n: -per[n])))
        self.lines.append(self._snapshot(node, f"after {2 * self.events:,} events, the backlog caught up").line())

    async def _writer(self, store: JetStreamEventStore, writer: int, campaign_id: str, start: int = 0) -> None:
        for index in range(start + writer, start + self.events, WRITERS):
            envelope = submitted(index, f"{campaign_id}-{index // CAMPAIGN_SIZE}")
            await store.append(AggregateHistory(envelope.commune_id, envelope.aggregate_type,
                                                envelope.aggregate_id), [envelope])

    async def _caught_up(self, js: JetStreamContext, stream: str, t0: float, deadline: float,
                         skip: set[str] | frozenset[str] = frozenset()) -> dict[str, float]:
        """Polls every durable consumer of the node's stream until none has anything pending or unacknowledged
        (a projection runner acknowledges a batch once committed); returns when each was last seen behind."""
        done: dict[str, float] = {}
        while time.perf_counter() < deadline:
            infos = [info for info in await js.consumers_info(stream) if info.name not in skip]
            for info in infos:
                if (info.num_pending or 0) + (info.num_ack_pending or 0) == 0:
                    done.setdefault(info.name, time.perf_counter() - t0)
                else:
                    done.pop(info.name, None)
            if infos and len(done) == len(infos):
                return done
            if PROGRESS:
                print("    behind:", {i.name: (i.num_pending or 0) + (i.num_ack_pending or 0) for i in infos
                                      if i.name not in done}, file=sys.stderr, flush=True)
            await asyncio.sleep(0.5)
        raise TimeoutError(f"consumers not caught up: {sorted(i.name for i in infos if i.name not in done)}")

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
