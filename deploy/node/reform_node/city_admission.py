"""The standalone city (`reform-node city`) admits the nodes its officers register with join packages: its
keeper watches the city's `federation.json` (reform_node.joining.issue_package writes it) and, when it changed,
regenerates the hub's accounts and restarts the hub (a new account's imports are not wired by a reload,
nats-server #8560), provisions the node's OUT_ stream at once and its FED_ stream (the source of the node's
events) as soon as the node's leafnode is up — a source whose far end is not there yet backs off up to 2 min."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx

from reform_node.joining import HUB_FILE
from reform_shared.link_state import node_of

if TYPE_CHECKING:
    from reform_node.federation import LocalFederation


def write_hub_file(fed: LocalFederation) -> None:
    """Every hub server's leafnode address, for `reform-node join-package`."""
    path = fed.data_dir / "city" / HUB_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([f"127.0.0.1:{s.leaf_port}" for s in fed.hub_servers]) + "\n", encoding="utf-8")


def linked_nodes(fed: LocalFederation) -> set[str]:
    """The nodes with a leafnode at any hub server now (the hub's monitoring: the account of each leaf)."""
    found: set[str] = set()
    for server in fed.hub_servers:
        try:
            leafz = httpx.get(f"http://127.0.0.1:{server.http_port}/leafz", timeout=2).json()
        except (httpx.HTTPError, ValueError):
            continue
        found |= {node_of(str(leaf.get("account", ""))) for leaf in leafz.get("leafs") or []}
    return found


def admit_new(fed: LocalFederation) -> list[str]:
    """One round: the nodes registered since the last (restarting the hub for them), then FED_ streams of the
    nodes that linked. Returns the nodes admitted."""
    assert fed.city is not None
    wanted, running = fed.federation(), fed.city.config.federation
    admitted: list[str] = []
    if running is None or wanted.model_dump() != running.model_dump():
        known = {n.node_id for n in running.nodes} if running else set()
        admitted = [n.node_id for n in wanted.nodes if n.node_id not in known]
        fed.city.config = fed.city_config()
        fed.restart_hub()
        fed.provision_city(linked=set(fed.fed_ready))
    linked = linked_nodes(fed) & {n.node_id for n in wanted.nodes}
    if linked - fed.fed_ready:
        fed.provision_city(linked=fed.fed_ready | linked)
        fed.fed_ready |= linked
    return admitted
