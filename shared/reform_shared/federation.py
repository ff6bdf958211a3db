"""Federation of commune nodes and the city node over NATS leafnodes and JetStream sources.

    commune node N (JetStream domain N)                     city hub (JetStream domain `city`)
    ┌──────────────────────────────┐   leafnode, bound to   ┌──────────────────────────────────────────────┐
    │ REFORM_EVENTS  reform.>      │ ── hub account <N> ──▶ │ account <N>:  FED_<N>  ◀─ REFORM_EVENTS of N │
    │   + source OUT_<N>           │                        │               (filter reform.<c>.> per commune│
    │     ($JS.city.API)           │ ◀───────────────────── │                the node hosts)               │
    └──────────────────────────────┘                        │               OUT_<N>  ◀─ CITY_EVENTS         │
                                                            │               (filter city.<c>.> per commune) │
                                                            │ account CITY: CITY_EVENTS  city.>             │
                                                            │               + source FED_<every node>       │
                                                            └──────────────────────────────────────────────┘

Why this shape (tried against real servers, ARCHITECTURE.md "Federation"):
- One hub account per node. The leafnode of node N is bound to account <N>, which holds only N's
  copy of its events (FED_<N>) and the city's decisions about N's communes (OUT_<N>): a node can
  neither read nor write anything of another node, whatever it sends (accounts are the boundary;
  the leaf user's permissions and connection type close the rest).
- The city account reaches each node account through imports: the JetStream API of account <N>
  as `$JS.acct-<N>.API` (the city provisions FED_/OUT_ there and sources FED_<N>), and account <N>
  may create consumers on CITY_EVENTS only with its own communes' filters: the export names the
  filter in the subject (`$JS.API.CONSUMER.CREATE.CITY_EVENTS.*.city.<c>.>`, nats-server 2.10+),
  so OUT_<N> can read `city.<c>.>` and nothing else.
- Sources filter by commune: an event a node writes under another commune's subject never leaves
  the node (FED_<N> takes `reform.<own commune>.>` only). Projections also park an event whose body
  names another commune than its subject (reform_shared.projection).
- Store and forward: while the hub or the link is down, each side keeps appending to its own stream;
  sources resume from their last position when the link returns (tests/test_federation.py).
- Communes join without a restart: the hub reloads its accounts (SIGHUP) and `provision_city`
  adds the node's streams and a source to CITY_EVENTS.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from nats.aio.client import Client as NatsClient
from nats.js.api import DiscardPolicy, ExternalStream, RetentionPolicy, StorageType, StreamConfig, StreamSource
from pydantic import BaseModel, Field, field_validator

from reform_shared.provisioning import (
    account_of,
    ensure_attachments_bucket,
    ensure_bucket,
    ensure_consumer,
    ensure_stream,
    event_stream_config,
    notifications_consumer_config,
    with_replicas,
)
from reform_shared.settings import Settings

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
COMMUNE_PREFIX = "reform"
"""Subjects a commune node writes: reform.<commune>.<aggregate>.<id>.<EventType>."""
CITY_PREFIX = "city"
"""Subjects the city node writes: city.<commune concerned>.<aggregate>.<id>.<EventType>."""
CITY_DATA = ("awardrules", "catalogue")
"""The city's own data every commune node receives, written under the pseudo-commune `city` (no commune may
be named so): city.city.<aggregate>.>. The award rules (AwardRulesSet) judge every commune's proposals."""
FILES = "-files"
"""The catalogue's documents travel under `<prefix>-files.<commune>.catalogfile.>` (Settings.files_prefix): each node's
recognised initiatives' files to the city (`reform-files.<c>.>` in FED_), the city's checked copies to every node
(`city-files.city.>` in OUT_), outside the subjects every consumer of events reads."""


def city_filters(node: FederatedNode) -> list[str]:
    """What of CITY_EVENTS flows back to a node: the city's decisions about its communes, the city's data and the
    catalogue's documents the city checked."""
    return [f"{CITY_PREFIX}.{c}.>" for c in node.communes] + [f"{CITY_PREFIX}.{CITY_PREFIX}.{a}.>" for a in CITY_DATA] \
        + [f"{CITY_PREFIX}{FILES}.{CITY_PREFIX}.>"]


class FederatedNode(BaseModel):
    """A commune node: its JetStream domain and the communes it hosts (usually one)."""

    node_id: str = Field(description="JetStream domain and hub account of the node, e.g. ninh-giang")
    communes: list[str] = Field(min_length=1)

    @field_validator("node_id")
    @classmethod
    def _node_id(cls, value: str) -> str:
        if not NAME.match(value) or value in (CITY_PREFIX, "city-hub"):
            raise ValueError(f"node_id {value!r}: lowercase letters, digits and '-', not 'city'")
        return value

    @field_validator("communes")
    @classmethod
    def _communes(cls, value: list[str]) -> list[str]:
        for commune in value:
            if not NAME.match(commune) or commune == CITY_PREFIX:
                raise ValueError(f"commune {commune!r}: lowercase letters, digits and '-', not 'city'")
        if len(set(value)) != len(value):
            raise ValueError("a commune is listed twice")
        return value

    @property
    def account(self) -> str:
        return account_of(self.node_id)

    @property
    def fed_stream(self) -> str:
        return f"FED_{self.account}"

    @property
    def out_stream(self) -> str:
        return f"OUT_{self.account}"

    @property
    def api_import(self) -> str:
        """The prefix under which the city account reaches this node account's JetStream API."""
        return f"$JS.acct-{self.node_id}.API"


class FederationConfig(BaseModel):
    """What the city hub knows: its domain, stream names and the commune nodes it federates."""

    city_domain: str = CITY_PREFIX
    city_stream: str = "CITY_EVENTS"
    node_stream: str = "REFORM_EVENTS"
    nodes: list[FederatedNode] = []

    @field_validator("nodes")
    @classmethod
    def _unique(cls, value: list[FederatedNode]) -> list[FederatedNode]:
        ids = [node.node_id for node in value]
        communes = [c for node in value for c in node.communes]
        if len(set(ids)) != len(ids):
            raise ValueError("a node is listed twice")
        if len(set(communes)) != len(communes):
            raise ValueError("a commune is hosted by two nodes")
        return value

    @classmethod
    def load(cls, path: Path) -> FederationConfig:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.model_dump(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def node(self, node_id: str) -> FederatedNode:
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        raise KeyError(node_id)

    def with_node(self, node: FederatedNode) -> FederationConfig:
        others = [n for n in self.nodes if n.node_id != node.node_id]
        return self.model_copy(update={"nodes": [*others, node]})


# -- streams ------------------------------------------------------------------------------------------
def _source_only(name: str, description: str, sources: list[StreamSource], replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=name, description=description, subjects=[], sources=sources, retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE, discard=DiscardPolicy.OLD, max_msgs=-1, max_bytes=-1, max_age=0,
        duplicate_window=120.0, deny_delete=True, deny_purge=True, num_replicas=replicas,
    )


def fed_stream_config(cfg: FederationConfig, node: FederatedNode, replicas: int = 1) -> StreamConfig:
    """FED_<N>, in the node's hub account: the node's own communes' events and catalogue files, through its domain."""
    return _source_only(node.fed_stream, f"events of node {node.node_id} ({', '.join(node.communes)})", [
        StreamSource(name=cfg.node_stream, filter_subject=f"{prefix}.{c}.>",
                     external=ExternalStream(api=f"$JS.{node.node_id}.API"))
        for prefix in (COMMUNE_PREFIX, COMMUNE_PREFIX + FILES) for c in node.communes
    ], replicas)


def out_stream_config(cfg: FederationConfig, node: FederatedNode, replicas: int = 1) -> StreamConfig:
    """OUT_<N>, in the node's hub account: the city's decisions about the node's communes and its data."""
    return _source_only(node.out_stream, f"city decisions for node {node.node_id}", [
        StreamSource(name=cfg.city_stream, filter_subject=f,
                     external=ExternalStream(api=f"$JS.cityev-{node.node_id}.API",
                                             deliver=f"deliver.out.{node.node_id}"))
        for f in city_filters(node)
    ], replicas)


def city_sources(cfg: FederationConfig) -> list[StreamSource]:
    return [
        StreamSource(name=node.fed_stream,
                     external=ExternalStream(api=node.api_import, deliver=f"deliver.fed.{node.node_id}"))
        for node in cfg.nodes
    ]


async def provision_city(nc: NatsClient, cfg: FederationConfig, settings: Settings,
                         linked: set[str] | None = None) -> bool:
    """Idempotent: the city stream with a source per node, and each node account's FED_/OUT_ streams.
    Run at city start and after adding a node (no restart of anything). True if anything changed.

    FED_<N> is created only for the nodes in `linked` (default: every node): a source whose far end
    is not there yet fails and nats-server then backs off (10 s, 20 s, ... up to 2 min) before it
    tries again, so a new node's FED_ stream is best created once its leafnode is up."""
    js = nc.jetstream(timeout=10)
    settings = with_replicas(js, settings)  # three replicas of everything on the hub's cluster
    replicas = settings.stream_replicas
    # The city stream's own subjects and its sources in one alignment (aligning without the sources
    # first would detach and re-attach every source).
    city = event_stream_config(settings)
    city.sources = city_sources(cfg) or None
    states = [await ensure_stream(js, city)]
    changed = await ensure_bucket(js, settings)
    changed = await ensure_attachments_bucket(js, settings) or changed  # the city's own submission service
    changed = await ensure_consumer(js, settings.stream_name, notifications_consumer_config(settings)) or changed
    for node in cfg.nodes:
        node_js = nc.jetstream(prefix=node.api_import, timeout=10)
        states.append(await ensure_stream(node_js, out_stream_config(cfg, node, replicas)))
        if linked is None or node.node_id in linked:
            states.append(await ensure_stream(node_js, fed_stream_config(cfg, node, replicas)))
    return changed or any(state != "unchanged" for state in states)
