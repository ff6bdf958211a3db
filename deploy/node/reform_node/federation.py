"""A local federation as processes: the city node (hub NATS with JetStream domain `city` and a
leafnode port, the four services in city mode) and commune nodes (their own NATS with their own
JetStream domain and a leafnode remote to the hub, the four services in commune mode).

The same topology as deploy/ and docker-compose (deploy/README.md), on one machine: every node has
its own nats-server and its own databases; here they share one SecantusDB server (one database per
node and service) to spare a laptop's memory — in production each node has its own MongoDB.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from reform_node.city_admission import admit_new, write_hub_file
from reform_node.federation_keeper import Member, keep_members
from reform_node.hub_cluster import HubCluster, HubServer, hub_servers
from reform_node.node import SERVICES, CommuneNode, NodeConfig, wait_ready
from reform_node.servers import ChildProcess, free_port, start_mongo
from reform_node.tls import FederationPki, leaf_subject
from reform_shared.federation import (
    CITY_PREFIX,
    COMMUNE_PREFIX,
    FederatedNode,
    FederationConfig,
)
from reform_shared.hub_config import hub_accounts

log = logging.getLogger("reform.federation")

CITY_NODE = "city"
READ_BOTH = [COMMUNE_PREFIX, CITY_PREFIX]


@dataclass
class Ports:
    nats: int
    nats_http: int
    services: dict[str, int]

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), {s: free_port() for s in SERVICES})

    @classmethod
    def numbered(cls, index: int) -> Ports:
        """Fixed ports for the demo: node i uses 42x2, 82x2 and 81i1–81i4 (the city: index 9)."""
        return cls(4222 + 10 * index, 8222 + 10 * index, {s: 8101 + 10 * index + k for k, s in enumerate(SERVICES)})

    def moved(self, offset: int) -> Ports:
        """The same ports moved by `offset` (`reform-node federation --port-offset`): beside something else."""
        return Ports(self.nats + offset, self.nats_http + offset, {s: p + offset for s, p in self.services.items()})


@dataclass
class LocalFederation:
    data_dir: Path
    mongo_port: int
    leaf_port: int
    city_ports: Ports
    node_ports: dict[str, Ports] = field(default_factory=dict)
    environment: str = "development"
    city: CommuneNode | None = None
    nodes: dict[str, CommuneNode] = field(default_factory=dict)
    mongo: ChildProcess | None = None
    keep_interval: float = 2.0
    _keeper: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    restarted_sources: list[str] = field(default_factory=list)
    _links: dict[str, int] = field(default_factory=dict)
    hub_size: int = 1
    """Servers of the city hub: 1, or a JetStream cluster (reform_node.hub_cluster; 3 in `reform-node federation`)."""
    hub_ports: list[HubServer] = field(default_factory=list)
    hub: HubCluster | None = None
    services: list[str] = field(default_factory=lambda: list(SERVICES))
    """The services every node runs (all of them; a test may run fewer)."""
    city_only: bool = False
    """The city alone (`reform-node city`): its nodes run elsewhere and join with packages (city_admission)."""
    fed_ready: set[str] = field(default_factory=set)  # nodes whose FED_ stream (their events' source) exists

    @property
    def hub_servers(self) -> list[HubServer]:
        """The hub's servers, fixed once (the first on `city_ports` and `leaf_port`, the others on free ports)."""
        if not self.hub_ports:
            p = self.city_ports
            self.hub_ports = hub_servers(self.hub_size, p.nats, p.nats_http, self.leaf_port)
        return self.hub_ports

    # -- configuration kept in the city's data folder ----------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.data_dir / "city" / "federation.json"

    def federation(self) -> FederationConfig:
        return FederationConfig.load(self.config_path) if self.config_path.exists() else FederationConfig()

    @property
    def pki(self) -> FederationPki:
        """The city's CA and the federation's certificates (reform_node.tls), made at first start."""
        return FederationPki(self.data_dir / "city" / "pki")

    def _secrets(self) -> dict[str, str]:
        """The city operator's password (the leafnodes sign in with their certificates)."""
        path = self.data_dir / "city" / "nats-passwords.json"
        known: dict[str, str] = dict(json.loads(path.read_text())) if path.exists() else {}
        names = ["city"]
        if any(name not in known for name in names):
            for name in names:
                known.setdefault(name, secrets.token_urlsafe(24))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(known, indent=2))
            path.chmod(0o600)
        return known

    def city_config(self) -> NodeConfig:
        p = self.city_ports
        cfg, passwords = self.federation(), self._secrets()
        city = NodeConfig(
            data_dir=self.data_dir / "city", node_id="city-hub", nats_port=p.nats, nats_http_port=p.nats_http,
            mongo_port=self.mongo_port, service_ports=dict(p.services), environment=self.environment,
            role="city", domain="city", nats_user="city", nats_password=passwords["city"],
            stream_name=cfg.city_stream, subject_prefix=CITY_PREFIX, read_prefixes=READ_BOTH, federation=cfg,
            own_mongo=False, database_prefix="city", more_nats_ports=[s.port for s in self.hub_servers[1:]],
            monitor_urls=[f"http://127.0.0.1:{s.http_port}" for s in self.hub_servers],
        )
        single = len(self.hub_servers) == 1  # a cluster's servers each get their leafnode port (HubCluster.extra)
        city.nats_extra = ((self.pki.hub_leafnodes(f"127.0.0.1:{self.leaf_port}") if single else "")
                           + hub_accounts(cfg, city_password=passwords["city"], city_users=city.service_users(),
                                          leaf_users={n.node_id: leaf_subject(n.node_id) for n in cfg.nodes}))
        return city

    def node_config(self, node: FederatedNode) -> NodeConfig:
        p = self.node_ports[node.node_id]
        remote = self.pki.leaf_remote(node.node_id, [f"127.0.0.1:{s.leaf_port}" for s in self.hub_servers])
        return NodeConfig(
            data_dir=self.data_dir / node.node_id, node_id=node.node_id, nats_port=p.nats, nats_http_port=p.nats_http,
            mongo_port=self.mongo_port, service_ports=dict(p.services), environment=self.environment,
            role="commune", domain=node.node_id, nats_extra=remote, stream_name=self.federation().node_stream,
            subject_prefix=COMMUNE_PREFIX, read_prefixes=READ_BOTH, own_mongo=False,
            database_prefix=node.node_id.replace("-", "_"),
        )

    # -- life cycle ---------------------------------------------------------------------------------
    def start(self, nodes: list[FederatedNode], ports: dict[str, Ports] | None = None) -> None:
        """Start the database, the city node, then every commune node (already known ones and `nodes`)."""
        cfg = self.federation()
        for node in nodes:
            cfg = cfg.with_node(node)
        cfg.save(self.config_path)
        for node in cfg.nodes:
            self.node_ports.setdefault(node.node_id, (ports or {}).get(node.node_id) or Ports.free())
        self.mongo = start_mongo(self.data_dir / "mongo", self.mongo_port)
        self.start_city()
        write_hub_file(self)
        for node in [] if self.city_only else cfg.nodes:
            self.start_node(node)
        if not self.city_only:
            self.link()
        self.wait_ready()
        self.start_keeper()

    # -- keeping the links' sources attached ---------------------------------------------------------
    def start_keeper(self) -> None:
        """A thread that re-attaches stalled JetStream sources every `keep_interval` seconds, so a
        partition heals in seconds rather than after nats-server's backoff (up to 2 min)."""
        self._stopping.clear()
        self._keeper = threading.Thread(target=lambda: asyncio.run(self._keep()), name="federation-keeper",
                                        daemon=True)
        self._keeper.start()

    async def _keep(self) -> None:
        while not self._stopping.is_set():
            try:
                self.restarted_sources += await self.keep_once()
            except Exception as exc:  # noqa: BLE001 - a server being down is what this waits out
                log.debug("federation keeper: %s", exc)
            await asyncio.sleep(self.keep_interval)

    async def keep_once(self) -> list[str]:
        if self.city_only:
            await asyncio.to_thread(admit_new, self)
        members: list[Member] = [(m, m.config.node_id, m.leafnodes) for m in list(self.nodes.values())]
        if self.city is not None:
            members.append((self.city, "city", self.hub.leafnodes if self.hub else self.city.leafnodes))
        return await keep_members(members, self._links, self.federation())

    def start_city(self) -> None:
        """The hub and its city streams (FED_ streams wait for their node: see `link`), then the services."""
        self.city = CommuneNode(self.city_config())
        self.start_hub()
        self.city.provision(linked=set())
        for service in self.services:
            self.city.start_service(service)

    def start_node(self, node: FederatedNode) -> CommuneNode:
        commune = CommuneNode(self.node_config(node))
        commune.start_infrastructure()
        for service in self.services:
            commune.start_service(service)
        self.nodes[node.node_id] = commune
        return commune

    def link(self, timeout: float = 30) -> None:
        """Once every node's leafnode is up, the city sources each node's events (FED_ streams)."""
        deadline = time.monotonic() + timeout
        for node_id, commune in self.nodes.items():
            while commune.leafnodes() < 1:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"node {node_id}: no leafnode connection to the city hub")
                time.sleep(0.1)
        self.provision_city()
        self.fed_ready |= {n.node_id for n in self.federation().nodes}

    def restart_hub(self) -> None:
        """The hub's nats-server stops and starts again: same config file (rewritten), same data; a cluster's
        servers one at a time (the hub stays up)."""
        if self.hub is not None and self.city is not None:
            self.hub.accounts = self.city.config.nats_extra
            self.hub.restart()
        else:
            self.stop_hub()
            self.start_hub()

    def stop_hub(self, kill: bool = False, server: int | None = None) -> None:
        """The hub's nats-server stops (killed: SIGKILL); of a cluster, `server` (0, 1, 2) or every one."""
        assert self.city is not None
        child = self.city.nats
        if self.hub is not None:
            self.hub.stop_servers(server, kill)
        elif child is not None:
            child.kill() if kill else child.stop()

    def start_hub(self, server: int | None = None) -> None:
        assert self.city is not None
        if len(self.hub_servers) == 1:
            self.city.start_nats()
            return
        self.hub = self.hub or HubCluster(self.data_dir / "city", self.hub_servers, "city", self.city.config.nats_extra,
                                          leafnodes_block=self.pki.hub_leafnodes, routes_tls=self.pki.hub_routes)
        self.hub.start(server)

    def wait_ready(self, timeout: float = 90) -> None:
        for member in [self.city, *self.nodes.values()]:
            assert member is not None
            for service, child in member.services.items():
                wait_ready(member.config.url(service), timeout, child)

    def add_node(self, node: FederatedNode, ports: Ports | None = None) -> CommuneNode:
        """A commune joins while everything runs: the hub reloads its accounts, the city provisions
        the node's streams and a source, then the node starts. Nothing is restarted."""
        cfg = self.federation().with_node(node)
        cfg.save(self.config_path)
        self.node_ports[node.node_id] = ports or Ports.free()
        assert self.city is not None
        self.city.config = self.city_config()
        # A config reload would do for a changed account, but a *new* account's imports are not wired
        # by a reload (nats-server #8560, open): the hub's nats-server restarts instead, in about a
        # second. The city's services keep running and reconnect; the commune nodes keep working
        # and their leafnodes reconnect; JetStream sources resume where they stopped.
        self.restart_hub()
        self.provision_city(linked=set(self.nodes))  # the new node's OUT_ stream; its FED_ once linked
        commune = self.start_node(node)
        self.link()
        for service, child in commune.services.items():
            wait_ready(commune.config.url(service), 90, child)
        return commune

    def provision_city(self, linked: set[str] | None = None, attempts: int = 50) -> None:
        assert self.city is not None
        for attempt in range(attempts):
            try:
                self.city.provision(linked)
                return
            except Exception:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        self._stopping.set()
        if self._keeper is not None:
            self._keeper.join(timeout=10)
            self._keeper = None
        for member in [*self.nodes.values(), self.city]:
            if member is not None:
                member.stop()
        self.nodes.clear()
        self.city = None
        if self.hub is not None:
            self.hub.stop()
            self.hub = None
        if self.mongo is not None:
            self.mongo.stop()
            self.mongo = None
