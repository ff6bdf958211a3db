"""The city hub with many commune nats-servers as leafnodes, for `bench.scale`; and the processes' RSS and CPU.

Wired as `reform_node.federation.LocalFederation` wires a federation (through `bench.federation.BenchFederation`):
the hub's config with one account per node and TLS leafnodes (FederationPki: the hub verifies each leaf's
certificate and maps its subject to the node's leaf user), the city stream and every node's FED_/OUT_ stream by
`provision_city`, each commune's stream by `provision`, and the keeper. No HTTP services, no database per node.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.federation import BenchFederation
from reform_node.federation import Ports
from reform_node.node import CommuneNode
from reform_node.servers import ChildProcess, free_port
from reform_shared.federation import FederatedNode

STARTERS = 3
"""Commune servers started (and provisioned) at once."""
PROVISION_ATTEMPTS = 3
TICKS = os.sysconf("SC_CLK_TCK")


def commune_names(count: int) -> list[str]:
    return [f"xa-{i:03d}" for i in range(1, count + 1)]


def _start_commune(commune: CommuneNode) -> None:
    """Its nats-server and stream; provisioning tried again if the server, listening, did not answer in time
    (a machine at load average 25 made one start fail)."""
    commune.start_nats()
    for attempt in range(PROVISION_ATTEMPTS):
        try:
            commune.provision()
            return
        except Exception:
            if attempt == PROVISION_ATTEMPTS - 1:
                raise
            time.sleep(1)


class ScaleFederation(BenchFederation):
    """BenchFederation with N commune nodes; its keeper's rounds timed."""

    rounds: list[tuple[float, float]]
    """(perf_counter at the round's start, seconds the round took)."""

    async def keep_once(self) -> list[str]:
        started = time.perf_counter()
        try:
            return await super().keep_once()
        finally:
            self.rounds.append((started, time.perf_counter() - started))

    def start_many(self, nodes: list[FederatedNode]) -> None:
        self.restarts, self.rounds = [], []
        cfg = self.federation()
        for node in nodes:
            cfg = cfg.with_node(node)
        cfg.save(self.config_path)
        for node in nodes:
            self.node_ports[node.node_id] = Ports(free_port(), free_port(), {})
        self.city = CommuneNode(self.city_config())
        self.city.start_nats()
        self.city.provision(linked=set())  # FED_ streams once the leafnodes are up (link)
        communes = [CommuneNode(self.node_config(node)) for node in nodes]  # certificates issued here, in order
        with ThreadPoolExecutor(STARTERS) as pool:
            list(pool.map(_start_commune, communes))
        self.nodes.update({c.config.node_id: c for c in communes})
        self.link(timeout=300)
        self.start_keeper()


# -- the processes' memory and CPU -------------------------------------------------------------------------
def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


@dataclass
class Usage:
    """RSS now and CPU seconds used so far, of the hub, of every commune server summed, and of this process."""

    at: float
    hub_rss: float
    leaves_rss: float
    leaves_max_rss: float
    hub_cpu: float
    leaves_cpu: float
    bench_rss: float
    bench_cpu: float

    @classmethod
    def now(cls, hub: ChildProcess | None, leaves: list[ChildProcess | None]) -> Usage:
        pids = [c.proc.pid for c in leaves if c is not None and c.proc is not None]
        hub_pid = hub.proc.pid if hub is not None and hub.proc is not None else None
        rss = [rss_mb(pid) for pid in pids]
        return cls(time.perf_counter(), rss_mb(hub_pid) if hub_pid else 0.0, sum(rss), max(rss, default=0.0),
                   cpu_seconds(hub_pid) if hub_pid else 0.0, sum(cpu_seconds(pid) for pid in pids),
                   rss_mb(os.getpid()), cpu_seconds(os.getpid()))

    def since(self, before: Usage) -> str:
        seconds = self.at - before.at
        return (f"RSS hub {self.hub_rss:,.0f} MB, commune servers {self.leaves_rss:,.0f} MB in all (largest "
                f"{self.leaves_max_rss:,.0f}), the bench process (load generator + city projection) "
                f"{self.bench_rss:,.0f} MB; CPU over {seconds:.0f}s: "
                f"hub {self._pct(self.hub_cpu, before.hub_cpu, seconds)}, "
                f"commune servers {self._pct(self.leaves_cpu, before.leaves_cpu, seconds)} in all, "
                f"bench process {self._pct(self.bench_cpu, before.bench_cpu, seconds)} (of one core)")

    @staticmethod
    def _pct(now: float, before: float, seconds: float) -> str:
        return f"{(now - before) / seconds:.0%}" if seconds > 0 else "?"
