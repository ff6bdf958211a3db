"""The award rules the city sets, on real servers: dated, read by year, judged by, explained, and the
city's rules applied on a commune node (as the federation brings them back under the city's prefix)."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.util
import io
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import docx
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
        "effective_from": "2027-01-01", "forms": forms(quota={"members": 1})})
    assert nonsense.status_code == 422 and nonsense.json()["error"]["rule"] == "quota_by_kind"

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


async def shown(awards: Awards, params: dict[str, str], done: Callable[[list[dict[str, Any]]], bool]
                ) -> list[dict[str, Any]]:
    """The register once it shows what `done` waits for (it is a projection: it applies the events after them)."""
    items: list[dict[str, Any]] = []
    for _ in range(100):
        found = await awards.http.get(f"{BASE}/awards", params=params, headers=awards.as_("secretary"))
        items = found.json()["items"]
        if done(items):
            break
        await asyncio.sleep(0.1)
    return items


async def test_a_quota_the_city_sets_on_a_giay_khen_holds_and_frees_its_place_on_a_rejection(awards: Awards) -> None:
    """Quotas per form and year, not Bằng khen's only: one individual Giấy khen a year, held by its place."""
    city = awards.as_("city_officer", commune="city")
    set_ = await awards.http.put(RULES, headers=city, json={
        "effective_from": "2026-01-01", "forms": forms(quota={"individual": 1}), "reason": "Chỉ tiêu năm 2026"})
    assert set_.status_code == 201, set_.text
    key = {"Idempotency-Key": "quota-first"}
    body = {"form": "giay-khen-xa", "recipient": individual("i-lan"), "year": 2026,
            "basis": {"initiative_ids": ["i-lan"]}}
    first = await awards.http.post(f"{BASE}/awards", json=body, headers={**awards.as_("secretary"), **key})
    assert first.status_code == 201, first.text
    again = await awards.http.post(f"{BASE}/awards", json=body, headers={**awards.as_("secretary"), **key})
    assert again.json()["award_id"] == first.json()["award_id"]  # a retry keeps its place, takes no second

    hung = {**body, "recipient": individual("i-hung"), "basis": {"initiative_ids": ["i-hung"]}}
    explained = (await awards.http.post(f"{BASE}/awards/eligibility", json=hung,
                                        headers=awards.as_("secretary"))).json()
    assert explained["eligible"] is False
    assert [c["rule"] for c in explained["conditions"] if "rule" in c] == ["city_quota"]
    assert "Nguyễn Thị Lan" in explained["conditions"][-1]["why"]
    refused = await awards.http.post(f"{BASE}/awards", json=hung, headers=awards.as_("secretary"))
    assert refused.status_code == 422 and refused.json()["error"]["rule"] == "city_quota"
    collective = {**hung, "recipient": {"kind": "collective", "recipient_id": "kinh-te", "name": "Phòng Kinh tế"},
                  "basis": {"initiative_ids": ["i-minh"]}}
    unit = await awards.http.post(f"{BASE}/awards", json=collective, headers=awards.as_("secretary"))
    assert unit.status_code == 201, unit.text  # no quota on collectives

    rejected = await awards.http.post(f"{BASE}/awards/{first.json()['award_id']}/reject",
                                      json={"reason": "Hồ sơ chưa đủ"}, headers=awards.as_("chairman"))
    assert rejected.status_code == 200, rejected.text
    taken = await awards.http.post(f"{BASE}/awards", json=hung, headers=awards.as_("secretary"))
    assert taken.status_code == 201, taken.text  # the rejected proposal's place is free again
    proposed = await shown(awards, {"status": "proposed"}, lambda items: len(items) == 2)
    assert {a["recipient"]["name"] for a in proposed} == {"Trần Văn Hùng", "Phòng Kinh tế"}


async def test_concurrent_proposals_share_a_quota_of_one_and_exactly_one_wins(awards: Awards) -> None:
    city = awards.as_("city_officer", commune="city")
    assert (await awards.http.put(RULES, headers=city, json={
        "effective_from": "2026-01-01", "forms": forms(quota={"individual": 1})})).status_code == 201
    answers = await asyncio.gather(*[awards.propose("giay-khen-xa", individual(i), [i])
                                     for i in ("i-lan", "i-hung", "i-minh")])
    assert sorted(a.status_code for a in answers) == [201, 422, 422], [a.text for a in answers]
    assert {a.json()["error"]["rule"] for a in answers if a.status_code == 422} == {"city_quota"}


async def test_a_form_the_city_adds_prints_its_name_not_its_code(awards: Awards) -> None:
    city = awards.as_("city_officer", commune="city")
    new_form = {**forms()[0], "code": "giay-khen-ccvc", "name": "Giấy khen công chức tiêu biểu",
                "deadline_month": None, "deadline_day": None, "quota": {}}
    assert (await awards.http.put(RULES, headers=city, json={
        "effective_from": "2026-01-01", "forms": [*forms(), new_form]})).status_code == 201
    proposed = await awards.propose("giay-khen-ccvc", individual("i-lan"), ["i-lan"])
    assert proposed.status_code == 201, proposed.text
    award_id = proposed.json()["award_id"]
    assert (await awards.http.post(f"{BASE}/awards/{award_id}/grant", headers=awards.as_("chairman"), json={
        "decision_number": "12/QĐ-UBND", "decision_date": "2026-11-06", "signer": "Nguyễn Thị Huê"})).status_code == 200
    await shown(awards, {"status": "granted"}, lambda items: [a["award_id"] for a in items] == [award_id])
    register = (await awards.http.get(f"{BASE}/awards", params={"format": "csv"},
                                      headers=awards.as_("secretary"))).text
    assert "Giấy khen công chức tiêu biểu" in register
    certificate = await awards.http.get(f"{BASE}/awards/{award_id}/certificate.docx",
                                        headers=awards.as_("secretary"))
    assert certificate.status_code == 200, certificate.text
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(certificate.content)).paragraphs)
    assert "GIẤY KHEN" in text and "Nguyễn Thị Lan" in text and "giay-khen-ccvc" not in text
