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

import nats

from reform_node.node import SERVICES, CommuneNode, NodeConfig, wait_ready
from reform_node.servers import ChildProcess, free_port, start_mongo
from reform_node.tls import FederationPki, leaf_subject
from reform_shared.federation import (
    CITY_PREFIX,
    COMMUNE_PREFIX,
    FederatedNode,
    FederationConfig,
    hub_accounts,
)
from reform_shared.source_keeper import keep_city_sources, link_came_back, restart_stalled_sources

log = logging.getLogger("reform.federation")

CITY_NODE = "city"
READ_BOTH = [COMMUNE_PREFIX, CITY_PREFIX]


async def _quiet(exc: Exception) -> None:
    """A server that is down is what the keeper waits out: not an error worth a traceback."""
    log.debug("federation keeper: %r", exc)


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
            own_mongo=False, database_prefix="city",
        )
        city.nats_extra = (self.pki.hub_leafnodes(f"127.0.0.1:{self.leaf_port}")
                           + hub_accounts(cfg, city_password=passwords["city"], city_users=city.service_users(),
                                          leaf_users={n.node_id: leaf_subject(n.node_id) for n in cfg.nodes}))
        return city

    def node_config(self, node: FederatedNode) -> NodeConfig:
        p = self.node_ports[node.node_id]
        remote = self.pki.leaf_remote(node.node_id, f"127.0.0.1:{self.leaf_port}")
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
        for node in cfg.nodes:
            self.start_node(node)
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
        restarted: list[str] = []
        members = [(m, m.config.node_id) for m in list(self.nodes.values())]
        if self.city is not None:
            members.append((self.city, "city"))
        for member, name in members:
            config = member.config
            links = await asyncio.to_thread(member.leafnodes)
            if links > self._links.get(name, 0):
                link_came_back(name)  # a leafnode (re)connected: re-attach now, not after the spacing
            self._links[name] = links
            try:
                nc = await nats.connect(config.nats_url, allow_reconnect=False, connect_timeout=1,  # the operator
                                        error_cb=_quiet)
            except Exception:  # noqa: BLE001 - that node's server is down: nothing to re-attach there
                continue
            try:
                if name == "city":
                    restarted += await keep_city_sources(nc, self.federation())
                else:
                    restarted += [f"{name}:{s}" for s in await restart_stalled_sources(
                        nc.jetstream(timeout=5), config.stream_name, scope=name)]
            except Exception as exc:  # noqa: BLE001
                log.debug("federation keeper on %s: %s", name, exc)
            finally:
                await nc.close()
        if restarted:
            log.info("re-attached stalled sources: %s", ", ".join(restarted))
        return restarted

    def start_city(self) -> None:
        """The hub and its city streams (FED_ streams wait for their node: see `link`), then the services."""
        self.city = CommuneNode(self.city_config())
        self.city.start_nats()
        self.city.provision(linked=set())
        for service in SERVICES:
            self.city.start_service(service)

    def start_node(self, node: FederatedNode) -> CommuneNode:
        commune = CommuneNode(self.node_config(node))
        commune.start_infrastructure()
        for service in SERVICES:
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
        self._provision_city()

    def restart_hub(self) -> None:
        """The hub's nats-server stops and starts again: same config file (rewritten), same data."""
        self.stop_hub()
        self.start_hub()

    def stop_hub(self, kill: bool = False) -> None:
        assert self.city is not None and self.city.nats is not None
        if kill:
            self.city.nats.kill()
        else:
            self.city.nats.stop()

    def start_hub(self) -> None:
        assert self.city is not None
        self.city.start_nats()

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
        self._provision_city(linked=set(self.nodes))  # the new node's OUT_ stream; its FED_ once linked
        commune = self.start_node(node)
        self.link()
        for service, child in commune.services.items():
            wait_ready(commune.config.url(service), 90, child)
        return commune

    def _provision_city(self, linked: set[str] | None = None, attempts: int = 50) -> None:
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
        if self.mongo is not None:
            self.mongo.stop()
            self.mongo = None
