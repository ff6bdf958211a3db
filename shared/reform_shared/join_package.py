"""The join package (issue 22): what the city gives a commune node to join the federation, in ONE file.

The city issues it (`reform-node join-package`): the node's id and communes, its leaf certificate and key, the
city's CA, every hub server's leafnode address, the city's JetStream domain and stream names, the certificate's
fingerprint and expiry. The commune's administrator applies it (`reform-node join`, or the portal's *Liên thông
với thành phố* page): the node checks it (`check_package`), keeps it in its data folder (`store_package`, every
file 0600 in a 0700 folder), and from then on its nats-server has the TLS leafnode remote to the hub.

A package applied twice changes nothing; a refused one changes nothing either (nothing is written before every
check has passed). Refusals name the rule, in Vietnamese with English beside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import BaseModel, Field, ValidationError

from reform_shared.federation import FederatedNode

FORMAT = "reform-join-package/1"
PACKAGE_FILE = "package.json"
MAX_PACKAGE_BYTES = 64_000


class PackageRefused(ValueError):
    """A package the node does not take: which rule, in Vietnamese and English."""

    def __init__(self, rule: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} ({message_en})")
        self.rule, self.message_vi, self.message_en = rule, message_vi, message_en


class JoinPackage(BaseModel):
    """One node's admission to the city's federation. `leaf_key_pem` is the only secret in it."""

    format: str = FORMAT
    node: FederatedNode
    city_domain: str = "city"
    city_stream: str = "CITY_EVENTS"
    node_stream: str = "REFORM_EVENTS"
    hub_urls: list[str] = Field(min_length=1, description="every hub server's leafnode address, host:port")
    ca_pem: str
    leaf_cert_pem: str
    leaf_key_pem: str
    fingerprint: str = Field(description="SHA-256 of the leaf certificate (DER), hex")
    expires: dt.datetime
    issued_at: dt.datetime

    def leaf_remote(self, folder: Path) -> str:
        """The node's `leafnodes {}` block: TLS to every hub server, its certificate, the hub verified by the CA."""
        urls = ", ".join(f'"tls://{url}"' for url in self.hub_urls)
        tls = (f'tls {{ cert_file: "{folder / "leaf.pem"}", key_file: "{folder / "leaf-key.pem"}", '
               f'ca_file: "{folder / "ca.pem"}", timeout: 5 }}')
        return f'leafnodes {{ reconnect: "1s", remotes: [ {{ urls: [ {urls} ], {tls} }} ] }}\n'


def fingerprint_of(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def parse_package(raw: bytes) -> JoinPackage:
    if len(raw) > MAX_PACKAGE_BYTES:
        raise PackageRefused("package_format", "Tệp quá lớn, không phải gói tham gia liên thông",
                             "the file is too large to be a join package")
    try:
        package = JoinPackage.model_validate_json(raw)
    except (ValidationError, ValueError) as exc:
        raise PackageRefused("package_format", "Tệp không phải gói tham gia liên thông hợp lệ",
                             f"not a valid join package: {str(exc)[:200]}") from exc
    if package.format != FORMAT:
        raise PackageRefused("package_format", f"Định dạng gói không được hỗ trợ: {package.format}",
                             f"unsupported package format {package.format!r}")
    return package


def _certificates(package: JoinPackage) -> tuple[x509.Certificate, x509.Certificate]:
    try:
        ca = x509.load_pem_x509_certificate(package.ca_pem.encode())
        leaf = x509.load_pem_x509_certificate(package.leaf_cert_pem.encode())
        key = serialization.load_pem_private_key(package.leaf_key_pem.encode(), password=None)
    except ValueError as exc:
        raise PackageRefused("package_format", "Chứng thư hoặc khóa trong gói bị hỏng",
                             "a certificate or the key in the package is damaged") from exc
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if key.public_key().public_bytes(*spki) != leaf.public_key().public_bytes(*spki):
        raise PackageRefused("key_matches_certificate", "Khóa trong gói không khớp với chứng thư của nút",
                             "the package's key does not belong to its certificate")
    return ca, leaf


def _signed_by(leaf: x509.Certificate, ca: x509.Certificate) -> bool:
    public = ca.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or leaf.issuer != ca.subject:
        return False
    try:
        assert leaf.signature_hash_algorithm is not None
        public.verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(leaf.signature_hash_algorithm))
    except (InvalidSignature, AssertionError):
        return False
    return True


def check_package(package: JoinPackage, hosted: list[str], applied: JoinPackage | None,
                  now: dt.datetime) -> None:
    """Every rule a package must keep on this node; raises PackageRefused at the first one broken.

    `hosted`: the communes this node hosts; `applied`: the package the node already holds, if any (a node stays
    the node it joined as, with the city it joined)."""
    ca, leaf = _certificates(package)
    if not _signed_by(leaf, ca):
        raise PackageRefused("signed_by_city_ca", "Chứng thư của nút không do cơ quan cấp chứng thư (CA) của thành "
                             "phố trong gói ký", "the node's certificate is not signed by the package's city CA")
    if applied is not None and applied.ca_pem.strip() != package.ca_pem.strip():
        raise PackageRefused("same_city_ca", "Gói do một CA khác với CA của thành phố mà nút đã tham gia cấp",
                             "the package comes from another CA than the city this node has joined")
    names = [a.value for a in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if names != [f"leaf-{package.node.node_id}"]:
        raise PackageRefused("certificate_names_node", f"Chứng thư không mang tên nút {package.node.node_id}",
                             f"the certificate does not name node {package.node.node_id} ({names})")
    if fingerprint_of(leaf) != package.fingerprint:
        raise PackageRefused("fingerprint", "Dấu vân tay của chứng thư không khớp với gói",
                             "the certificate's fingerprint differs from the package's")
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        raise PackageRefused("certificate_valid", "Chứng thư hết hạn hoặc chưa có hiệu lực "
                             f"({leaf.not_valid_after_utc:%d/%m/%Y})",
                             "the certificate is expired or not yet valid")
    if applied is not None and applied.node.node_id != package.node.node_id:
        raise PackageRefused("same_node", f"Nút đã tham gia liên thông với mã {applied.node.node_id}, gói dành cho "
                             f"nút {package.node.node_id}", f"this node joined as {applied.node.node_id}; the "
                             f"package is for node {package.node.node_id}")
    missing = [c for c in package.node.communes if c not in hosted]
    if missing:
        raise PackageRefused("communes_hosted", f"Gói dành cho xã {', '.join(missing)}, không có trên nút này "
                             f"(nút có: {', '.join(hosted) or 'chưa có xã nào'})",
                             f"the package is for {', '.join(missing)}, not hosted on this node")


def _write_private(path: Path, data: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)
    path.chmod(0o600)


def applied_package(folder: Path) -> JoinPackage | None:
    """The package this node holds (`<data>/federation`), or None before it joined."""
    path = folder / PACKAGE_FILE
    return JoinPackage.model_validate_json(path.read_bytes()) if path.is_file() else None


def store_package(folder: Path, package: JoinPackage) -> bool:
    """Keep a checked package: the certificate, key and CA beside it for nats-server. False if it was already
    the node's (nothing written)."""
    current = applied_package(folder)
    if current is not None and current.fingerprint == package.fingerprint:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    for name, pem in (("ca.pem", package.ca_pem), ("leaf.pem", package.leaf_cert_pem),
                      ("leaf-key.pem", package.leaf_key_pem)):
        _write_private(folder / name, pem)
    staged = folder / f"{PACKAGE_FILE}.new"
    _write_private(staged, json.dumps(package.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")
    staged.replace(folder / PACKAGE_FILE)  # last: the node restarts on the package, its files are all there
    return True


def apply_package(folder: Path, raw: bytes, hosted: list[str],
                  now: dt.datetime | None = None) -> tuple[JoinPackage, bool]:
    """Parse, check and keep a package; (the package, whether anything changed)."""
    package = parse_package(raw)
    check_package(package, hosted, applied_package(folder), now or dt.datetime.now(dt.UTC))
    return package, store_package(folder, package)


def hosted_communes(communes_file: Path) -> list[str]:
    """The communes a node hosts, from its `communes.json` (reform_node.onboarding)."""
    if not communes_file.is_file():
        return []
    return [str(c["commune_id"]) for c in json.loads(communes_file.read_text(encoding="utf-8"))]
