"""A city node and three commune nodes as processes (one node hosts two communes): nominations
from each commune reach the city, the city's decisions flow back, a node can neither write nor read
another's events, a partition (hub killed, events produced, hub restarted) converges to what a
rebuild from scratch gives, and a fourth node joins while the city's services keep running."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import nats
import pytest
from nats.js.errors import NotFoundError

from reform_node.demo import load_demo, token
from reform_node.demo_flow import advance_to_nominations
from reform_node.federation import LocalFederation, Ports
from reform_node.node import CommuneNode
from reform_node.servers import free_port
from reform_shared.envelope import Actor
from reform_shared.events import InitiativeWithdrawn
from reform_shared.commands import make_envelope
from reform_shared.federation import FederatedNode

pytestmark = pytest.mark.system

NODES = [
    FederatedNode(node_id="ninh-giang", communes=["ninh-giang"]),
    FederatedNode(node_id="an-lao", communes=["an-lao"]),
    FederatedNode(node_id="tien-lang", communes=["tien-lang", "kien-thuy"]),  # one node, two communes
]
COMMUNES = [c for node in NODES for c in node.communes]


def eventually(fetch: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached after {timeout}s; last value: {str(value)[:2000]}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFederation]:
    fed = LocalFederation(tmp_path_factory.mktemp("federation"), free_port(), free_port(), Ports.free())
    try:
        fed.start(NODES)
        for node in NODES:
            member = fed.nodes[node.node_id]
            for commune in node.communes:
                urls = {"submission_url": member.config.url("submission"),
                        "evaluation_url": member.config.url("evaluation")}
                load_demo(member.config.settings(), commune=commune, **urls)
                advance_to_nominations(member.config.settings(), commune=commune, **urls)
        yield fed
    finally:
        fed.stop()


def node_of(fed: LocalFederation, commune: str) -> CommuneNode:
    return next(fed.nodes[n.node_id] for n in NODES if commune in n.communes)


def city_get(fed: LocalFederation, service: str, path: str, **params: Any) -> Any:
    assert fed.city is not None
    auth = token(fed.city.config.settings(), "city-officer", "Lê Minh Tuấn", ["city_officer", "city_council"],
                 commune="city")
    response = httpx.get(f"{fed.city.config.url(service)}{path}", params=params,
                         headers={"Authorization": f"Bearer {auth}"}, timeout=20)
    assert response.status_code == 200, response.text
    return response.json()


def city_nominations(fed: LocalFederation) -> dict[str, list[dict[str, Any]]]:
    listed = city_get(fed, "evaluation", "/api/v1/city/nominations", year=2027)
    items = listed["items"] if isinstance(listed, dict) else listed
    by_commune: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_commune.setdefault(item["commune_id"], []).append(item)
    return by_commune


def test_nominations_from_every_commune_reach_the_city(federation: LocalFederation) -> None:
    nominations = eventually(lambda: city_nominations(federation), lambda n: all(c in n for c in COMMUNES))
    assert sorted(nominations) == sorted(COMMUNES)
    for commune, items in nominations.items():
        commune_side = httpx.get(
            f"{node_of(federation, commune).config.url('evaluation')}/api/v1/communes/{commune}/nominations",
            params={"year": 2027}, headers={"Authorization": "Bearer " + token(
                node_of(federation, commune).config.settings(), "sec", "Thư ký", ["secretary"], commune=commune)},
        ).json()
        commune_ids = sorted(i["initiative_id"] for i in (commune_side["items"] if isinstance(commune_side, dict)
                                                          else commune_side))
        assert sorted(i["initiative_id"] for i in items) == commune_ids


def city_post(fed: LocalFederation, service: str, path: str, body: dict[str, Any], *, sub: str = "city-officer",
              roles: tuple[str, ...] = ("city_officer",), commune: str = "city") -> httpx.Response:
    assert fed.city is not None
    auth = token(fed.city.config.settings(), sub, sub, list(roles), commune=commune)
    method = httpx.put if path.endswith("/scores/me") else httpx.post
    return method(f"{fed.city.config.url(service)}{path}", json=body, timeout=20,
                  headers={"Authorization": f"Bearer {auth}"})


def commune_get(fed: LocalFederation, commune: str, service: str, path: str, **params: Any) -> Any:
    node = node_of(fed, commune)
    auth = token(node.config.settings(), "thu-ky", "Thư ký", ["secretary", "operator"], commune=commune)
    response = httpx.get(f"{node.config.url(service)}{path}", params=params, timeout=20,
                         headers={"Authorization": f"Bearer {auth}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_city_recognises_and_awards_and_the_commune_sees_it(federation: LocalFederation) -> None:
    commune = "ninh-giang"
    nomination = eventually(lambda: city_nominations(federation), lambda n: commune in n)[commune][0]
    initiative = nomination["initiative_id"]
    base = f"/api/v1/city/appraisals/{commune}/{initiative}"
    for member in ("tv-hoa", "tv-khanh", "tv-long"):
        scored = city_post(federation, "evaluation", f"{base}/scores/me",
                           {"effectiveness": 8, "replicability": 7.5, "comment": "Nhân rộng được"},
                           sub=member, roles=("city_council",))
        assert scored.status_code in (200, 201), scored.text
    decided = city_post(federation, "evaluation", f"{base}/decision", {
        "recognised": True, "decision_number": "1234/QĐ-UBND", "decision_date": "2026-11-21",
        "decided_by": "Chủ tịch UBND thành phố"})
    assert decided.status_code in (200, 201), decided.text

    dossier = commune_get(federation, commune, "submission", f"/api/v1/communes/{commune}/initiatives/{initiative}")
    author = (dossier.get("content") or dossier)["authors"][0]
    recipient = {"kind": "individual", "recipient_id": author["user_id"], "name": author["name"],
                 "unit_id": author.get("unit_id")}
    proposed = eventually(
        lambda: city_post(federation, "awards", f"/api/v1/communes/{commune}/awards", {
            "form": "bang-khen-tp", "recipient": recipient, "year": 2026,
            "basis": {"initiative_ids": [initiative]}}, sub="thu-ky", roles=("secretary",), commune=commune),
        lambda r: r.status_code == 201)
    award_id = proposed.json()["award_id"]
    granted = eventually(lambda: city_post(federation, "awards", f"/api/v1/communes/{commune}/awards/{award_id}/grant", {
        "decision_number": "3001/QĐ-UBND", "decision_date": "2026-11-21", "signer": "Chủ tịch UBND thành phố"}),
        lambda r: r.status_code == 200)
    assert granted.status_code == 200, granted.text

    # Both decisions flow back to the commune's node: its register and its report show them.
    register = eventually(lambda: commune_get(federation, commune, "awards", f"/api/v1/communes/{commune}/awards"),
                          lambda r: any(a["award_id"] == award_id and a["status"] == "granted" for a in r["items"]))
    assert any(a["form"] == "bang-khen-tp" for a in register["items"])
    item = eventually(
        lambda: commune_get(federation, commune, "reporting", f"/api/v1/communes/{commune}/initiatives/{initiative}"),
        lambda d: d.get("city_recognised") or d.get("stages", {}).get("city_recognised"))
    assert item
