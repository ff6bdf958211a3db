"""6. Commands through HTTP on a whole node: what a person waits for, beside the record's own ceiling.

A commune node as `make run` starts it (NATS with fsync on every write, SecantusDB, every service as its own
process) with the demo data; new initiatives are posted to the submission service, each with its own
Idempotency-Key, by 1, 10 and 50 concurrent clients. Each command's HTTP latency is timed by its client; its
"visible" latency runs from the request's start until the reporting service's pipeline projection has committed
its stream sequence (one poller reads that projection's checkpoint from the reporting database every 10 ms: the
figure is at most 10 ms late).

Where the time goes: each process's CPU time (user + system, its children included) is read before and after each
level; the note gives CPU milliseconds per command by process, and the machine's two cores' bound they imply.

The baselines, measured in the same run on the node's own nats-server: a raw `js.publish` of a 1 KB event one
at a time, and pipelined (every publish in flight at once, then every ack awaited).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import nats
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from bench.environment import Environment
from bench.node import demo_node
from reform_node.demo import COMMUNE, INITIATIVES, token
from reform_node.node import CommuneNode, NodeConfig
from reform_shared.directory_copy import COPY_HEAD, HEADS, VIEWS
from reform_shared.projection.contracts import CHECKPOINTS

LEVELS = (1, 10, 50)
POLL_SECONDS = 0.01


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) and its descendants, in seconds (0 once gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except (OSError, IndexError):
        return 0.0
    total = (int(fields[11]) + int(fields[12])) / TICK
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:  # a thread that ended meanwhile: its time is in the process's already
            continue
        total += sum(cpu_seconds(int(child)) for child in children)
    return total


def node_cpu(node: CommuneNode) -> dict[str, float]:
    """CPU seconds so far of each of the node's processes, and of this bench process (the clients)."""
    children = {"nats-server": node.nats, "database": node.mongo, **node.services}
    seconds = {name: cpu_seconds(child.proc.pid) for name, child in children.items()
               if child is not None and child.proc is not None}
    mine = os.times()
    seconds["bench clients"] = mine.user + mine.system
    return seconds


def cpu_note(clients: int, before: dict[str, float], after: dict[str, float], commands: int) -> str:
    used = {name: (after[name] - before.get(name, 0.0)) * 1000 / commands for name in after}
    total = sum(used.values())
    bound = 2000 / total if total else 0.0
    parts = ", ".join(f"{name} {ms:.1f}" for name, ms in sorted(used.items(), key=lambda kv: -kv[1]) if ms >= 0.1)
    return (f"{clients} client(s): CPU per command {total:.1f} ms in all ({parts}); two cores bound the node to "
            f"~{bound:,.0f} commands/s")


async def database_counts(mongo_url: str) -> tuple[int, dict[str, tuple[int, int]]]:
    """The database's requests so far (`serverStatus`), and per collection (`top`): (operations, microseconds)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
    try:
        status = await client.admin.command("serverStatus")
        top = await client.admin.command("top")
    finally:
        await client.close()
    per = {ns: (int(v["total"]["count"]), int(v["total"]["time"])) for ns, v in top["totals"].items() if ns != "note"}
    return int(status["network"]["numRequests"]), per


def database_note(clients: int, before: tuple[int, dict[str, tuple[int, int]]],
                  after: tuple[int, dict[str, tuple[int, int]]], commands: int) -> str:
    """Requests per command, and the collections that took most of the database's time (each service its own
    database, so a collection names the projection or record it serves)."""
    requests = (after[0] - before[0]) / commands
    grown = {ns: (ops - before[1].get(ns, (0, 0))[0], micros - before[1].get(ns, (0, 0))[1])
             for ns, (ops, micros) in after[1].items()}
    named = sum(ops for ops, _ in grown.values()) / commands
    busiest = sorted(((ns, ops, micros) for ns, (ops, micros) in grown.items() if ops > 0), key=lambda t: -t[2])[:8]
    parts = ", ".join(f"{ns} {ops / commands:.1f} ops {micros / commands / 1000:.2f} ms" for ns, ops, micros in busiest)
    return (f"{clients} client(s): the database answered {requests:.1f} requests per command ({named:.1f} naming a "
            f"collection; the rest sessions' commits and the like); by collection, time inside the server per command: "
            f"{parts}")


HEAD_READS = 300
HEAD_SIZES = (100, 1_000, 5_000)


async def head_reads(mongo_url: str, demo_commune: tuple[str, str]) -> str:
    """What a command pays to know whether its directory copy changed, at the demo's size and at the sizes a commune's
    directory reaches over the years (its facts are only ever appended): the copy's own head (`COPY_HEAD`, what
    commands read before `HEADS`) against the head's own document, each the median of `HEAD_READS` reads."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)

    async def median_ms(coll: AsyncCollection[dict[str, Any]], key: str, projection: Any) -> float:
        times = []
        for _ in range(HEAD_READS):
            t0 = time.perf_counter()
            await coll.find_one({"_id": key}, projection)
            times.append(time.perf_counter() - t0)
        return percentile(times, 50) * 1000

    try:
        parts = []
        db = client[demo_commune[0]]
        copy = await db[VIEWS].find_one({"_id": demo_commune[1]})
        facts = list((copy or {}).get("facts") or [])
        if facts:
            own = await median_ms(db[VIEWS], demo_commune[1], COPY_HEAD)
            head = await median_ms(db[HEADS], demo_commune[1], None)
            parts.append(f"the demo's copy ({len(facts)} facts): its own head {own:.2f} ms, its head document "
                         f"{head:.2f} ms")
        scratch = client["bench_heads"]
        fact = facts[-1] if facts else {"k": "official", "id": "x" * 12, "name": "Nguyễn Văn A"}
        for size in HEAD_SIZES:
            key = f"c{size}"
            await scratch[VIEWS].replace_one({"_id": key}, {"_id": key, "facts": [fact] * size, "n": size,
                                                            "last": "e"}, upsert=True)
            await scratch[HEADS].replace_one({"_id": key}, {"_id": key, "n": size, "last": "e"}, upsert=True)
            parts.append(f"{size:,} facts: {await median_ms(scratch[VIEWS], key, COPY_HEAD):.2f} ms against "
                         f"{await median_ms(scratch[HEADS], key, None):.2f} ms")
        return f"a directory copy's head read on the node's database, median of {HEAD_READS}: " + "; ".join(parts)
    finally:
        await client.drop_database("bench_heads")
        await client.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))] if ordered else 0.0


@dataclass
class Level:
    clients: int
    commands: int
    seconds: float = 0.0
    http_ms: list[float] = field(default_factory=list)
    visible_ms: list[float] = field(default_factory=list)
    refused: int = 0
    resent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    """The status of each refused command."""

    @property
    def rate(self) -> float:
        return self.commands / self.seconds if self.seconds else 0.0

    def line(self, raw_pipelined: float) -> str:
        h, v = self.http_ms, self.visible_ms
        share = f"{self.rate / raw_pipelined:.1%}" if raw_pipelined else "—"
        return (f"  {self.clients:>3} client(s): {self.rate:7,.1f} commands/s ({share} of pipelined publish); "
                f"HTTP p50 {percentile(h, 50):6.1f} ms, p99 {percentile(h, 99):7.1f} ms; visible in reporting "
                f"p50 {percentile(v, 50):6.1f} ms, p99 {percentile(v, 99):7.1f} ms"
                + (f"; {self.refused} refused ({self._refusals()})" if self.refused else "")
                + (f"; {self.resent} resent after a lost connection" if self.resent else ""))


    def _refusals(self) -> str:
        return ", ".join(f"{status} ×{count}" for status, count in self.statuses.most_common())


class Visibility:
    """Watches the reporting pipeline's checkpoint; resolves a waiter once it reaches its sequence.

    The checkpoint is committed in one transaction with the projection's writes: at or past a command's sequence,
    the command is in the reports. It is read from the reporting database (one `find_one` by id), not through the
    service's `/ops/projections` (a consumer-info request and a count of parked events per projection, at 100 polls
    a second: the observer loaded the node it measured)."""

    def __init__(self, checkpoints: AsyncCollection[dict[str, Any]], projection: str = "pipeline") -> None:
        self._checkpoints, self._projection = checkpoints, projection
        self._waiters: list[tuple[int, asyncio.Future[float]]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def wait(self, seq: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((seq, future))
        return future

    async def _poll(self) -> None:
        while True:
            try:
                doc = await self._checkpoints.find_one({"_id": self._projection}, {"seq": 1})
                applied = int((doc or {}).get("seq") or 0)
            except PyMongoError:
                applied = 0
            now = time.perf_counter()
            keep = []
            for seq, future in self._waiters:
                if seq <= applied and not future.done():
                    future.set_result(now)
                elif not future.done():
                    keep.append((seq, future))
            self._waiters = keep
            await asyncio.sleep(POLL_SECONDS)


class CommandBench:
    def __init__(self, env: Environment, commands: int, diagnostics: bool) -> None:
        self.env, self.commands, self.diagnostics = env, commands, diagnostics
        self.lines: list[str] = []
        self.notes: list[str] = []
        self._serial = 0

    async def run(self) -> None:
        async with demo_node(self.env, "command-node", "bench-node") as running:
            config = running.config
            self.notes.append(f"node started and demo loaded in {running.started_in:.1f} s")
            raw_one, raw_pipelined = await self._raw(config)
            self.lines.append(f"  raw js.publish on the node's nats-server (fsync always, 1 KB): "
                              f"{raw_one:,.0f}/s one at a time, {raw_pipelined:,.0f}/s pipelined")
            for clients in LEVELS:
                before, db_before = node_cpu(running.node), await database_counts(config.mongo_url)
                level = await self._level(config, running.demo["campaign_id"], clients)
                self.lines.append(level.line(raw_pipelined))
                if self.diagnostics:
                    self.notes.append(cpu_note(clients, before, node_cpu(running.node), level.commands))
                    self.notes.append(database_note(clients, db_before, await database_counts(config.mongo_url),
                                                    level.commands))
            if self.diagnostics:
                self.notes.append(await head_reads(config.mongo_url, (config.database("submission"), COMMUNE)))

    async def _raw(self, config: NodeConfig) -> tuple[float, float]:
        nc = await nats.connect(config.nats_url)
        try:
            js = nc.jetstream()
            await js.add_stream(name="BENCH_RAW", subjects=["benchraw.>"])
            body = b"x" * 1024
            n = max(200, self.commands)
            t0 = time.perf_counter()
            for i in range(n):
                await js.publish(f"benchraw.one.{i}", body)
            one = n / (time.perf_counter() - t0)
            t0 = time.perf_counter()
            acks = [await js.publish_async(f"benchraw.many.{i}", body) for i in range(n * 5)]
            await asyncio.gather(*acks)
            pipelined = n * 5 / (time.perf_counter() - t0)
            await js.delete_stream("BENCH_RAW")
            return one, pipelined
        finally:
            await nc.close()

    def _body(self) -> dict[str, Any]:
        self._serial += 1
        template = dict(INITIATIVES[0])
        template["title"] = f"Sáng kiến đo tải số {self._serial} ({uuid.uuid4().hex[:6]})"
        return template

    async def _level(self, config: NodeConfig, campaign_id: str, clients: int) -> Level:
        settings = config.settings()
        author = INITIATIVES[0]["authors"][0]
        writer = {"Authorization": "Bearer " + token(settings, author["user_id"], author["name"], ["submitter"],
                                                     ttl=dt.timedelta(hours=2))}
        url = f"{config.url('submission')}/api/v1/communes/{COMMUNE}/campaigns/{campaign_id}/initiatives"
        level = Level(clients, self.commands)
        # Idle connections dropped before the services' uvicorn drops them (after 5 s: a request sent on a connection
        # the server is closing fails). aiohttp, not httpx: the clients share the node's two cores, and with httpx
        # the bench took 5.7 ms of CPU a command at 50 clients (1.6 ms at 10; with aiohttp 0.5–0.6 at both).
        connector = aiohttp.TCPConnector(limit=clients + 2, keepalive_timeout=3.0)
        database: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(config.mongo_url)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
            visibility = Visibility(database[config.database("reporting")][CHECKPOINTS])
            visibility.start()
            queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            for _ in range(self.commands):
                queue.put_nowait(self._body())
            seen: list[asyncio.Task[None]] = []

            async def client() -> None:
                while not queue.empty():
                    body = queue.get_nowait()
                    t0 = time.perf_counter()
                    status, answer = await self._post(http, url, body,
                                                      {**writer, "Idempotency-Key": f"bench-{uuid.uuid4()}"}, level)
                    level.http_ms.append((time.perf_counter() - t0) * 1000)
                    if status != 201:
                        level.refused += 1
                        level.statuses[status] += 1
                        continue
                    seen.append(asyncio.create_task(self._visible(visibility, json.loads(answer), t0, level)))

            t0 = time.perf_counter()
            await asyncio.gather(*[client() for _ in range(clients)])
            level.seconds = time.perf_counter() - t0
            await asyncio.wait_for(asyncio.gather(*seen), timeout=120)
            await visibility.stop()
        await database.close()
        return level

    @staticmethod
    async def _post(http: aiohttp.ClientSession, url: str, body: dict[str, Any], headers: dict[str, str],
                    level: Level) -> tuple[int, bytes]:
        """Post a command: its status and body. A connection lost on the way is retried with the same
        Idempotency-Key (as a client would: the retry gets the first answer), counted in `level.resent`."""
        for attempt in range(3):
            try:
                async with http.post(url, data=json.dumps(body),
                                     headers={**headers, "Content-Type": "application/json"}) as response:
                    return response.status, await response.read()
            except aiohttp.ClientConnectionError:
                if attempt == 2:
                    raise
                level.resent += 1
        raise AssertionError("unreachable")

    @staticmethod
    async def _visible(visibility: Visibility, answer: dict[str, Any], t0: float, level: Level) -> None:
        at = await visibility.wait(int(answer["stream_sequence"]))
        level.visible_ms.append((at - t0) * 1000)

