"""A demo commune other than Ninh Giang, driven through every service to its nomination to the city, twice."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from reform_node.demo import DEMO_COMMUNES, demo_commune, load_demo, token
from reform_node.demo_flow import advance_to_nominations
from reform_node.node import SERVICES, CommuneNode, NodeConfig
from reform_node.servers import free_port
from reform_shared.ids import VIETNAM

pytestmark = pytest.mark.system

COMMUNE = "an-lao"



@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommuneNode]:
    config = NodeConfig(
        data_dir=tmp_path_factory.mktemp("demo-flow-node"),
        nats_port=free_port(),
        nats_http_port=free_port(),
        mongo_port=free_port(),
        service_ports={service: free_port() for service in SERVICES},
    )
    commune_node = CommuneNode(config)
    commune_node.start()
    try:
        yield commune_node
    finally:
        commune_node.stop()


def eventually(fetch: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def streams(node: CommuneNode) -> dict[str, int]:
    """Last sequence of every stream of the node (events, idempotency records), from NATS monitoring."""
    jsz = httpx.get(f"http://127.0.0.1:{node.config.nats_http_port}/jsz?streams=true").json()
    details = [s for account in jsz.get("account_details", []) for s in account.get("stream_detail", [])]
    return {s["name"]: s["state"]["last_seq"] for s in details}


def test_a_demo_commune_reaches_its_nomination_and_a_second_run_changes_nothing(node: CommuneNode) -> None:
    started = time.monotonic()
    settings = node.config.settings()
    urls = {"submission_url": node.config.url("submission"), "evaluation_url": node.config.url("evaluation")}
    demo = demo_commune(COMMUNE)
    assert demo.commune_name == DEMO_COMMUNES[COMMUNE] == "xã An Lão"

    loaded = load_demo(settings, urls["submission_url"], evaluation_url=urls["evaluation_url"], commune=COMMUNE)
    assert loaded["loaded"] is True and len(loaded["initiatives"]) == 3
    smart_forms, sms, village = loaded["initiatives"]  # the demo council rates them good, high, weak

    first = advance_to_nominations(settings, commune=COMMUNE, **urls)

    assert first["campaign_id"] == loaded["campaign_id"] and first["initiatives"] == loaded["initiatives"]
    assert first["recognised"] == [sms, smart_forms]  # ranking order
    assert first["not_recognised"] == [village]
    assert first["nominated"] == [sms] and first["refused_nominations"] == []
    assert first["decision_number"] == demo.recognition_decision
    scored = [a for a in first["actions"] if a.startswith("score:")]
    assert f"score:{sms}:nguyen-van-toan" not in scored  # the author sits on the council: never scores his own
    assert len(scored) == 5 + 4 + 5
    assert first["actions"][:2] == ["close_submissions", "open_scoring"]
    assert first["actions"][-2:] == ["sign_decision", f"nominate:{sms}"]

    secretary = {"Authorization": "Bearer " + token(settings, "vhxh-thu-ky", demo.secretary_name, ["secretary"],
                                                    commune=COMMUNE)}
    year = first["year"]
    nominations = httpx.get(f"{urls['evaluation_url']}/api/v1/communes/{COMMUNE}/nominations?year={year}",
                            headers=secretary).json()
    assert [n["initiative_id"] for n in nominations["items"]] == [sms]
    assert nominations["items"][0]["decision_number"] == demo.recognition_decision
    assert nominations["items"][0]["title"] == demo.initiatives[1]["title"]

    reporting = f"{node.config.url('reporting')}/api/v1"
    doc = eventually(lambda: httpx.get(f"{reporting}/communes/{COMMUNE}/initiatives/{sms}", headers=secretary).json(),
                     lambda d: d.get("nominated") is True)
    assert doc["nominated"] is True and doc["recognised"] is True
    submitted_year = dt.datetime.fromisoformat(doc["submitted_at"]).astimezone(VIETNAM).year
    report = httpx.get(f"{reporting}/communes/{COMMUNE}/reports/{submitted_year}", headers=secretary).json()
    assert {k: report["total"][k] for k in ("submitted", "scored", "recognised", "nominated")} == {
        "submitted": 3, "scored": 3, "recognised": 2, "nominated": 1}
    city_officer = {"Authorization": "Bearer " + token(settings, "so-noi-vu", "Sở Nội vụ", ["city_officer"],
                                                       commune="city")}
    city = httpx.get(f"{reporting}/city/{submitted_year}", headers=city_officer).json()
    row = next(c for c in city["communes"] if c["commune_id"] == COMMUNE)
    assert row["commune_name"] == "xã An Lão" and row["nominated"] == 1 and row["recognised"] == 2

    # The node's relay publishes its recognised initiatives to the catalogue on its own schedule (the replication
    # service, every few seconds): the record is compared from once both are in it, not while they are on their way.
    replication = node.config.url("replication")
    catalogue = eventually(lambda: httpx.get(f"{replication}/api/v1/catalogue", params={"commune_id": COMMUNE},
                                             headers=secretary).json(),
                           lambda found: {e["initiative_id"] for e in found.get("items", [])} >= {sms, smart_forms},
                           timeout=60)
    assert {e["initiative_id"] for e in catalogue["items"]} == {sms, smart_forms}
    before = streams(node)
    assert node.config.stream_name in before
    items_before = httpx.get(f"{reporting}/communes/{COMMUNE}/initiatives", headers=secretary).json()["items"]
    second = advance_to_nominations(settings, commune=COMMUNE, **urls)

    assert second["actions"] == []
    assert {k: v for k, v in second.items() if k != "actions"} == {k: v for k, v in first.items() if k != "actions"}
    assert streams(node) == before  # not one event, nor idempotency record, appended
    assert httpx.get(f"{reporting}/communes/{COMMUNE}/initiatives", headers=secretary).json()["items"] == items_before
    assert load_demo(settings, urls["submission_url"], evaluation_url=urls["evaluation_url"],
                     commune=COMMUNE)["loaded"] is False
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("commune", [c for c in DEMO_COMMUNES if c != COMMUNE])
def test_every_demo_commune_loads_and_nominates_its_best_initiative(node: CommuneNode, commune: str) -> None:
    settings = node.config.settings()
    urls = {"submission_url": node.config.url("submission"), "evaluation_url": node.config.url("evaluation")}
    demo = demo_commune(commune)
    without_council = commune == "tien-lang"  # loaded without the evaluation service: the flow constitutes it
    loaded = load_demo(settings, urls["submission_url"], commune=commune,
                       evaluation_url=None if without_council else urls["evaluation_url"])
    assert loaded["loaded"] is True and len(loaded["initiatives"]) == len(demo.initiatives) == 3
    by_merit = {demo.merit[i["title"]]: initiative_id for i, initiative_id in zip(demo.initiatives,
                                                                                   loaded["initiatives"], strict=True)}
    wanted = 2 if commune == "kien-thuy" else 1

    result = advance_to_nominations(settings, commune=commune, nominate=wanted, **urls)

    assert ("constitute_council" in result["actions"]) is without_council
    assert result["recognised"] == [by_merit["high"], by_merit["good"]]
    assert result["not_recognised"] == [by_merit["weak"]]
    assert sorted(result["nominated"]) == sorted(result["recognised"][:wanted])
    assert advance_to_nominations(settings, commune=commune, nominate=wanted, **urls)["actions"] == []
