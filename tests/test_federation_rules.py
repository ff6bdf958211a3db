"""The award rules are the city's data: set once on the city node, they reach every commune node (one of
them hosting two communes), which judges its proposals by them and cannot set them itself."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from reform_awards.domain import rules
from reform_awards.domain.catalogue import FORMS
from reform_node.demo import token
from reform_node.federation import LocalFederation, Ports
from reform_node.servers import free_port
from reform_shared.federation import FederatedNode

pytestmark = pytest.mark.system

NODES = [FederatedNode(node_id="ninh-giang", communes=["ninh-giang"]),
         FederatedNode(node_id="tien-lang", communes=["tien-lang", "kien-thuy"])]
RULES = "/api/v1/city/award-rules"


def eventually(fetch: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFederation]:
    fed = LocalFederation(tmp_path_factory.mktemp("federation-rules"), free_port(), free_port(), Ports.free())
    try:
        fed.start(NODES)
        yield fed
    finally:
        fed.stop()


def call(fed: LocalFederation, node: str | None, method: str, roles: list[str], commune: str, **kw: Any
         ) -> httpx.Response:
    member = fed.city if node is None else fed.nodes[node]
    assert member is not None
    auth = token(member.config.settings(), "u", "Người dùng", roles, commune=commune)
    return httpx.request(method, f"{member.config.url('awards')}{RULES}", timeout=20,
                         headers={"Authorization": f"Bearer {auth}"}, **kw)


def test_the_citys_award_rules_reach_every_commune_node(federation: LocalFederation) -> None:
    changed = [rules.rule_of_form(f).model_copy(update={"deadline_month": 12, "deadline_day": 5}
                                                if f.code == "giay-khen-xa" else {}).model_dump(mode="json")
               for f in FORMS.values()]
    body = {"effective_from": "2027-01-01", "forms": changed, "reason": "Quyết định 77/QĐ-UBND"}
    at_commune = call(federation, "ninh-giang", "PUT", ["city_officer"], "city", json=body)
    assert at_commune.status_code == 409 and at_commune.json()["error"]["rule"] == "rules_set_at_city"
    set_ = call(federation, None, "PUT", ["city_officer"], "city", json=body)
    assert set_.status_code == 201, set_.text
    event_id = set_.json()["event_id"]
    for node, commune in (("ninh-giang", "ninh-giang"), ("tien-lang", "tien-lang"), ("tien-lang", "kien-thuy")):
        def rules_of_2027(node: str = node, commune: str = commune) -> Any:
            return call(federation, node, "GET", ["secretary"], commune, params={"year": 2027}).json()

        read = eventually(rules_of_2027, lambda r: r["in_force"]["event_id"] == event_id)
        assert read["in_force"]["event_id"] == event_id, (node, read)
        (form,) = [f for f in read["in_force"]["forms"] if f["code"] == "giay-khen-xa"]
        assert (form["deadline_day"], form["deadline_month"]) == (5, 12)
        before = call(federation, node, "GET", ["secretary"], commune, params={"year": 2026}).json()
        assert before["in_force"]["default"] is True  # 2026 keeps the constants
