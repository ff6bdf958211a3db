"""The join package on files alone (issue 22): the city registers the node and writes one private file; the node
takes it once (twice is harmless) and refuses, changing nothing, a package of another CA, a certificate its CA did
not sign, a package for communes it does not host, and a package for another node once it has joined."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from reform_node.joining import issue_package
from reform_shared.federation import FederatedNode, FederationConfig
from reform_shared.join_package import PACKAGE_FILE, PackageRefused, apply_package

TAN_LAP = FederatedNode(node_id="tan-lap", communes=["tan-lap"])
HUBS = ["127.0.0.1:7422", "127.0.0.1:7423"]


def issued(city: Path, node: FederatedNode = TAN_LAP) -> bytes:
    out = city.parent / f"{city.name}-{node.node_id}.join.json"
    issue_package(city, node, HUBS, out)
    return out.read_bytes()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_city_registers_the_node_and_writes_one_private_file(tmp_path: Path) -> None:
    raw = issued(tmp_path / "city")
    out = tmp_path / "city-tan-lap.join.json"
    assert mode(out) == 0o600
    package = json.loads(raw)
    assert package["node"] == {"node_id": "tan-lap", "communes": ["tan-lap"]}
    assert package["hub_urls"] == HUBS and package["city_domain"] == "city"
    assert "BEGIN PRIVATE KEY" in package["leaf_key_pem"] and len(package["fingerprint"]) == 64
    assert dt.datetime.fromisoformat(package["expires"]) > dt.datetime.now(dt.UTC) + dt.timedelta(days=700)
    assert FederationConfig.load(tmp_path / "city" / "federation.json").node("tan-lap").communes == ["tan-lap"]


def test_a_package_applied_twice_is_kept_once(tmp_path: Path) -> None:
    raw, folder = issued(tmp_path / "city"), tmp_path / "node" / "federation"
    package, changed = apply_package(folder, raw, ["tan-lap"])
    assert changed and package.node.node_id == "tan-lap"
    assert mode(folder) == 0o700
    assert all(mode(folder / name) == 0o600 for name in ("leaf.pem", "leaf-key.pem", "ca.pem", PACKAGE_FILE))
    kept = (folder / PACKAGE_FILE).stat().st_mtime_ns
    assert apply_package(folder, raw, ["tan-lap"])[1] is False
    assert (folder / PACKAGE_FILE).stat().st_mtime_ns == kept


def refused(folder: Path, raw: bytes, hosted: list[str]) -> str:
    before = (folder / PACKAGE_FILE).read_bytes() if (folder / PACKAGE_FILE).exists() else None
    with pytest.raises(PackageRefused) as caught:
        apply_package(folder, raw, hosted)
    after = (folder / PACKAGE_FILE).read_bytes() if (folder / PACKAGE_FILE).exists() else None
    assert after == before  # nothing changed
    assert caught.value.message_vi and caught.value.message_en
    return caught.value.rule


def test_wrong_packages_change_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "node" / "federation"
    good, other_city = issued(tmp_path / "city"), issued(tmp_path / "other-city")
    an_lao = issued(tmp_path / "city", FederatedNode(node_id="an-lao", communes=["an-lao"]))
    assert refused(folder, an_lao, ["tan-lap"]) == "communes_hosted"
    forged = json.loads(good)
    forged["ca_pem"] = json.loads(other_city)["ca_pem"]  # a certificate its package's CA did not sign
    assert refused(folder, json.dumps(forged).encode(), ["tan-lap"]) == "signed_by_city_ca"
    assert refused(folder, b"{not json", ["tan-lap"]) == "package_format"
    apply_package(folder, good, ["tan-lap"])
    assert refused(folder, other_city, ["tan-lap"]) == "same_city_ca"
    assert refused(folder, an_lao, ["tan-lap", "an-lao"]) == "same_node"  # joined as tan-lap, it stays tan-lap
