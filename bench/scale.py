"""Hải Phòng's scale (issue 20): a city hub with 114 commune nodes as leafnodes, the city's projection applying
what the communes append, at a steady load and after a 60 s hub outage.

The servers: the hub and one nats-server per commune (JetStream domain of its own, fsync on every write, a TLS
leafnode to the hub), wired by `bench.scale_hub.ScaleFederation` as LocalFederation wires a federation, its keeper
running. No HTTP services: the load generator appends `InitiativeSubmitted` events at each commune through
`JetStreamEventStore` (load + append, as a command does), round-robin over the communes on a fixed schedule (a slow
append does not delay the next). The city's projection is the reporting service's `Pipeline` under a
`ProjectionRunner` on CITY_EVENTS (bench.federation.ProjectionThread: its own thread, loop and connections).

The load: Hải Phòng has 114 communes and wards (since 2025). A campaign year is at most ~100 initiatives per commune
with ~15 events each over their life (submission, revisions, the secretariat, the council's scores, decisions):
~170,000 events a year. The peak is the last day of submissions: if half of them come that day, in 8 hours, with
~3 events each (submitted, revised, a file's register), 114 × 50 × 3 / 28,800 s = 0.6 events/s, ~2/s in its
busiest hour. The bench runs at RATE = 20 events/s, ten times that hour, and a stress level above it.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from bench.environment import Environment
from bench.events import submitted
from bench.federation import (
    AIM_P99_MS,
    NODE_STREAM,
    Appended,
    Lag,
    ProjectionThread,
    _HubDown,
    render_lag,
)
from bench.scale_hub import ScaleFederation, Usage, commune_names
from reform_node.federation import Ports
from reform_node.servers import free_port
from reform_shared.events import build_registry
from reform_shared.federation import FederatedNode
from reform_shared.store import JetStreamEventStore

log = logging.getLogger("bench.scale")

RATE = 20.0
"""Appends per second over all communes: ten times the busiest hour of the last day of submissions."""
STRESS = 100.0
AIM_CATCHUP_S = 10.0


@dataclass
class Phase:
    seconds: float
    outage: float


class ScaleBench:
    def __init__(self, env: Environment, communes: int, quick: bool) -> None:
        self.env = env
        self.names = commune_names(communes)
        self.phase = Phase(20.0, 20.0) if quick else Phase(60.0, 60.0)
        self.registry = build_registry()
        self.stores: dict[str, JetStreamEventStore] = {}
        self.index = 0
        self.lag: list[Lag] = []
        self.lines: list[str] = []
        self.notes: list[str] = []
        self.catchup: list[str] = []
        self.failures: list[str] = []
        self.where: dict[str, str] = {}
        self.js: dict[str, JetStreamContext] = {}
        self.started = time.perf_counter()

    # -- appending at the communes ---------------------------------------------------------------------
    async def _append(self, into: dict[str, Appended]) -> None:
        commune = self.names[self.index % len(self.names)]
        envelope = submitted(self.index, commune=commune)
        self.index += 1
        store = self.stores[commune]
        try:
            history = await store.load(commune, "initiative", envelope.aggregate_id)
            outcome = await store.append(history, [envelope])
        except Exception as exc:  # noqa: BLE001 - counted and shown: a failed append is a finding, not a crash
            self.failures.append(f"{commune} +{time.perf_counter() - self.started:.1f}s: {exc!r}")
            return
        self.where[envelope.aggregate_id] = commune
        into[envelope.aggregate_id] = Appended(time.perf_counter(), time.time(), outcome.events[0].stream_seq)

    async def _load(self, seconds: float, rate: float) -> tuple[dict[str, Appended], float]:
        """Appends at `rate` per second for `seconds`, each in its own task at its time; (appended, late s max)."""
        appended: dict[str, Appended] = {}
        tasks, late = [], 0.0
        start = time.perf_counter()
        for i in range(max(1, int(seconds * rate))):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            late = max(late, -delay)
            tasks.append(asyncio.create_task(self._append(appended)))
        await asyncio.gather(*tasks)
        return appended, late

    # -- the run -----------------------------------------------------------------------------------------
    async def run(self) -> None:
        mongo_port = urlparse(self.env.mongo_url).port
        assert mongo_port is not None
        fed = ScaleFederation(self.env.base / "scale", mongo_port, free_port(), Ports(free_port(), free_port(), {}))
        nodes = [FederatedNode(node_id=name, communes=[name]) for name in self.names]
        started = time.perf_counter()
        connections: list[NatsClient] = []
        try:
            await asyncio.to_thread(fed.start_many, nodes)
            self.lines.append(f"  {len(nodes)} commune nats-servers + the hub started, provisioned and linked (TLS "
                              f"leafnodes, one hub account each) in {time.perf_counter() - started:.0f}s")
            for name, commune in fed.nodes.items():
                nc = await nats.connect(commune.config.nats_url, name=f"bench:{name}")
                connections.append(nc)
                self.js[name] = nc.jetstream(timeout=10)
                self.stores[name] = JetStreamEventStore(self.js[name], self.registry, NODE_STREAM, "reform")
            assert fed.city is not None
            city = ProjectionThread("city", fed.city.config.nats_url, self.env.mongo_url, fed.city.config.stream_name,
                                    "benchscale_city")
            await asyncio.to_thread(city.start)
            try:
                await self._steady(fed, city)
                await self._outage(fed, city)
            finally:
                await asyncio.to_thread(city.stop)
        finally:
            for nc in connections:
                await nc.close()
            await asyncio.to_thread(fed.stop)

    def _usage(self, fed: ScaleFederation) -> Usage:
        assert fed.city is not None
        return Usage.now(fed.city.nats, [c.nats for c in fed.nodes.values()])

    async def _steady(self, fed: ScaleFederation, city: ProjectionThread) -> None:
        warm, _ = await self._load(2.0, RATE)
        await city.wait_for(list(warm))
        for rate, seconds, aim in ((RATE, self.phase.seconds, AIM_P99_MS), (STRESS, self.phase.seconds / 2, None)):
            before = self._usage(fed)
            rounds_from = len(fed.rounds)
            appended, late = await self._load(seconds, rate)
            await city.wait_for(list(appended))
            after = self._usage(fed)
            stored = await self._stored_at(appended)
            ms = [(city.applied[key].wall - stored[key]) * 1000 for key in appended]
            hop = [(city.applied[key].stored - stored[key]) * 1000 for key in appended]
            label = "steady" if aim else "stress"
            self.lag.append(Lag(f"{label} {rate:.0f} events/s, append at a commune → the city's projection", ms,
                                aim=aim))
            self.lag.append(Lag(f"{label}   of which stored at the commune → stored in CITY_EVENTS (leaf, FED_)", hop))
            rounds = [seconds for _, seconds in fed.rounds[rounds_from:]]
            self.lines.append(
                f"  {label}: {len(appended):,} appends over {seconds:.0f}s to {len(self.names)} communes round-robin "
                f"(the generator at most {late * 1000:,.0f} ms behind its schedule); {after.since(before)}; the "
                f"keeper's rounds over {len(fed.nodes) + 1} members: {len(rounds)}, "
                + (f"median {statistics.median(rounds):.2f}s, max {max(rounds):.2f}s" if rounds else "none finished"))

    async def _stored_at(self, appended: dict[str, Appended]) -> dict[str, float]:
        """When each event was stored at its commune (its JetStream timestamp there, read back afterwards): the
        moment it was durable and acknowledged, whenever the generator's task got to note the ack."""
        async def one(key: str, sent: Appended) -> tuple[str, float]:
            msg = await self.js[self.where[key]].get_msg(NODE_STREAM, sent.seq, direct=True)
            assert msg.time is not None
            return key, msg.time.timestamp()

        items, stored = list(appended.items()), {}
        for start in range(0, len(items), 100):
            stored.update(await asyncio.gather(*(one(key, sent) for key, sent in items[start:start + 100])))
        return stored

    async def _outage(self, fed: ScaleFederation, city: ProjectionThread) -> None:
        assert fed.city is not None
        quiet = _HubDown()
        logging.getLogger("nats.aio.client").addFilter(quiet)
        try:
            await asyncio.to_thread(fed.stop_hub, True)  # SIGKILL
            down = time.perf_counter()
            backlog, _ = await self._load(self.phase.outage, RATE)
            t0, t0_wall = time.perf_counter(), time.time()
            rounds_from = len(fed.rounds)
            await asyncio.to_thread(fed.start_hub)
            listening = time.perf_counter() - t0
            leaves = await self._leaves_back(fed, t0)
            ids = list(backlog)
            await city.wait_for(ids)
        finally:
            logging.getLogger("nats.aio.client").removeFilter(quiet)
        done = [city.applied[i] for i in ids]
        applied = max(d.at for d in done) - t0
        in_stream = max(d.stored for d in done) - t0_wall
        first_in = min(d.stored for d in done) - t0_wall
        rounds = [(at - t0, seconds) for at, seconds in fed.rounds[rounds_from:] if at - t0 < applied]
        restarted = sum(len(names) for at, names in fed.restarts if at >= t0)
        alone = await self._runner_alone(fed, min(d.seq for d in done), ids)
        verdict = "OK" if applied < AIM_CATCHUP_S else "ABOVE"
        n = len(ids)
        self.catchup = [
            f"  hub killed (SIGKILL) for {t0 - down:.0f}s while the communes appended {n:,} events ({RATE:.0f}/s), "
            "then started again; times from its start:",
            f"    listening +{listening:.2f}s; all {len(self.names)} leafnodes back +{leaves:.2f}s; first backlog "
            f"event in CITY_EVENTS +{first_in:.2f}s; all {n:,} in CITY_EVENTS +{in_stream:.2f}s",
            f"    all {n:,} applied by the city's projection +{applied:.2f}s   (aim < {AIM_CATCHUP_S:.0f}s: {verdict})",
            f"    baseline: the same runner over the same {n:,} events already in CITY_EVENTS: {alone:.2f}s",
            f"    the keeper meanwhile: {restarted} sources re-attached; its rounds (start +s, took s): "
            + ", ".join(f"+{at:.1f}/{seconds:.1f}" for at, seconds in rounds[:8]),
        ]

    async def _leaves_back(self, fed: ScaleFederation, t0: float, timeout: float = 120) -> float:  # noqa: ASYNC109
        assert fed.city is not None
        while await asyncio.to_thread(fed.city.leafnodes) < len(self.names):
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError(f"the leafnodes did not all reconnect in {timeout}s")
            await asyncio.sleep(0.1)
        return time.perf_counter() - t0

    async def _runner_alone(self, fed: ScaleFederation, first_seq: int, ids: list[str]) -> float:
        assert fed.city is not None
        fresh = ProjectionThread("citylocal", fed.city.config.nats_url, self.env.mongo_url,
                                 fed.city.config.stream_name, "benchscale_citylocal", first_seq - 1)
        await asyncio.to_thread(fresh.start)
        try:
            await fresh.wait_for(ids)
        finally:
            await asyncio.to_thread(fresh.stop)
        return max(fresh.applied[i].at for i in ids) - fresh.started

    def render(self) -> str:
        parts = ["\n".join(self.lines), render_lag("   Lag (stored at the commune, its JetStream timestamp → the batch "
                                                    "holding the event committed by the city's projection)", self.lag),
                 "   Hub outage caught up", "\n".join(self.catchup)]
        parts += [f"  * {note}" for note in self.notes]
        if self.failures:
            parts.append(f"  * {len(self.failures)} appends failed (the load generator's store calls), first: "
                         + "; ".join(self.failures[:5]))
        return "\n".join(part for part in parts if part)
