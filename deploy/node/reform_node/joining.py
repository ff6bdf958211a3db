"""Joining the city with a join package (issue 22): the city issues it, the commune's administrator applies it.

City side (`reform-node join-package`, against the city's data folder): the node and its communes go into the
city's federation (`federation.json`, which the running city's keeper watches: it restarts the hub with the new
account and provisions the node's streams — reform_node.federation), the city's CA issues the node's leaf
certificate, and ONE file is written (0600): reform_shared.join_package.JoinPackage.

Commune side (`reform-node join`, or the portal's form): the package is checked and kept in `<data>/federation`;
the node's launcher sees a new package and restarts the node's nats-server and services as a federated commune
node — a restart, not a reload: the package gives the server a JetStream domain (the hub reaches the node's
stream as `$JS.<node>.API`), which nats-server does not take on a reload, and the services' role and subjects
change with it (their settings are read at start). The portal keeps running.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import replace
from pathlib import Path

from reform_node.node import NodeConfig
from reform_node.onboarding import COMMUNES_FILE
from reform_node.tls import FederationPki
from reform_shared.federation import CITY_PREFIX, COMMUNE_PREFIX, FederatedNode, FederationConfig
from reform_shared.join_package import JoinPackage, applied_package, fingerprint_of

HUB_FILE = "hub.json"
"""In the city's data folder: every hub server's leafnode address, written by the running city."""
FEDERATION_FOLDER = "federation"


def federation_folder(data_dir: Path) -> Path:
    return data_dir / FEDERATION_FOLDER


def communes_file(data_dir: Path) -> Path:
    return data_dir / COMMUNES_FILE


def hub_addresses(city_dir: Path) -> list[str]:
    path = city_dir / HUB_FILE
    return list(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else []


def issue_package(city_dir: Path, node: FederatedNode, hub_urls: list[str], output: Path,
                  now: dt.datetime | None = None) -> JoinPackage:
    """Register `node` in the city's federation and write its join package to `output` (0600)."""
    from cryptography import x509

    config_path = city_dir / "federation.json"
    cfg = FederationConfig.load(config_path) if config_path.exists() else FederationConfig()
    taken = {c: n.node_id for n in cfg.nodes for c in n.communes if n.node_id != node.node_id}
    clash = [c for c in node.communes if c in taken]
    if clash:
        raise ValueError(f"xã {', '.join(clash)} đã thuộc nút {taken[clash[0]]} (already hosted by another node)")
    cfg.with_node(node).save(config_path)
    files = FederationPki(city_dir / "pki").leaf(node.node_id)
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    package = JoinPackage(node=node, city_domain=cfg.city_domain, city_stream=cfg.city_stream,
                          node_stream=cfg.node_stream, hub_urls=hub_urls, ca_pem=files.ca.read_text(),
                          leaf_cert_pem=files.cert.read_text(), leaf_key_pem=files.key.read_text(),
                          fingerprint=fingerprint_of(cert), expires=cert.not_valid_after_utc,
                          issued_at=now or dt.datetime.now(dt.UTC))
    output.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(package.model_dump_json(indent=2))
    output.chmod(0o600)
    return package


def joined_config(config: NodeConfig) -> NodeConfig:
    """The node's configuration with the package it holds: a federated commune node; as it was without one."""
    package = applied_package(federation_folder(config.data_dir))
    if package is None:
        return config
    folder = federation_folder(config.data_dir).resolve()
    return replace(config, role="commune", node_id=package.node.node_id, domain=package.node.node_id,
                   nats_extra=package.leaf_remote(folder), stream_name=package.node_stream,
                   subject_prefix=COMMUNE_PREFIX, read_prefixes=[COMMUNE_PREFIX, CITY_PREFIX])


def running_fingerprint(config: NodeConfig) -> str | None:
    package = applied_package(federation_folder(config.data_dir))
    return package.fingerprint if package else None
