"""How many copies of a stream the node's NATS keeps, and the list of servers a client connects to.

A single nats-server (every commune node, the embedded default) can only hold one replica; the city hub as a
JetStream cluster of three (reform_node.hub_cluster, deploy/nats/city.conf) keeps three, so losing one server
loses no acknowledged event: JetStream acknowledges a write once a quorum (two of three) has stored it.
"""

from __future__ import annotations

from typing import Any

CLUSTER_REPLICAS = 3
"""Replicas of every stream and bucket on a JetStream cluster: a quorum survives the loss of any one server
(more servers than three add capacity, not safety, to a stream)."""


def servers_of(url: str) -> list[str]:
    """REFORM_NATS_URL may list several servers, comma-separated (a cluster): nats-py takes the list."""
    return [part.strip() for part in url.split(",") if part.strip()]


def replicas_of(server_info: dict[str, Any], wanted: int = 0) -> int:
    """`wanted` when set (REFORM_STREAM_REPLICAS), else 3 when the server the client reached is routed to
    others (its INFO advertises their client URLs beside its own), 1 on a single server. INFO's `cluster`
    does not tell: a server with a leafnode remote names a cluster of one. Production sets the variable (a
    server started with `no_advertise`, or asked before its routes are up, advertises no peers)."""
    if wanted > 0:
        return wanted
    return CLUSTER_REPLICAS if len(server_info.get("connect_urls") or []) > 1 else 1


def connected_replicas(client: Any, wanted: int = 0) -> int:
    """The replicas for the server a nats-py client is connected to (its last INFO: nats-py keeps it as
    `_server_info`, the only place it exposes what the server said of itself)."""
    return replicas_of(dict(getattr(client, "_server_info", None) or {}), wanted)
