"""The `eventsourcing` library as the peer, the same work in the same run (issue 20).

Three pieces of work, one after the other, on each system:
- create: N new aggregates, one event each (eventsourcing: `app.save(Initiative(...))`; the store:
  `append(AggregateHistory(<new>), [InitiativeSubmitted])`, no load, as a creating command knows it is new);
- command: a command that loads its aggregate and appends one event, over M of those aggregates × K
  events (eventsourcing: `repository.get` + a method + `save`; the store: `load()` + `append()` of an
  `InitiativeRevised` at the next version), round after round, so histories grow from 1 to K + 1 events;
- read all: every event of the sequence read back and decoded, in order (eventsourcing:
  `recorder.select_notifications` pages of 500 + `mapper.to_domain_event`; the store: an ephemeral pull consumer
  over the stream, fetches of 500, each message parsed by the event registry).

The project's side is `JetStreamEventStore` on the bench's nats-server (`sync_interval: always`, as a node runs it).
The peer runs with SQLite on a file (WAL; `PRAGMA synchronous` read back and printed), in memory (POPO), and with
PostgreSQL when its binaries and psycopg are here (a server started in a temporary folder, fsync and
synchronous_commit on, its defaults). eventsourcing is synchronous: each of its runs is in a worker thread.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from bench.environment import Environment
from bench.events import ACTOR, COMMUNE, T0, submitted
from bench.harness import Stopwatch
from reform_node.servers import free_port, wait_for_port
from reform_shared.commands import make_envelope
from reform_shared.events import InitiativeContent, InitiativeRevised, UnitRef, build_registry
from reform_shared.ids import new_id
from reform_shared.store import AggregateHistory, JetStreamEventStore

PAGE = 500
WORK = ("create", "command", "read")
TITLES = {
    "create": "create {n:,} aggregates (one event each)",
    "command": "load + append one event, {m:,} aggregates × {k} events",
    "read": "read all {e:,} events, decoded, in order",
}


@dataclass
class System:
    name: str
    durability: str
    rates: dict[str, float] = field(default_factory=dict)
    skipped: str = ""


# -- the peer's side ---------------------------------------------------------------------------------
def _peer_work(env: dict[str, str], aggregates: int, commanded: int, per: int) -> dict[str, float]:
    """The three pieces of work on one eventsourcing application; events/s (commands/s) of each."""
    from bench.peer_app import Initiative, Initiatives

    app = Initiatives(env=env)
    ids: list[uuid.UUID] = []
    with Stopwatch() as sw:
        for i in range(aggregates):
            agg = Initiative("cchc-2026", f"Số hóa hồ sơ một cửa – sáng kiến {i}", "Phòng Văn hóa – Xã hội",
                             "abcdefg"[i % 7], "Tóm tắt sáng kiến cải cách hành chính")
            app.save(agg)
            ids.append(agg.id)
    rates = {"create": aggregates / sw.seconds}
    with Stopwatch() as sw:
        for round_ in range(1, per + 1):
            for agg_id in ids[:commanded]:
                agg = app.repository.get(agg_id)
                agg.revise(round_, agg.title, f"Lần sửa {round_}")
                app.save(agg)
    rates["command"] = commanded * per / sw.seconds
    total = 0
    with Stopwatch() as sw:
        start = 1
        while True:
            page = app.recorder.select_notifications(start, PAGE)
            for notification in page:
                app.mapper.to_domain_event(notification)
            total += len(page)
            if len(page) < PAGE:
                break
            start = page[-1].id + 1
    if total != aggregates + commanded * per:
        raise RuntimeError(f"eventsourcing read {total} events, expected {aggregates + commanded * per}")
    rates["read"] = total / sw.seconds
    app.close()
    return rates


def sqlite_synchronous(path: Path) -> str:
    """What eventsourcing's SQLite file runs with: its journal mode and the connection's synchronous level."""
    with sqlite3.connect(path) as conn:
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        level = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(conn.execute("PRAGMA synchronous").fetchone()[0])
    return f"journal_mode={journal}, synchronous={level} (sqlite3 {sqlite3.sqlite_version})"


# -- PostgreSQL, when it is here -------------------------------------------------------------------------
def postgres_binaries() -> Path | None:
    found = shutil.which("postgres")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    return versions[-1].parent if versions else None


def postgres_missing() -> str:
    """Why the PostgreSQL line cannot run here, or "" when it can."""
    if postgres_binaries() is None:
        return "no PostgreSQL server binaries on this machine (postgres, initdb)"
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        return "psycopg / psycopg_pool not installed (requirements-dev.txt)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and no 'postgres' user to run the server as"
    return ""


@contextmanager
def postgres_server() -> Iterator[tuple[int, str]]:
    """A PostgreSQL server in a temporary folder (as user postgres when root); (port, version)."""
    binaries = postgres_binaries()
    assert binaries is not None
    folder = Path(tempfile.mkdtemp(prefix="reform-bench-pg-"))
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        shutil.chown(folder, user)
    data, port = folder / "data", free_port()
    subprocess.run([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "bench", "--no-sync"],
                   check=True, capture_output=True, user=user)
    proc = subprocess.Popen([str(binaries / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder),
                             "-c", "listen_addresses=127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=open(folder / "log", "ab"), user=user)  # noqa: SIM115
    try:
        wait_for_port("127.0.0.1", port, 30, proc)
        version = subprocess.run([str(binaries / "postgres"), "--version"], capture_output=True, text=True).stdout
        yield port, version.strip()
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(folder, ignore_errors=True)


# -- the store's side ------------------------------------------------------------------------------------
def _revised(initiative_id: str, version: int) -> Any:
    payload = InitiativeRevised(
        initiative_id=initiative_id, campaign_id="cchc-2026", revision=version - 1,
        content=InitiativeContent(title=f"Số hóa hồ sơ một cửa – bản sửa {version - 1}",
                                  unit=UnitRef(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội"),
                                  author_kind="collective", field="a",
                                  summary="Tóm tắt sáng kiến cải cách hành chính"),
        note=f"Lần sửa {version - 1}",
    )
    return make_envelope(payload, commune_id=COMMUNE, version=version, actor=ACTOR, occurred_at=T0,
                         correlation_id=new_id())


class StoreWork:
    def __init__(self, env: Environment, aggregates: int, commanded: int, per: int) -> None:
        self.env, self.aggregates, self.commanded, self.per = env, aggregates, commanded, per

    async def run(self) -> dict[str, float]:
        settings = await self.env.provision("peer")
        self.stream = settings.stream_name
        self.store = JetStreamEventStore(self.env.js, build_registry(), settings.stream_name, settings.subject_prefix)
        created = [submitted(i) for i in range(self.aggregates)]
        with Stopwatch() as sw:
            for envelope in created:
                await self.store.append(AggregateHistory(COMMUNE, "initiative", envelope.aggregate_id), [envelope])
        rates = {"create": self.aggregates / sw.seconds}
        ids = [e.aggregate_id for e in created[:self.commanded]]
        rates["command"] = self.commanded * self.per / await self._commands(ids)
        total, seconds = await self._read_all()
        if total != self.aggregates + self.commanded * self.per:
            raise RuntimeError(f"the store read {total} events, expected {self.aggregates + self.commanded * self.per}")
        rates["read"] = total / seconds
        return rates

    async def _commands(self, ids: list[str]) -> float:
        store = self.store
        with Stopwatch() as sw:
            for _ in range(self.per):
                for initiative_id in ids:
                    history = await store.load(COMMUNE, "initiative", initiative_id)
                    await store.append(history, [_revised(initiative_id, history.version + 1)])
        return sw.seconds

    async def _read_all(self) -> tuple[int, float]:
        registry, total = self.store.registry, 0
        with Stopwatch() as sw:
            sub = await self.env.js.pull_subscribe("", stream=self.stream, config=ConsumerConfig(
                ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, mem_storage=True,
                inactive_threshold=60.0))
            try:
                pending = True
                while pending:
                    for msg in await sub.fetch(PAGE, timeout=10):
                        registry.parse(msg.data)
                        total += 1
                        pending = bool(msg.metadata.num_pending)
            finally:
                await sub.unsubscribe()
        return total, sw.seconds


class PeerBench:
    def __init__(self, env: Environment, aggregates: int = 5000, commanded: int = 1000, per: int = 5) -> None:
        self.env, self.aggregates, self.commanded, self.per = env, aggregates, commanded, per
        self.systems: list[System] = []
        self.lines: list[str] = []
        self.notes: list[str] = []

    async def run(self) -> None:
        work = (self.aggregates, self.commanded, self.per)
        store = System("reform store, JetStreamEventStore on nats-server",
                       "fsync before every ack (sync_interval: always)")
        store.rates = await StoreWork(self.env, *work).run()
        self.systems.append(store)
        folder = self.env.base / "peer"
        folder.mkdir(exist_ok=True)
        path = folder / "eventsourcing.sqlite"
        sqlite = System("eventsourcing 9 + SQLite file", "")
        sqlite.rates = await self._peer({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
        sqlite.durability = sqlite_synchronous(path) + ": a commit is synced to the WAL before it returns"
        popo = System("eventsourcing 9 in memory (POPO)", "none: the process's memory")
        popo.rates = await self._peer({})
        self.systems += [sqlite, popo]
        self.systems.append(await self._postgres())

    async def _peer(self, env: dict[str, str]) -> dict[str, float]:
        return await asyncio.to_thread(_peer_work, env, self.aggregates, self.commanded, self.per)

    async def _postgres(self) -> System:
        system = System("eventsourcing 9 + PostgreSQL", "fsync=on, synchronous_commit=on (the defaults)")
        missing = postgres_missing()
        if missing:
            system.skipped = f"skipped: {missing}"
            return system
        with postgres_server() as (port, version):
            system.name += f" ({version.removeprefix('postgres (PostgreSQL) ')}, same machine, TCP)"
            system.rates = await self._peer({
                "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "postgres",
                "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(port), "POSTGRES_USER": "bench",
                "POSTGRES_PASSWORD": "bench"})
        return system

    def render(self) -> str:
        titles = {"create": TITLES["create"].format(n=self.aggregates),
                  "command": TITLES["command"].format(m=self.commanded, k=self.per),
                  "read": TITLES["read"].format(e=self.aggregates + self.commanded * self.per)}
        store = self.systems[0]
        lines = []
        for work in WORK:
            lines.append(f"  {titles[work]}")
            for system in self.systems:
                if system.skipped:
                    lines.append(f"    {system.name:<70} {system.skipped}")
                    continue
                rate = system.rates[work]
                versus = "" if system is store else f"   store ÷ this {store.rates[work] / rate:,.2f}"
                lines.append(f"    {system.name:<70} {rate:>9,.0f}/s{versus}")
        lines.append("  durability:")
        lines += [f"    {s.name}: {s.durability}" for s in self.systems]
        return "\n".join(lines)

