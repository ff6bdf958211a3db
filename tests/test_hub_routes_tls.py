"""The city hub's routes over mutual TLS, against real nats-servers (reform_node.hub_cluster, reform_node.tls).

The three servers of the local hub form their JetStream cluster over routes that require and verify a route
certificate of the city's CA, and replicate a stream of three replicas over them. A fourth server that dials the
hub's route ports with no TLS, with a certificate of another CA, or with a certificate of the city's CA that is
not a route's (a commune node's leaf certificate: `verify` alone would let it in, the route user keeps it out)
is refused: the hub's log says why, no hub server lists it among its routes, and the stream keeps its three
peers, every message on each of them. Another CA's certificate offered anyway (nats-server itself offers none
the hub did not ask for) fails the hub's verification.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from nats.js.api import StreamConfig
from support import eventually

from reform_node.hub_cluster import CLUSTER_NAME, HubCluster, hub_servers
from reform_node.servers import ChildProcess, free_port, start_nats
from reform_node.tls import ROUTE_USER, CertFiles, CertificateAuthority, FederationPki, route_block
from reform_shared.replicas import servers_of

pytestmark = pytest.mark.system

STREAM, EVENTS = "CITY_EVENTS", 20


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubCluster]:
    base = tmp_path_factory.mktemp("hub-routes")
    pki = FederationPki(base / "pki")
    cluster = HubCluster(base / "city", hub_servers(3, free_port(), free_port(), free_port()), "city", "",
                         leafnodes_block=pki.hub_leafnodes, routes_tls=pki.hub_routes)
    try:
        cluster.start()
        asyncio.run(fill_stream(cluster))
        yield cluster
    finally:
        cluster.stop()


def pki_of(hub: HubCluster) -> FederationPki:
    return FederationPki(hub.data_dir.parent / "pki")


def url(hub: HubCluster) -> str:
    return ",".join(f"nats://127.0.0.1:{s.port}" for s in hub.servers)


async def fill_stream(hub: HubCluster) -> None:
    """A stream of three replicas and EVENTS acknowledged messages (each ack: on two servers' disks)."""
    nc = await nats.connect(servers_of(url(hub)))
    try:
        js = nc.jetstream(timeout=10)
        await js.add_stream(StreamConfig(name=STREAM, subjects=["city.>"], num_replicas=3))
        for i in range(EVENTS):
            await js.publish(f"city.ninh-giang.event.{i}", b"{}")
    finally:
        await nc.close()


def monitor(http_port: int, endpoint: str, **params: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"http://127.0.0.1:{http_port}/{endpoint}", params=params, timeout=5).json()
    return answer


def route_names(http_port: int) -> set[str]:
    """The servers this one holds a route with (each pooled connection of a pair names the same server)."""
    return {route.get("remote_name", "") for route in monitor(http_port, "routez").get("routes") or []}


def local_stream(http_port: int) -> dict[str, Any]:
    """This server's replica of the stream, as its monitoring reports it (its own disk's state)."""
    jsz = monitor(http_port, "jsz", streams="true", accounts="true")
    for account in jsz.get("account_details") or []:
        for stream in account.get("stream_detail") or []:
            if stream["name"] == STREAM:
                return dict(stream)
    return {}


def peers(hub: HubCluster) -> set[str]:
    """The stream's leader and replicas, as its leader reports them."""
    for server in hub.servers:
        cluster = local_stream(server.http_port).get("cluster") or {}
        if cluster.get("leader") == server.name:
            return {server.name, *(r["name"] for r in cluster.get("replicas") or [])}
    return set()


def meta_peers(hub: HubCluster) -> set[str]:
    """The JetStream cluster's servers, as its meta leader reports them."""
    for server in hub.servers:
        meta = monitor(server.http_port, "jsz").get("meta_cluster") or {}
        if meta.get("leader") == server.name:
            return {server.name, *(r["name"] for r in meta.get("replicas") or [])}
    return set()


def names(hub: HubCluster) -> set[str]:
    return {s.name for s in hub.servers}


def test_the_hub_servers_route_to_each_other_over_verified_tls(hub: HubCluster) -> None:
    for server in hub.servers:
        cluster = monitor(server.http_port, "varz")["cluster"]
        assert cluster["tls_required"] and cluster["tls_verify"], (server.name, cluster)
        assert cluster["tls_timeout"] == 5, (server.name, cluster)
        others = names(hub) - {server.name}
        assert eventually(lambda s=server: route_names(s.http_port), lambda got, o=others: got == o) == others


def test_the_stream_replicates_over_the_tls_routes(hub: HubCluster) -> None:
    assert eventually(lambda: peers(hub), lambda got: got == names(hub)) == names(hub)
    for server in hub.servers:  # each server's own copy holds every acknowledged message
        state = eventually(lambda s=server: local_stream(s.http_port).get("state") or {},
                           lambda got: got.get("messages") == EVENTS)
        assert state["last_seq"] == EVENTS, server.name


def test_each_hub_server_has_its_own_route_certificate_of_the_route_user(hub: HubCluster) -> None:
    pki = pki_of(hub)
    keys = set()
    for server in hub.servers:
        files = pki.route(server.name)
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        assert cert.subject.rfc4514_string() == ROUTE_USER
        usages = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        assert usages == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "127.0.0.1" in {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)}
        assert oct(files.key.stat().st_mode & 0o777) == "0o600"
        keys.add(cert.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo))
    assert len(keys) == len(hub.servers), "each server has a key of its own"


# -- a server that is not the city's ------------------------------------------------------------------------
def rogue_cluster(hub: HubCluster, tls: str) -> str:
    """A `cluster {}` block of the hub's name with routes to every hub server: what a server wanting in writes."""
    routes = ", ".join(f'"nats-route://127.0.0.1:{s.cluster_port}"' for s in hub.servers)
    return (f'cluster {{\n  name: "{CLUSTER_NAME}"\n  listen: "127.0.0.1:{free_port()}"\n'
            f"  routes: [ {routes} ]\n{tls}}}\n")


def other_ca_route(tmp: Path, hub: HubCluster) -> str:
    """A route certificate of the right subject and usages from another CA, trusting the city's (so it would
    talk to the real hub)."""
    other = CertificateAuthority(tmp / "other-ca", "Some other CA")
    files = other.issue(tmp / "other", "city-hub-route", server=True, client=True)
    return route_block(CertFiles(files.cert, files.key, pki_of(hub).ca.cert_path))


def leaf_route(tmp: Path, hub: HubCluster) -> str:
    """A commune node's leaf certificate, signed by the city's CA: a client certificate of the right CA."""
    return route_block(pki_of(hub).leaf("ninh-giang"))


ROGUES = {
    "no TLS": (lambda tmp, hub: "", "TLS route handshake error: tls: first record does not look like a TLS"),
    # nats-server's TLS client offers only a certificate of a CA the hub asks for (the city's): none at all here
    "a certificate of another CA": (other_ca_route, "TLS route handshake error: tls: client didn't provide a cert"),
    "a leaf certificate of the city's CA": (leaf_route, "authentication error"),
}


@pytest.mark.parametrize("rogue", ROGUES.values(), ids=ROGUES.keys())
def test_a_server_without_a_route_certificate_of_the_city_is_refused(hub: HubCluster, tmp_path: Path,
                                                                     rogue: Any) -> None:
    tls_of, reason = rogue
    logs = [hub.data_dir / s.folder / "nats-server.log" for s in hub.servers]
    before = [log.read_text() for log in logs]
    http = free_port()
    server: ChildProcess = start_nats(tmp_path / "rogue", free_port(), http, "rogue", domain="city",
                                      extra=rogue_cluster(hub, tls_of(tmp_path, hub)))
    try:
        # every hub server it dials refuses it, saying why
        eventually(lambda: [log.read_text()[len(b):] for log, b in zip(logs, before, strict=True)],
                   lambda news: all(reason in new for new in news), timeout=30)
        assert monitor(http, "routez").get("num_routes") == 0
        for member in hub.servers:
            assert "rogue" not in route_names(member.http_port), member.name
        assert meta_peers(hub) == names(hub)
        assert peers(hub) == names(hub)
        for member in hub.servers:
            assert (local_stream(member.http_port).get("state") or {}).get("messages") == EVENTS, member.name
    finally:
        server.stop()


def test_a_certificate_of_another_ca_offered_anyway_fails_verification(hub: HubCluster, tmp_path: Path) -> None:
    """A client that sends another CA's certificate regardless (Python's ssl does): the hub verifies it against
    the city's CA and closes the connection in the handshake, before a word of the route protocol."""
    other = CertificateAuthority(tmp_path / "other-ca", "Some other CA")
    files = other.issue(tmp_path / "other", "city-hub-route", server=True, client=True)
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(pki_of(hub).ca.cert_path))
    context.load_cert_chain(files.cert, files.key)
    target = hub.servers[0]
    log = hub.data_dir / target.folder / "nats-server.log"
    before = log.read_text()
    # a route's TLS handshake comes first, then its INFO; in TLS 1.3 the hub's verdict on the client's certificate
    # arrives after the client's side of the handshake, at the first read
    with (socket.create_connection(("127.0.0.1", target.cluster_port), timeout=10) as raw,
          pytest.raises((ssl.SSLError, ConnectionError))):
        context.wrap_socket(raw, server_hostname="127.0.0.1").recv(4096)
    eventually(lambda: log.read_text()[len(before):],
               lambda new: "TLS route handshake error" in new and "unknown authority" in new)
    assert route_names(target.http_port) == names(hub) - {target.name}
    assert peers(hub) == names(hub)
