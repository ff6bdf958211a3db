"""Federation: how long a commune's event takes to reach the city's projection, and how fast the city
catches up with a backlog after its hub was down.

Real servers, in the bench's temporary folder: a city hub nats-server (JetStream domain `city`, a
leafnode port, one hub account per node from `hub_accounts`) and one commune nats-server (domain
`ninh-giang`, a leafnode remote with the node's leaf user), wired by `reform_node.federation.
LocalFederation` as `make run`'s federation and tests/test_federation.py are, but without the HTTP
services: the city stream, FED_/OUT_ streams by `provision_city` (FED_ once the leaf is up), the
commune stream by `provision` (federation_role commune). The federation's keeper (re-attaching
stalled JetStream sources every 2 s, `keep_city_sources`) runs as it does in LocalFederation.
The projections share the bench's SecantusDB.

The projection is the reporting service's real `Pipeline` under a `ProjectionRunner` (batches of
500, fetch_timeout 1 s, reading `reform` and `city` subjects, as a federated reporting service),
each runner in its own thread and event loop with its own connections, as its own process would
be. Events are `InitiativeSubmitted` envelopes appended at the commune by `JetStreamEventStore`
(load + append, as a command handler does), from the bench's main thread.

What is timed, without polling anything: the runner's `_commit_batch` is wrapped to note, once
the batch's transaction is committed (the documents are readable), the clock for each event of
the batch, and the time the stream the runner reads stored it (the message's JetStream timestamp).
An event's lag is from its append's acknowledgement to that commit.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import nats
import nats.errors
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import ExternalStream, RetentionPolicy, StorageType, StreamConfig, StreamSource
from pymongo import AsyncMongoClient

from bench.environment import Environment
from bench.events import COMMUNE, submitted
from bench.harness import Measurement, Row
from reform_node.federation import READ_BOTH, LocalFederation, Ports
from reform_node.node import CommuneNode
from reform_node.servers import free_port
from reform_reporting.application.projection import Pipeline
from reform_shared.events import build_registry
from reform_shared.federation import FederatedNode
from reform_shared.projection import CHECKPOINTS, ProjectionRunner
from reform_shared.store import AggregateHistory, JetStreamEventStore

log = logging.getLogger("bench.federation")

NODE = FederatedNode(node_id=COMMUNE, communes=[COMMUNE])
NODE_STREAM = "REFORM_EVENTS"
RATE = 40.0
"""Appends per second during the lag measurements."""
AIM_P99_MS = 1000.0
APPEND_CHUNK = 100
"""Backlog appends in flight at once (untimed)."""
WAIT_APPLIED = 300.0


@dataclass(frozen=True)
class Applied:
    at: float
    """perf_counter when the batch holding the event was committed."""
    wall: float
    stored: float
    """time.time() of the message in the stream the runner reads (its JetStream timestamp)."""
    seq: int


@dataclass(frozen=True)
class Appended:
    at: float
    """perf_counter when the append was acknowledged."""
    wall: float
    seq: int


async def _connection_error(exc: Exception) -> None:
    """The hub is stopped on purpose: its clients' reconnection errors are expected, not printed."""
    log.debug("nats: %s", exc)


class _HubDown(logging.Filter):
    """While the hub is stopped on purpose, the keeper's connection attempts to it fail; nats-py logs each
    (with a traceback) before the keeper catches it. Those records only are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ConnectionRefusedError | nats.errors.UnexpectedEOF)


class ProjectionThread:
    """A `Pipeline` runner in its own thread and event loop, with its own NATS and Mongo clients."""

    def __init__(self, service: str, nats_url: str, mongo_url: str, stream: str, database: str,
                 checkpoint: int = 0) -> None:
        self.service = service
        self.nats_url = nats_url
        self.mongo_url = mongo_url
        self.stream = stream
        self.database = database
        self.checkpoint = checkpoint
        self.applied: dict[str, Applied] = {}
        self.started = 0.0
        self.last_error: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"projection-{service}", daemon=True)

    def start(self, timeout: float = 60) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"projection {self.service} not started after {timeout}s")
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        # As the services connect (reform_shared.runtime): reconnect for ever, every second.
        nc = await nats.connect(self.nats_url, name=f"bench:{self.service}", max_reconnect_attempts=-1,
                                reconnect_time_wait=1, error_cb=_connection_error)
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(self.mongo_url, tz_aware=True,
                                                                    serverSelectionTimeoutMS=20_000)
        try:
            db = mongo[self.database]
            projection = Pipeline()
            if self.checkpoint:
                await db[CHECKPOINTS].update_one({"_id": projection.name}, {"$set": {"seq": self.checkpoint}},
                                                 upsert=True)
            runner = ProjectionRunner(
                service=self.service, projection=projection, js=nc.jetstream(timeout=10), client=mongo, db=db,
                registry=build_registry(), stream=self.stream, prefix=READ_BOTH, batch_size=500,
            )
            commit = runner._commit_batch
            applied = self.applied

            async def timed_commit(items: list[Any]) -> None:
                await commit(items)
                at, wall = time.perf_counter(), time.time()
                for item in items:
                    # reform.<commune>.initiative.<initiative id>.InitiativeSubmitted
                    applied[item.msg.subject.split(".")[3]] = Applied(
                        at, wall, item.msg.metadata.timestamp.timestamp(), item.seq)

            runner._commit_batch = timed_commit  # type: ignore[method-assign]
            await runner.start()
            self.started = time.perf_counter()
            self._ready.set()
            await self._stop.wait()
            await runner.stop()
            self.last_error = runner.last_error
        finally:
            await mongo.close()
            await nc.close()

    def count(self, ids: Iterable[str]) -> int:
        applied = self.applied
        return sum(1 for i in ids if i in applied)

    async def wait_for(self, ids: Sequence[str], timeout: float = WAIT_APPLIED) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while self.count(ids) < len(ids):
            if self._error is not None:
                raise RuntimeError(f"projection {self.service} stopped: {self._error!r}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"projection {self.service}: {self.count(ids)} of {len(ids)} events applied "
                                   f"after {timeout}s (last error: {self.last_error})")
            await asyncio.sleep(0.05)


class BenchFederation(LocalFederation):
    """LocalFederation without its HTTP services; its keeper notes when it re-attached sources."""

    restarts: list[tuple[float, list[str]]]

    async def keep_once(self) -> list[str]:
        restarted = await super().keep_once()
        if restarted:
            self.restarts.append((time.perf_counter(), restarted))
        return restarted

    def start_servers(self, node: FederatedNode) -> None:
        """The city hub with its streams, the commune's nats-server and stream, the link, the keeper."""
        self.restarts = []
        cfg = self.federation().with_node(node)
        cfg.save(self.config_path)
        self.node_ports[node.node_id] = Ports.free()
        self.city = CommuneNode(self.city_config())
        self.city.start_nats()
        self.city.provision(linked=set())  # FED_ only once the leaf is up (see provision_city)
        commune = CommuneNode(self.node_config(node))
        self.nodes[node.node_id] = commune
        commune.start_infrastructure()  # nats-server + provision (own_mongo False)
        self.link()
        self.start_keeper()


# -- figures ---------------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Lag:
    label: str
    ms: list[float] = field(default_factory=list)
    aim: float | None = None
    """p99 must stay under this many ms (shown as OK / ABOVE, never asserted)."""
    is_baseline: bool = False
    note: str = ""


def render_lag(title: str, rows: list[Lag]) -> str:
    header = ("", "events", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms", "aim")
    body = []
    for row in rows:
        p99 = percentile(row.ms, 99)
        verdict = "baseline" if row.is_baseline else ""
        if row.aim is not None:
            verdict = f"p99 <{row.aim:,.0f} ms {'OK' if p99 < row.aim else 'ABOVE'}"
        body.append((row.label, f"{len(row.ms):,}", f"{percentile(row.ms, 50):,.0f}",
                     f"{percentile(row.ms, 90):,.0f}", f"{p99:,.0f}", f"{max(row.ms):,.0f}",
                     f"{statistics.fmean(row.ms):,.0f}", verdict))
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(line: tuple[str, ...]) -> str:
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        return "  " + "  ".join(cells).rstrip()

    rule = "  " + "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [title, fmt(header), rule, *(fmt(line) for line in body)]
    lines += [f"  * {row.note}" for row in rows if row.note]
    return "\n".join(lines)


def _source_copy(name: str, first_seq: int, external: ExternalStream | None) -> StreamConfig:
    return StreamConfig(
        name=name, subjects=[], retention=RetentionPolicy.LIMITS, storage=StorageType.FILE, num_replicas=1,
        sources=[StreamSource(name=NODE_STREAM, opt_start_seq=first_seq, filter_subject=f"reform.{COMMUNE}.>",
                              external=external)],
    )


class FederationBench:
    def __init__(self, env: Environment, seconds: float, backlog: int, diagnostics: bool) -> None:
        self.env = env
        self.seconds = seconds
        self.backlog = backlog
        self.diagnostics = diagnostics
        self.registry = build_registry()
        self.lag: list[Lag] = []
        self.catchup: list[Row] = []
        self.extra: list[Lag] = []
        self.lines: list[str] = []
        self.notes: list[str] = []
        self.index = 0
        self.city: ProjectionThread | None = None
        self.fed_restarts: list[tuple[float, list[str]]] = []
        self.reattached: list[list[str]] = []

    # -- appending at the commune ------------------------------------------------------------------
    async def _append(self, store: JetStreamEventStore) -> tuple[str, Appended]:
        envelope = submitted(self.index)
        self.index += 1
        history = await store.load(COMMUNE, "initiative", envelope.aggregate_id)
        if not isinstance(history, AggregateHistory) or history.events:
            raise RuntimeError("a fresh initiative already has events")
        outcome = await store.append(history, [envelope])
        return envelope.aggregate_id, Appended(time.perf_counter(), time.time(), outcome.events[0].stream_seq)

    async def _steady(self, store: JetStreamEventStore, count: int) -> dict[str, Appended]:
        """`count` appends, one every 1/RATE s on a fixed schedule (a late append does not shift the next)."""
        appended: dict[str, Appended] = {}
        start = time.perf_counter()
        for i in range(count):
            delay = start + i / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            key, record = await self._append(store)
            appended[key] = record
        return appended

    async def _burst(self, store: JetStreamEventStore, count: int) -> dict[str, Appended]:
        appended: dict[str, Appended] = {}
        for start in range(0, count, APPEND_CHUNK):
            results = await asyncio.gather(*(self._append(store) for _ in range(min(APPEND_CHUNK, count - start))))
            appended.update(results)
        return appended

    async def _measure_lag(self, store: JetStreamEventStore, runner: ProjectionThread
                           ) -> tuple[list[float], list[float], list[float]]:
        """Warm-up (2 s of appends, applied), then `seconds` of appends at RATE: (lag, to stream, apply) in ms."""
        warm = await self._steady(store, int(RATE * 2))
        await runner.wait_for(list(warm))
        start = time.perf_counter()
        appended = await self._steady(store, max(1, int(RATE * self.seconds)))
        await runner.wait_for(list(appended))
        self.reattached.append([name for at, names in self.fed_restarts if at >= start for name in names])
        lag, hop, apply = [], [], []
        for key, sent in appended.items():
            done = runner.applied[key]
            lag.append((done.at - sent.at) * 1000)
            hop.append((done.stored - sent.wall) * 1000)
            apply.append((done.wall - done.stored) * 1000)
        return lag, hop, apply

    # -- the run -----------------------------------------------------------------------------------
    async def run(self) -> None:
        mongo_port = urlparse(self.env.mongo_url).port
        assert mongo_port is not None
        fed = BenchFederation(self.env.base / "federation", mongo_port, free_port(), Ports.free())
        started = time.perf_counter()
        try:
            await asyncio.to_thread(fed.start_servers, NODE)
            self.fed_restarts = fed.restarts
            assert fed.city is not None
            commune = fed.nodes[NODE.node_id]
            self.lines.append(f"  city hub nats-server (domain city, leafnode port {fed.leaf_port}, hub account "
                              f"per node) + commune nats-server (domain {NODE.node_id}, leafnode remote); "
                              f"up and linked in {time.perf_counter() - started:.1f}s")
            nc = await nats.connect(commune.config.nats_url, name="bench:commune")
            city_nc = await nats.connect(fed.city.config.nats_url, name="bench:city", max_reconnect_attempts=-1,
                                         reconnect_time_wait=1, error_cb=_connection_error)
            try:
                store = JetStreamEventStore(nc.jetstream(timeout=10), self.registry, NODE_STREAM, "reform")
                await self._lag(fed, store)
                await self._catchup(fed, store, nc.jetstream(timeout=10), city_nc)
            finally:
                await city_nc.close()
                await nc.close()
        finally:
            await asyncio.to_thread(fed.stop)

    def _projection(self, service: str, fed: LocalFederation, city: bool, checkpoint: int = 0) -> ProjectionThread:
        member = fed.city if city else fed.nodes[NODE.node_id]
        assert member is not None
        return ProjectionThread(service, member.config.nats_url, self.env.mongo_url, member.config.stream_name,
                                f"benchfed_{service}", checkpoint)

    async def _lag(self, fed: BenchFederation, store: JetStreamEventStore) -> None:
        # Baseline first: the commune's own reporting projection on the commune's stream (no hop).
        local = self._projection("commune", fed, city=False)
        await asyncio.to_thread(local.start)
        try:
            local_lag, _, local_apply = await self._measure_lag(store, local)
        finally:
            await asyncio.to_thread(local.stop)
        # Then the city's: the same appends travel commune → FED_ (over the leaf) → CITY_EVENTS.
        self.city = self._projection("city", fed, city=True)
        await asyncio.to_thread(self.city.start)
        city_lag, city_hop, city_apply = await self._measure_lag(store, self.city)
        count = len(city_lag)
        self.lag = [
            Lag("local  append at the commune → the commune's own projection (no federation hop)", local_lag,
                is_baseline=True),
            Lag("city   append at the commune → the city's projection (leaf, FED_, CITY_EVENTS)", city_lag,
                aim=AIM_P99_MS),
        ]
        self.lines.append(f"  lag: {count:,} InitiativeSubmitted appends at {RATE:.0f}/s for {self.seconds:.0f}s per "
                          f"variant (after a 2 s warm-up), one variant after the other, each projection alone; "
                          f"sources the keeper re-attached meanwhile: "
                          + "; ".join(f"{side}: {', '.join(names) or 'none'}"
                                      for side, names in zip(("local", "city"), self.reattached, strict=False)))
        self.extra = [
            Lag("local  stored in the commune stream → committed by the projection", local_apply),
            Lag("city   append ack → stored in CITY_EVENTS (commune → FED_ over the leaf → CITY_EVENTS)", city_hop,
                note="JetStream timestamps of the stored messages; the city may store an event before the "
                     "appender has read its ack (a negative hop)"),
            Lag("city   stored in CITY_EVENTS → committed by the projection", city_apply),
        ]

    async def _catchup(self, fed: BenchFederation, store: JetStreamEventStore, js: JetStreamContext,
                       city_nc: NatsClient) -> None:
        city = self.city
        assert fed.city is not None and city is not None
        quiet = _HubDown()
        logging.getLogger("nats.aio.client").addFilter(quiet)
        try:
            await asyncio.to_thread(fed.stop_hub)
            down = time.perf_counter()
            backlog = await self._burst(store, self.backlog)
            appended_in = time.perf_counter() - down
            ids = list(backlog)
            first_seq = min(a.seq for a in backlog.values())
            t0, t0_wall = time.perf_counter(), time.time()
            await asyncio.to_thread(fed.start_hub)
            listening = time.perf_counter() - t0
            leaf_up = await self._leaf_up(fed, t0)
            await city.wait_for(ids)
        finally:
            logging.getLogger("nats.aio.client").removeFilter(quiet)
            await asyncio.to_thread(city.stop)
        restarts = [f"+{at - t0:.1f}s {', '.join(names)}" for at, names in fed.restarts if at >= t0]
        done = [city.applied[i] for i in ids]
        in_stream = max(d.stored for d in done) - t0_wall
        first_in = min(d.stored for d in done) - t0_wall
        applied_all = max(d.at for d in done) - t0
        n = len(ids)
        at_city = Measurement(f"city   hub start → all {n:,} in CITY_EVENTS (sources resumed)", n, [in_stream])
        projected = Measurement(f"city   hub start → all {n:,} applied by the city's projection", n, [applied_all])
        leaf = await self._raw_copy(city_nc.jetstream(prefix=NODE.api_import, timeout=10), "BENCH_LEAF_COPY",
                                    first_seq, n, ExternalStream(api=f"$JS.{NODE.node_id}.API"))
        local = await self._raw_copy(js, "BENCH_LOCAL_COPY", first_seq, n, None)
        raw_leaf = Measurement("raw    source copy of the backlog over the leafnode into the hub, no outage", n,
                               [leaf])
        raw_local = Measurement("raw    source copy of the backlog on the commune's own server", n, [local])
        # The same runner over the same events already in the city stream, starting right before them.
        first_city = min(d.seq for d in done)
        fresh = self._projection("citylocal", fed, city=True, checkpoint=first_city - 1)
        await asyncio.to_thread(fresh.start)
        try:
            await fresh.wait_for(ids)
        finally:
            await asyncio.to_thread(fresh.stop)
        runner_local = Measurement(f"runner the same projection over the {n:,} already in the city stream", n,
                                   [max(fresh.applied[i].at for i in ids) - fresh.started])
        self.catchup = [
            Row(raw_leaf, is_baseline=True), Row(at_city, raw_leaf),
            Row(runner_local, is_baseline=True), Row(projected, runner_local),
            Row(raw_local),
        ]
        self.lines.append(
            f"  catch-up: hub's nats-server stopped, {n:,} appends at the commune while it was down "
            f"({appended_in:.1f}s, {APPEND_CHUNK} in flight), hub started again; the city's projection kept "
            f"running (its client reconnects every 1 s, as the services')")
        self.notes.append(
            f"times from the hub's start (process launched): listening at +{listening:.2f}s, the commune's leafnode "
            f"connected at +{leaf_up:.2f}s (hub's /leafz every 50 ms), the first backlog event in CITY_EVENTS at "
            f"+{first_in:.2f}s; the hub was down {t0 - down:.1f}s in all")
        self.notes.append(
            "the federation's keeper ran throughout, as LocalFederation runs it (every 2 s: "
            "keep_city_sources at the hub, restart_stalled_sources at the commune); until the city had applied "
            "the backlog it re-attached: "
            + ("; ".join(restarts) if restarts else "nothing (the sources resumed on their own)"))
        self.notes.append("lag = append acknowledged → the batch holding the event committed in the projection's "
                          "transaction (runner._commit_batch wrapped: a clock read per batch, nothing polled)")

    async def _leaf_up(self, fed: BenchFederation, t0: float, timeout: float = 60) -> float:  # noqa: ASYNC109
        """Seconds from t0 until the hub reports the commune's leafnode connection."""
        assert fed.city is not None
        while await asyncio.to_thread(fed.city.leafnodes) < 1:
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError(f"the commune's leafnode did not reconnect in {timeout}s")
            await asyncio.sleep(0.05)
        return time.perf_counter() - t0

    async def _raw_copy(self, js: JetStreamContext, name: str, first_seq: int, count: int,
                        external: ExternalStream | None) -> float:
        """Seconds for a fresh stream sourcing the backlog to hold all of it (stream info every 10 ms)."""
        config = _source_copy(name, first_seq, external)
        start = time.perf_counter()
        await js.add_stream(config)
        try:
            deadline = start + WAIT_APPLIED
            while (await js.stream_info(name)).state.messages < count:
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"{name}: the copy did not complete in {WAIT_APPLIED}s")
                await asyncio.sleep(0.01)
            return time.perf_counter() - start
        finally:
            await js.delete_stream(name)
