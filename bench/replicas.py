"""What three replicas cost an append: the city hub's JetStream cluster of three (reform_node.hub_cluster) with a
stream of 3 replicas, against a stream of 1 replica on the same cluster and against the bench's single server.

Every variant is what a command does (`load()` + `append()` of one event on a new aggregate, sequential, one
client), every server fsyncs each write (`sync_interval: always`); with 3 replicas the ack waits until two of the
three servers (a quorum) have the write. The three servers share this machine's cores and disk, so the figure is
an upper bound of what the replication itself costs across machines, less the network's round trips. The routes
run over mutual TLS with the city's CA, as the hub's (reform_node.tls.FederationPki.hub_routes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import nats
from nats.js import JetStreamContext

from bench.environment import Environment
from bench.events import COMMUNE, submitted_batch
from bench.harness import Measurement, Row, Stopwatch
from reform_node.hub_cluster import HubCluster, hub_servers
from reform_node.servers import free_port
from reform_node.tls import FederationPki
from reform_shared.envelope import EventEnvelope
from reform_shared.events import build_registry
from reform_shared.provisioning import ensure_stream, event_stream_config
from reform_shared.store import JetStreamEventStore

AGGREGATE = "initiative"
MAX_EVENTS = 2000
"""Appends per round (fewer when the bench is asked for fewer): the ratio settles well before."""


class ReplicaBench:
    def __init__(self, env: Environment, events: int, rounds: int) -> None:
        self.env = env
        self.events = min(events, MAX_EVENTS)
        self.rounds = rounds

    async def _store(self, js: JetStreamContext, label: str, replicas: int) -> JetStreamEventStore:
        settings = self.env.settings(label).model_copy(update={"stream_replicas": replicas})
        await ensure_stream(js, event_stream_config(settings))
        return JetStreamEventStore(js, build_registry(), settings.stream_name, settings.subject_prefix)

    async def run(self) -> list[Row]:
        hub = HubCluster(self.env.base / "hub", hub_servers(3, free_port(), free_port(), free_port()), None, "",
                         routes_tls=FederationPki(self.env.base / "hub-pki").hub_routes)
        hub.start()
        nc = await nats.connect([f"nats://127.0.0.1:{s.port}" for s in hub.servers], name="bench:hub")
        try:
            cluster = nc.jetstream(timeout=10)
            single = Measurement("single server, 1 replica  (a commune node)", self.events)
            r1 = Measurement("cluster of 3, 1 replica", self.events)
            r3 = Measurement("cluster of 3, 3 replicas  (the city hub)", self.events)
            variants: list[tuple[Measurement, Callable[[list[EventEnvelope]], Awaitable[float]]]] = [
                (single, self._appends(await self._store(self.env.js, "rs", 1))),
                (r1, self._appends(await self._store(cluster, "r1", 1))),
                (r3, self._appends(await self._store(cluster, "r3", 3))),
            ]
            for _, variant in variants:
                await variant(submitted_batch(max(50, self.events // 10)))  # warm-up
            for _ in range(self.rounds):  # alternating, so that a busy moment of the machine hits all alike
                for measurement, variant in variants:
                    measurement.seconds.append(await variant(submitted_batch(self.events)))
            return [Row(r1, is_baseline=True), Row(r3, r1), Row(single, r1)]
        finally:
            await nc.close()
            hub.stop()

    @staticmethod
    def _appends(store: JetStreamEventStore) -> Callable[[list[EventEnvelope]], Awaitable[float]]:
        async def appends(envelopes: list[EventEnvelope]) -> float:
            with Stopwatch() as sw:
                for envelope in envelopes:
                    await store.append(await store.load(COMMUNE, AGGREGATE, envelope.aggregate_id), [envelope])
            return sw.seconds
        return appends
