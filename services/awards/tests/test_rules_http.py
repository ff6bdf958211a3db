"""The award rules the city sets, on real servers: dated, read by year, judged by, explained, and the
city's rules applied on a commune node (as the federation brings them back under the city's prefix)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from reform_awards.domain import rules
from reform_awards.domain.catalogue import FORMS
from reform_shared.events import AwardRulesSet


def sibling(name: str) -> ModuleType:
    """A test module of this folder, loaded under a name of its own: another service's tests import their own
    `test_http` by that bare name, and the first one imported would otherwise answer for both."""
    spec = importlib.util.spec_from_file_location(f"awards_tests_{name}", Path(__file__).parent / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    if spec.name not in sys.modules:
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


city_mode, single_node = sibling("test_city_mode"), sibling("test_http")
LAN, Node = city_mode.LAN, city_mode.Node
VN, Awards, individual = single_node.VN, single_node.Awards, single_node.individual

settings = city_mode.settings
commune_node = city_mode.commune_node
awards = single_node.awards
"""The fixtures of the single-node and the federated awards tests."""

pytestmark = pytest.mark.service
RULES = "/api/v1/city/award-rules"
BASE = "/api/v1/communes/ninh-giang"


def forms(code: str = "giay-khen-xa", **update: Any) -> list[dict[str, Any]]:
    return [rules.rule_of_form(f).model_copy(update=update if f.code == code else {}).model_dump(mode="json")
            for f in FORMS.values()]


async def test_the_eligibility_names_the_deadline_the_proposal_is_then_refused_by(awards: Awards) -> None:
    awards.clock.at = dt.datetime(2026, 11, 21, 9, 0, tzinfo=VN)
    body = {"form": "giay-khen-xa", "recipient": individual("i-lan"), "year": 2026,
            "basis": {"initiative_ids": ["i-lan"]}}
    explained = (await awards.http.post(f"{BASE}/awards/eligibility", json=body,
                                        headers=awards.as_("secretary"))).json()
    assert explained["eligible"] is False
    assert explained["conditions"][0]["met"] is True  # on the merits it would be
    (late,) = [c for c in explained["conditions"] if "rule" in c]
    assert late["rule"] == "dossier_deadline" and "20/11/2026" in late["why"]
    refused = await awards.propose("giay-khen-xa", individual("i-lan"), ["i-lan"])
    assert refused.status_code == 422 and refused.json()["error"]["rule"] == late["rule"]


async def test_the_eligibility_names_the_quota_already_taken(awards: Awards) -> None:
    assert (await awards.propose("bang-khen-tp", individual("i-lan"), ["i-lan"])).status_code == 201
    body = {"form": "bang-khen-tp", "recipient": individual("i-hung"), "year": 2026,
            "basis": {"initiative_ids": ["i-hung"]}}
    explained = (await awards.http.post(f"{BASE}/awards/eligibility", json=body,
                                        headers=awards.as_("secretary"))).json()
    assert explained["eligible"] is False
    assert [c["rule"] for c in explained["conditions"] if "rule" in c] == ["city_quota"]
    assert "Nguyễn Thị Lan" in explained["conditions"][-1]["why"]


async def test_the_city_sets_dated_rules_and_a_proposal_follows_those_of_its_year(awards: Awards) -> None:
    city = awards.as_("city_officer", commune="city")
    assert (await awards.http.get(RULES, headers=city)).json()["in_force"]["default"] is True
    forbidden = await awards.http.put(RULES, headers=awards.as_("secretary"), json={
        "effective_from": "2026-01-01", "forms": forms(deadline_month=11, deadline_day=30)})
    assert forbidden.status_code == 403
    later = await awards.http.put(RULES, headers=city, json={
        "effective_from": "2026-01-01", "forms": forms(deadline_month=11, deadline_day=30),
        "reason": "Quyết định 999/QĐ-UBND gia hạn nộp hồ sơ"})
    assert later.status_code == 201, later.text
    stricter = await awards.http.post(RULES, headers=city, json={
        "effective_from": "2027-01-01", "forms": forms(deadline_month=10, deadline_day=31)})
    assert stricter.status_code == 201, stricter.text
    nonsense = await awards.http.put(RULES, headers=city, json={
        "effective_from": "2027-01-01", "forms": forms(quota={"individual": 1})})
    assert nonsense.status_code == 422 and nonsense.json()["error"]["rule"] == "quota_on_shared_form"

    read = (await awards.http.get(RULES, params={"year": 2026}, headers=awards.as_("secretary"))).json()
    assert read["in_force"]["event_id"] == later.json()["event_id"]
    assert [h["effective_from"] for h in read["history"]] == [None, "2026-01-01", "2027-01-01"]
    on = (await awards.http.get(RULES, params={"on": "2027-02-01"}, headers=city)).json()["in_force"]
    assert on["event_id"] == stricter.json()["event_id"]
    catalogue = {year: {f["code"]: f["deadline"] for f in (await awards.http.get(
        "/api/v1/award-forms", params={"year": year})).json()} for year in (2025, 2026, 2027)}
    assert catalogue[2025]["giay-khen-xa"] == [11, 20, 0]  # seed 004's, before the city set anything
    assert catalogue[2026]["giay-khen-xa"] == [11, 30, 0] and catalogue[2027]["giay-khen-xa"] == [10, 31, 0]

    awards.clock.at = dt.datetime(2026, 11, 21, 9, 0, tzinfo=VN)  # late by the constants, in time by 2026's rules
    proposed = await awards.propose("giay-khen-xa", individual("i-lan"), ["i-lan"])
    assert proposed.status_code == 201, proposed.text
    awards.clock.at = dt.datetime(2027, 11, 5, 9, 0, tzinfo=VN)  # in time by the constants, late by 2027's
    late = await awards.propose("giay-khen-xa", individual("i-hung"), ["i-hung"], year=2027)
    assert late.status_code == 422 and late.json()["error"]["rule"] == "dossier_deadline"
    assert "31/10/2027" in late.json()["error"]["message_vi"]


async def test_a_commune_node_judges_by_the_rules_the_city_set_and_cannot_set_them(commune_node: Node) -> None:
    node = commune_node
    city = node.as_("city_officer", commune="city")
    refused = await node.http.put(RULES, headers=city, json={"effective_from": "2026-01-01", "forms": forms()})
    assert refused.status_code == 409 and refused.json()["error"]["rule"] == "rules_set_at_city"
    only_collectives = [rules.rule_of_form(f).model_copy(
        update={"recipients": ("collective",)} if f.code == "giay-khen-xa" else {}) for f in FORMS.values()]
    event_id = await node.city.add(AwardRulesSet(effective_from=dt.date(2026, 1, 1), forms=tuple(only_collectives)),
                                   commune="city")  # as the city's event arrives from the hub
    read = (await node.http.get(RULES, params={"year": 2026}, headers=node.as_("secretary"))).json()
    assert read["in_force"]["event_id"] == event_id
    body = {"form": "giay-khen-xa", "recipient": LAN.model_dump(), "year": 2026, "basis": {"initiative_ids": ["i-1"]}}
    explained = (await node.http.post(f"{BASE}/awards/eligibility", json=body, headers=node.as_("secretary"))).json()
    assert [c["rule"] for c in explained["conditions"] if "rule" in c] == ["form_fits_recipient"]
    proposed = await node.propose("giay-khen-xa", LAN.model_dump(), ["i-1"])
    assert proposed.status_code == 422 and proposed.json()["error"]["rule"] == "form_fits_recipient"
