"""The federation's certificates: a CA the city runs, the hub's server certificate, one client certificate per
commune node's leafnode and one route certificate per hub server, made at first start in the city's data folder
and reused after.

Keys are EC P-256, private files 0600 in 0700 folders. A leaf's certificate names its node in the subject
(`CN=leaf-<node>`): the hub maps that subject to the node's leaf user (`verify_and_map`), so the certificate,
not a password, decides which hub account a leafnode lands in. A route's certificate is a server's and a client's
at once (a hub server dials the others and is dialled by them) and names the cluster's one route user
(`CN=city-hub-route`): the same CA signs every node's leaf certificate, which `verify` alone would let in as a
route; the subject is what keeps it out.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 825
"""A little over two years: the most browsers and most tools accept for a leaf certificate; the CA lasts ten."""
LOCAL_HOSTS = ("localhost", "127.0.0.1")
"""The names a local server certificate is valid for (every process of the local federation is on 127.0.0.1)."""
ROUTE_NAME = "city-hub-route"
ROUTE_USER = f"CN={ROUTE_NAME}"
"""The subject of every hub server's route certificate as nats-server prints it (RFC 2253): the user its cluster's
`authorization {}` names, the only one a route may map to (`verify_and_map`; nats-server has one route user)."""


@dataclass(frozen=True)
class CertFiles:
    """A certificate, its key and the CA that signed it, as nats-server's `tls {}` block names them."""

    cert: Path
    key: Path
    ca: Path

    def block(self, *, verify_and_map: bool = False, verify: bool = False) -> str:
        lines = [f'cert_file: "{self.cert}"', f'key_file: "{self.key}"', f'ca_file: "{self.ca}"', "timeout: 5"]
        if verify_and_map:
            lines.append("verify_and_map: true")
        elif verify:
            lines.append("verify: true")
        return "tls { " + ", ".join(lines) + " }"


def private_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    path.chmod(0o600)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def leaf_subject(node_id: str) -> str:
    """The subject of a node's leaf certificate as nats-server prints it (RFC 2253): the hub's user name."""
    return f"CN=leaf-{node_id}"


class CertificateAuthority:
    """The city's CA, in `folder` (ca.pem, ca-key.pem): created once, loaded after."""

    def __init__(self, folder: Path, common_name: str = "Reform city CA") -> None:
        self.folder = private_folder(folder)
        self.cert_path = folder / "ca.pem"
        key_path = folder / "ca-key.pem"
        if not self.cert_path.exists() or not key_path.exists():
            self._create(key_path, common_name)
        self._key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        self._cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())

    def _create(self, key_path: Path, common_name: str) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        _write_private(key_path, _key_pem(key))
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, folder: Path, common_name: str, *, server: bool, client: bool | None = None,
              hosts: tuple[str, ...] = LOCAL_HOSTS, stem: str | None = None) -> CertFiles:
        """A certificate for `common_name` in `folder` as `<stem>.pem` (the name by default; kept if already
        there): a server's (valid for `hosts`), a client's (the default without `server`), or both."""
        private_folder(folder)
        stem = stem or common_name
        files = CertFiles(folder / f"{stem}.pem", folder / f"{stem}-key.pem", self.cert_path)
        if files.cert.exists() and files.key.exists():
            return files
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        client = not server if client is None else client
        usages = [u for u, wanted in ((ExtendedKeyUsageOID.SERVER_AUTH, server),
                                      (ExtendedKeyUsageOID.CLIENT_AUTH, client)) if wanted]
        builder = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(self._cert.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=VALID_DAYS))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage(usages), critical=False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(h) for h in hosts]),
                                            critical=False)
        assert isinstance(self._key, ec.EllipticCurvePrivateKey)
        cert = builder.sign(self._key, hashes.SHA256())
        _write_private(files.key, _key_pem(key))
        files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return files


def _general_name(host: str) -> x509.GeneralName:
    """An IP address SAN for an address, a DNS name SAN for anything else."""
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def route_block(files: CertFiles) -> str:
    """What a hub server's `cluster {}` block adds for its routes: TLS both ways with the city's CA (the peer's
    certificate required and verified, `timeout` 5 s as the leafnodes' for a handshake on a loaded machine) and
    the route user its certificate's subject must be."""
    return f'  {files.block(verify_and_map=True)}\n  authorization {{ user: "{ROUTE_USER}" }}\n'


class FederationPki:
    """The local federation's certificates, in the city's data folder (`<city>/pki`): the CA, the hub's
    server certificate and each node's leaf certificate (in production a node makes its key and sends the
    city a signing request; here the city issues both, once)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ca = CertificateAuthority(folder / "ca")

    def hub(self) -> CertFiles:
        return self.ca.issue(self.folder / "hub", "city-hub", server=True)

    def route(self, server_name: str) -> CertFiles:
        """The route certificate of the hub server `server_name` (its own key; `CN=city-hub-route`, every hub
        server's subject), for 127.0.0.1 where the local cluster's routes dial."""
        return self.ca.issue(self.folder / "routes", ROUTE_NAME, server=True, client=True, stem=server_name)

    def hub_routes(self, server_name: str) -> str:
        """The TLS and the route user of that server's `cluster {}` block (reform_node.hub_cluster)."""
        return route_block(self.route(server_name))

    def leaf(self, node_id: str) -> CertFiles:
        return self.ca.issue(self.folder / "nodes" / node_id, f"leaf-{node_id}", server=False)

    def hub_leafnodes(self, listen: str) -> str:
        """The hub's `leafnodes` block: TLS only, a client certificate of this CA required, its subject the user."""
        return f'leafnodes {{ listen: "{listen}", {self.hub().block(verify_and_map=True)} }}\n'

    def leaf_remote(self, node_id: str, hubs: list[str]) -> str:
        """A node's `leafnodes` block: to the hub over TLS (any of its servers), the hub verified against the CA,
        its own certificate."""
        urls = ", ".join(f'"tls://{hub}"' for hub in hubs)
        return (f'leafnodes {{ reconnect: "1s", remotes: [ {{ urls: [ {urls} ], '
                f"{self.leaf(node_id).block()} }} ] }}\n")
