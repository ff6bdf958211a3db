"""The federation's leafnodes over TLS against real nats-servers: the hub requires a client certificate of the
city's CA and takes the node's identity from it (reform_node.tls); leaves verify the hub. Refused: a plaintext
leaf, a leaf with a certificate of another CA, a certificate of the city's CA that names no node; a leaf naming
another node's user still lands in its own certificate's account."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reform_node.federation import LocalFederation, Ports
from reform_node.node import CommuneNode
from reform_node.servers import ChildProcess, free_port, start_nats
from reform_node.tls import CertFiles, CertificateAuthority
from reform_shared.federation import FederatedNode, FederationConfig

pytestmark = pytest.mark.system

NODES = [FederatedNode(node_id="ninh-giang", communes=["ninh-giang"]),
         FederatedNode(node_id="an-lao", communes=["an-lao"])]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFederation]:
    fed = LocalFederation(tmp_path_factory.mktemp("fed-tls"), free_port(), free_port(), Ports.free())
    FederationConfig(nodes=NODES).save(fed.config_path)
    fed.node_ports = {n.node_id: Ports.free() for n in NODES}
    fed.city = CommuneNode(fed.city_config())
    fed.city.start_nats()
    for node in NODES:
        member = CommuneNode(fed.node_config(node))
        member.start_nats()
        fed.nodes[node.node_id] = member
    yield fed
    for member in [*fed.nodes.values(), fed.city]:
        member.stop()


def leafs(http_port: int) -> list[dict[str, Any]]:
    return list(httpx.get(f"http://127.0.0.1:{http_port}/leafz", timeout=2).json().get("leafs") or [])


def eventually(probe: Any, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.2)
    return probe()


def hub_accounts(fed: LocalFederation) -> list[str]:
    assert fed.city is not None
    return sorted(leaf["account"] for leaf in leafs(fed.city.config.nats_http_port))


def rogue(tmp: Path, remote: str) -> tuple[ChildProcess, int]:
    http = free_port()
    server = start_nats(tmp, free_port(), http, "rogue", domain="rogue",
                        extra=f'leafnodes {{ reconnect: "1s", remotes: [ {remote} ] }}\n')
    return server, http


def refused(fed: LocalFederation, tmp: Path, remote: str, reason: str) -> None:
    """The rogue server tries for a few seconds: it never holds a leafnode link, the hub logs why."""
    assert fed.city is not None
    log = fed.city.config.data_dir / "nats" / "nats-server.log"
    before = log.read_text()
    server, http = rogue(tmp, remote)
    try:
        assert eventually(lambda: reason in log.read_text()[len(before):], timeout=20)
        assert leafs(http) == []
        assert hub_accounts(fed) == ["AN_LAO", "NINH_GIANG"]
    finally:
        server.stop()


def test_the_nodes_link_over_tls_each_to_its_own_account(hub: LocalFederation) -> None:
    assert eventually(lambda: hub_accounts(hub) == ["AN_LAO", "NINH_GIANG"]), hub_accounts(hub)
    assert hub.city is not None
    varz = httpx.get(f"http://127.0.0.1:{hub.city.config.nats_http_port}/varz", timeout=2).json()["leaf"]
    assert varz["tls_required"] and varz["tls_verify"]


def test_a_plaintext_leaf_is_refused(hub: LocalFederation, tmp_path: Path) -> None:
    remote = f'{{ url: "nats-leaf://127.0.0.1:{hub.leaf_port}" }}'
    refused(hub, tmp_path, remote, "TLS leafnode handshake error")


def test_a_leaf_with_a_certificate_of_another_ca_is_refused(hub: LocalFederation, tmp_path: Path) -> None:
    other = CertificateAuthority(tmp_path / "other-ca", "Some other CA").issue(tmp_path / "cert", "leaf-an-lao",
                                                                               server=False)
    # It trusts the city's CA (so it would talk to the real hub) but offers a certificate the city never signed.
    files = CertFiles(other.cert, other.key, hub.pki.ca.cert_path)
    remote = f'{{ url: "tls://127.0.0.1:{hub.leaf_port}", {files.block()} }}'
    refused(hub, tmp_path / "srv", remote, "TLS leafnode handshake error")


def test_a_certificate_of_the_city_ca_that_names_no_node_is_refused(hub: LocalFederation, tmp_path: Path) -> None:
    stranger = hub.pki.ca.issue(tmp_path / "cert", "leaf-rogue", server=False)
    remote = f'{{ url: "tls://127.0.0.1:{hub.leaf_port}", {stranger.block()} }}'
    refused(hub, tmp_path / "srv", remote, "authentication error")


def test_a_leaf_naming_another_nodes_user_lands_in_its_own_account(hub: LocalFederation, tmp_path: Path) -> None:
    """an-lao's certificate with ninh-giang's user in the URL: the certificate decides (verify_and_map), so it is
    an-lao's account again, never ninh-giang's."""
    assert hub.city is not None
    own = hub.pki.leaf("an-lao")
    remote = f'{{ url: "tls://leaf-ninh-giang@127.0.0.1:{hub.leaf_port}", {own.block()} }}'
    server, http = rogue(tmp_path, remote)
    try:
        assert eventually(lambda: len(leafs(http)) == 1)
        assert eventually(lambda: hub_accounts(hub) == ["AN_LAO", "AN_LAO", "NINH_GIANG"]), hub_accounts(hub)
    finally:
        server.stop()


def test_the_city_keeps_its_ca_and_keys_private(hub: LocalFederation) -> None:
    pki = hub.pki.folder
    keys = [*pki.rglob("*-key.pem")]
    names = {"ca-key.pem", "city-hub-key.pem", "leaf-an-lao-key.pem", "leaf-ninh-giang-key.pem"}
    assert {k.name for k in keys} >= names
    assert all(stat.S_IMODE(k.stat().st_mode) == 0o600 for k in keys)
    assert all(stat.S_IMODE(k.parent.stat().st_mode) == 0o700 for k in keys)
    again = hub.pki.leaf("an-lao")  # reused, not made again
    assert again.cert.read_bytes() == hub.pki.leaf("an-lao").cert.read_bytes()
