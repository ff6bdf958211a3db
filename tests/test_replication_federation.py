"""Replication across a local federation of three communes on three nodes (the third hosting two): a recognition
at A reaches B's and C's catalogue through the city; B adopts it and reports results while the hub is down;
after the link returns the city and A see the adoption once; the city's replication report equals its rebuild;
the evidence pack as of a past moment reproduces the same numbers."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from support import eventually as support_eventually

from reform_node.demo import load_demo, token
from reform_node.demo_flow import advance_to_nominations
from reform_node.federation import LocalFederation, Ports
from reform_node.node import CommuneNode
from reform_node.servers import free_port
from reform_shared.federation import FederatedNode
from reform_shared.text import fold

pytestmark = pytest.mark.system

A, B, C, D = "ninh-giang", "an-lao", "tien-lang", "kien-thuy"
NODES = [FederatedNode(node_id=A, communes=[A]), FederatedNode(node_id=B, communes=[B]),
         FederatedNode(node_id=C, communes=[C, D])]
NEEDED = ("submission", "evaluation", "directory", "replication")
"""The services this test drives (a node's other services add nothing here but start-up time)."""


class LeanFederation(LocalFederation):
    """The local federation with only the services its nodes' ports name."""

    def start_city(self) -> None:
        self.city = CommuneNode(self.city_config())
        self.city.start_nats()
        self.city.provision(linked=set())
        for service in self.city.config.service_ports:
            self.city.start_service(service)

    def start_node(self, node: FederatedNode) -> CommuneNode:
        commune = CommuneNode(self.node_config(node))
        commune.start_infrastructure()
        for service in commune.config.service_ports:
            commune.start_service(service)
        self.nodes[node.node_id] = commune
        return commune


def lean_ports() -> Ports:
    return Ports(free_port(), free_port(), {s: free_port() for s in NEEDED})




@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFederation]:
    fed = LeanFederation(tmp_path_factory.mktemp("replication"), free_port(), free_port(), lean_ports())
    try:
        fed.start(NODES, {n.node_id: lean_ports() for n in NODES})
        member = fed.nodes[A]
        urls = {"submission_url": member.config.url("submission"), "evaluation_url": member.config.url("evaluation")}
        load_demo(member.config.settings(), commune=A, directory_url=member.config.url("directory"), **urls)
        advance_to_nominations(member.config.settings(), commune=A, **urls)
        yield fed
    finally:
        fed.stop()


def member_of(fed: LocalFederation, commune: str | None) -> CommuneNode:
    if commune is None:
        assert fed.city is not None
        return fed.city
    return fed.nodes[next(n.node_id for n in NODES if commune in n.communes)]


def call(fed: LocalFederation, commune: str | None, method: str, path: str, roles: tuple[str, ...] = ("secretary",),
         **kw: Any) -> httpx.Response:
    member = member_of(fed, commune)
    auth = token(member.config.settings(), "thu-ky", "Thư ký", list(roles), commune=commune or "city")
    headers = {"Authorization": f"Bearer {auth}", **kw.pop("headers", {})}
    return httpx.request(method, f"{member.config.url('replication')}{path}", headers=headers, timeout=30, **kw)


def catalogue_of(fed: LocalFederation, commune: str, **params: Any) -> dict[str, Any]:
    response = call(fed, commune, "GET", "/api/v1/catalogue", params={"commune_id": A, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def city_view(fed: LocalFederation) -> dict[str, Any]:
    response = call(fed, None, "GET", "/api/v1/city/replication", roles=("city_officer",))
    assert response.status_code == 200, response.text
    return dict(response.json())


def evidence(fed: LocalFederation, commune: str, year: int, as_of: str | None = None) -> dict[str, Any]:
    params = {"as_of": as_of} if as_of else {}
    response = call(fed, commune, "GET", f"/api/v1/communes/{commune}/evidence/{year}", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_recognition_at_a_appears_in_the_catalogue_of_b_and_c(federation: LocalFederation) -> None:
    for commune in (B, C, D):
        found = eventually(lambda c=commune: catalogue_of(federation, c), lambda r: r["count"] >= 1)
        entry = found["items"][0]
        assert entry["origin_commune_id"] == A and entry["recognition_number"]
        assert "authors" not in entry and "author_kind" not in entry  # no personal data
        words = " ".join(fold(entry["title"]).split()[:3])  # without diacritics
        assert entry["entry_id"] in [i["entry_id"] for i in catalogue_of(federation, commune, q=words)["items"]]


def test_b_adopts_and_reports_while_the_hub_is_down_and_the_city_and_a_see_it_once(
        federation: LocalFederation) -> None:
    entry = catalogue_of(federation, B)["items"][0]
    indicator = entry["indicators"][0]
    before = dt.datetime.now(dt.UTC).isoformat()
    this_year = dt.date.today().year  # the adoption's year (its `since`)
    pack_before = evidence(federation, A, this_year, as_of=before)
    assert pack_before["adoptions_received"] == []
    federation.stop_hub(kill=True)
    today = dt.date.today().isoformat()
    body = {"entry_id": entry["entry_id"], "unit": {"unit_id": "bp-mot-cua", "name": "Bộ phận một cửa"},
            "responsible": "Phó Chủ tịch UBND xã", "since": today, "adaptation": "Áp dụng cho thủ tục hộ tịch"}
    path = f"/api/v1/communes/{B}/adoptions"
    first = call(federation, B, "POST", path, json=body, headers={"Idempotency-Key": "adopt-1"})
    assert first.status_code == 201, first.text
    again = call(federation, B, "POST", path, json=body, headers={"Idempotency-Key": "adopt-1"})
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    twice = call(federation, B, "POST", path, json=body, headers={"Idempotency-Key": "adopt-2"})
    assert twice.status_code == 409 and twice.json()["error"]["rule"] == "adopted_once"
    results = f"{path}/{entry['entry_id']}/results"
    wrong = call(federation, B, "POST", results, json={"measured_on": today, "indicators": [
        {"name": "Số cây xanh", "before": 1, "after": 2}]})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "indicators[0].name"
    measured = {**indicator, "before": indicator["before"], "after": indicator["before"] / 2}
    reported = call(federation, B, "POST", results, json={"measured_on": today, "indicators": [measured]},
                    headers={"Idempotency-Key": "results-1"})
    assert reported.status_code == 201, reported.text
    mine = call(federation, B, "GET", path).json()  # offline: the commune sees its own adoption at once
    assert [m["adoption_id"] for m in mine["made"]] == [entry["entry_id"]] and mine["made"][0]["measured_on"]
    federation.start_hub()

    view = eventually(lambda: city_view(federation), lambda v: v["totals"]["with_results"] == 1)
    assert view["totals"]["adoptions"] == 1
    assert [(a["commune_id"], a["entry_id"]) for a in view["adoptions"]] == [(B, entry["entry_id"])]
    assert view["adoptions"][0]["effect"][0]["change_pct"] == -50.0
    assert view["most_adopted"][0]["entry_id"] == entry["entry_id"]
    assert A in view["communes_adopting_nothing"] and B not in view["communes_adopting_nothing"]

    def received() -> list[dict[str, Any]]:
        answer = call(federation, A, "GET", f"/api/v1/communes/{A}/adoptions").json()
        return [a for r in answer["received"] for a in r["adoptions"]]

    seen = eventually(received, lambda r: len(r) == 1 and r[0].get("measured_on") is not None)
    assert seen[0]["commune_id"] == B and seen[0]["indicators"][0]["after"] == measured["after"]

    # The evidence pack of A as of before the adoption reproduces the same numbers; now it counts it.
    assert evidence(federation, A, this_year, as_of=before) == pack_before
    now = evidence(federation, A, this_year)
    assert [(a["commune_id"], a["adoption_id"]) for a in now["adoptions_received"]] == [(B, entry["entry_id"])]
    made = evidence(federation, B, this_year)
    assert [a["adoption_id"] for a in made["adoptions_made"]] == [entry["entry_id"]]
    assert made["adoptions_made"][0]["results_reported"] == 1


def test_the_replication_report_equals_a_rebuild(federation: LocalFederation) -> None:
    live = city_view(federation)
    assert live["totals"]["adoptions"] == 1
    rebuilt = call(federation, None, "POST", "/ops/projections/replication/rebuild", roles=("operator",))
    assert rebuilt.status_code == 202, rebuilt.text

    def status() -> dict[str, Any]:
        answer = call(federation, None, "GET", "/ops/projections", roles=("operator",)).json()
        return dict(next(p for p in answer if p["projection"] == "replication"))

    eventually(status, lambda s: s.get("lag") == 0 and s.get("running"))
    assert eventually(lambda: city_view(federation), lambda v: v == live, timeout=30) == live


def test_the_evidence_pack_as_of_a_past_moment_is_reproducible(federation: LocalFederation) -> None:
    year = int(catalogue_of(federation, B)["items"][0]["year"])
    moment = dt.datetime.now(dt.UTC).isoformat()
    first = evidence(federation, A, year, as_of=moment)
    assert first["proposed"] >= 1 and first["recognition_decisions"] and first["proposed_per_unit"]
    assert evidence(federation, A, year, as_of=moment) == first
    response = call(federation, A, "GET", f"/api/v1/communes/{A}/evidence/{year}",
                    params={"as_of": moment, "format": "zip"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"bao-cao-minh-chung.docx", "so-lieu-minh-chung.xlsx", "so-lieu.json"} <= set(bundle.namelist())
    figures = json.loads(bundle.read("so-lieu.json"))
    assert figures["proposed"] == first["proposed"] and figures["recognition_decisions"] == first[
        "recognition_decisions"]
    future = call(federation, A, "GET", f"/api/v1/communes/{A}/evidence/{year}",
                  params={"as_of": "2100-01-01T00:00:00+07:00"})
    assert future.status_code == 422 and future.json()["error"]["rule"] == "as_of_not_in_future"


def eventually(fetch: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 90.0) -> Any:
    """The three-commune federation's own pace: a longer wait, polled every 0.3 s."""
    return support_eventually(fetch, until, timeout, interval=0.3)
