"""The city hub as a JetStream cluster of nats-servers (three by default), as processes on one machine.

Every server has the same JetStream domain (`city`), the same accounts (reform_shared.hub_config.hub_accounts)
and its own leafnode port; a `cluster {}` block with routes to the others makes them one JetStream cluster, so
the city's streams and buckets are provisioned with three replicas (reform_shared.replicas): an acknowledged
write is on two servers' disks (a quorum, each fsync'd: `sync_interval: always`) before its ack, and losing one
server loses nothing. The commune nodes' leafnode remotes list every server's URL and reconnect to any; the
city's services connect to the list of the three (nats-py fails over inside it).

The routes carry CITY_EVENTS' replication, so they run over mutual TLS (`routes_tls`: reform_node.tls, the
city's CA, each server its own route certificate whose subject must be the cluster's route user): a server
without such a certificate is refused as a route and never becomes a peer of the city's streams.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from reform_node.servers import ChildProcess, free_port, start_nats

CLUSTER_NAME = "city-hub"


@dataclass(frozen=True)
class HubServer:
    """One server of the hub: its name in the cluster and its four ports (clients, monitoring, routes, leafnodes)."""

    index: int
    port: int
    http_port: int
    cluster_port: int
    leaf_port: int

    @property
    def name(self) -> str:
        return f"{CLUSTER_NAME}-{self.index + 1}"

    @property
    def folder(self) -> str:
        """Its data folder under the city's: `nats` for the first (as a single-server hub), `nats-2`, `nats-3`."""
        return "nats" if self.index == 0 else f"nats-{self.index + 1}"


def hub_servers(size: int, port: int, http_port: int, leaf_port: int, *, numbered: bool = False) -> list[HubServer]:
    """The first server on the given ports; the others on the next ports (`numbered`, the demo's fixed ports:
    4313, 8313, 7423 …) or on free ones (tests). Route ports: the client port + 2000 (6312 …) when numbered."""
    servers = [HubServer(0, port, http_port, port + 2000 if numbered else free_port(), leaf_port)]
    for i in range(1, size):
        if numbered:
            servers.append(HubServer(i, port + i, http_port + i, port + 2000 + i, leaf_port + i))
        else:
            servers.append(HubServer(i, free_port(), free_port(), free_port(), free_port()))
    return servers


def cluster_block(server: HubServer, peers: list[HubServer], host: str = "127.0.0.1", tls: str = "") -> str:
    """The `cluster {}` block of one server: where it listens for routes, the routes to the others, and what
    secures them (`tls`: reform_node.tls.route_block; none on a private test bench only)."""
    routes = ", ".join(f'"nats-route://{host}:{p.cluster_port}"' for p in peers if p.index != server.index)
    return (f'cluster {{\n  name: "{CLUSTER_NAME}"\n  listen: "{host}:{server.cluster_port}"\n'
            f"  routes: [ {routes} ]\n{tls}}}\n")


def leaf_urls(user: str, password: str, servers: list[HubServer], host: str = "127.0.0.1") -> list[str]:
    """A commune node's leafnode remote: every hub server, so the link reconnects to any that is up."""
    return [f"nats-leaf://{user}:{password}@{host}:{s.leaf_port}" for s in servers]


def leaf_remote(urls: list[str]) -> str:
    """The commune node's `leafnodes {}` block: one remote, every hub server's URL (any one of them will do)."""
    listed = ", ".join(f'"{url}"' for url in urls)
    return f'leafnodes {{ reconnect: "1s", remotes: [ {{ urls: [ {listed} ] }} ] }}\n'


def plain_leafnodes(listen: str) -> str:
    """A leafnode port without TLS (a hub on a private network only)."""
    return f'leafnodes {{ listen: "{listen}" }}\n'


def client_urls(servers: list[HubServer], auth: str = "", host: str = "127.0.0.1") -> str:
    """The city's services' REFORM_NATS_URL: every hub server, comma-separated (reform_shared.replicas)."""
    return ",".join(f"nats://{auth}{host}:{s.port}" for s in servers)


@dataclass
class HubCluster:
    """Starts, stops and kills the hub's servers one by one; their data survives restarts."""

    data_dir: Path
    servers: list[HubServer]
    domain: str | None
    accounts: str
    leafnodes_block: Callable[[str], str] = plain_leafnodes
    """The `leafnodes {}` block of a server listening there (the federation's: TLS, reform_node.tls)."""
    routes_tls: Callable[[str], str] | None = None
    """What secures a server's routes, by its name (the federation's: FederationPki.hub_routes); None: plain."""
    processes: dict[int, ChildProcess] = field(default_factory=dict)

    def extra(self, server: HubServer) -> str:
        listen = f"127.0.0.1:{server.leaf_port}"
        tls = self.routes_tls(server.name) if self.routes_tls is not None else ""
        return self.leafnodes_block(listen) + cluster_block(server, self.servers, tls=tls) + self.accounts

    def start_server(self, index: int) -> None:
        server = self.servers[index]
        self.processes[index] = start_nats(self.data_dir / server.folder, server.port, server.http_port, server.name,
                                           domain=self.domain, extra=self.extra(server))

    def stop_server(self, index: int, kill: bool = False) -> None:
        child = self.processes.pop(index, None)
        if child is not None:
            child.kill() if kill else child.stop()

    def start(self, index: int | None = None) -> None:
        """Every server (then until there is a meta leader), or the one of `index`."""
        if index is not None:
            self.start_server(index)
            return
        for server in self.servers:
            self.start_server(server.index)
        self.wait_meta_leader()

    def stop_servers(self, index: int | None = None, kill: bool = False) -> None:
        for i in [index] if index is not None else list(self.processes):
            self.stop_server(i, kill)

    def restart(self) -> None:
        """Rolling: one server at a time, so the hub keeps a quorum (a new account needs a restart, nats-server
        #8560)."""
        for server in self.servers:
            self.stop_server(server.index)
            self.start_server(server.index)
            self.wait_meta_leader()

    def stop(self) -> None:
        for index in list(self.processes):
            self.stop_server(index)

    def wait_meta_leader(self, timeout: float = 60) -> None:
        """Until a running server reports a JetStream meta leader and every other running server as a current
        peer (before that, a stream of three replicas finds "no suitable peers for placement")."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index in self.processes:
                try:
                    jsz = httpx.get(f"http://127.0.0.1:{self.servers[index].http_port}/jsz", timeout=2).json()
                except (httpx.HTTPError, ValueError):
                    continue
                meta = jsz.get("meta_cluster") or {}
                peers = [p for p in meta.get("replicas") or [] if p.get("current")]
                if meta.get("leader") and len(peers) >= len(self.processes) - 1:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"the city hub has no JetStream meta leader after {timeout}s; see {self.data_dir}")

    def leafnodes(self) -> int:
        """Leafnode connections over every running server (a node's link lands on any one of them)."""
        total = 0
        for index in self.processes:
            try:
                leafz = httpx.get(f"http://127.0.0.1:{self.servers[index].http_port}/leafz", timeout=2).json()
                total += int(leafz["leafnodes"])
            except (httpx.HTTPError, KeyError, ValueError):
                continue
        return total
