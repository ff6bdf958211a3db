"""A city node and three commune nodes as processes (one node hosts two communes): nominations
from each commune reach the city, the city's decisions flow back, a node can neither write nor read
another's events, a partition (hub killed, events produced, hub restarted) converges to what a
rebuild from scratch gives, and a fourth node joins while the city's services keep running."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError
from support import eventually, submitted

from reform_node.demo import load_demo, token
from reform_node.demo_flow import advance_to_nominations
from reform_node.federation import LocalFederation, Ports
from reform_node.node import CommuneNode
from reform_node.servers import free_port, start_nats
from reform_shared.events import build_registry
from reform_shared.federation import FederatedNode
from reform_shared.replicas import servers_of
from reform_shared.store import JetStreamEventStore

pytestmark = pytest.mark.system

NODES = [
    FederatedNode(node_id="ninh-giang", communes=["ninh-giang"]),
    FederatedNode(node_id="an-lao", communes=["an-lao"]),
    FederatedNode(node_id="tien-lang", communes=["tien-lang", "kien-thuy"]),  # one node, two communes
]
COMMUNES = [c for node in NODES for c in node.communes]




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
                load_demo(member.config.settings(), commune=commune, **urls,  # the directory first, as the node does
                          directory_url=member.config.url("directory"))
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
    grant = f"/api/v1/communes/{commune}/awards/{award_id}/grant"
    granted = eventually(lambda: city_post(federation, "awards", grant, {
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


async def _city_has(fed: LocalFederation, subject: str) -> bool:
    assert fed.city is not None
    nc = await nats.connect(servers_of(fed.city.config.nats_url))  # the hub's servers (one, or three)
    try:
        await nc.jetstream().get_last_msg(fed.city.config.stream_name, subject)
        return True
    except NotFoundError:
        return False
    finally:
        await nc.close()


def city_has(fed: LocalFederation, subject: str) -> bool:
    return asyncio.run(_city_has(fed, subject))


async def _forge(node: CommuneNode) -> dict[str, str]:
    """What a compromised an-lao node could write into its own stream."""
    nc = await nats.connect(node.config.nats_url)
    try:
        js = nc.jetstream()
        store = JetStreamEventStore(js, build_registry(), node.config.stream_name, "reform")
        # 1. an event under another commune's subject
        other = submitted(title="Sáng kiến giả mạo của xã khác", commune="ninh-giang")
        await store.append(await store.load("ninh-giang", "initiative", other.aggregate_id), [other])
        # 2. an event under its own subject whose body names another commune
        body = submitted(title="Thân sự kiện mạo danh", commune="ninh-giang")
        subject = f"reform.an-lao.initiative.{body.aggregate_id}.InitiativeSubmitted"
        await js.publish(subject, body.model_dump_json().encode(),
                         headers={"Nats-Msg-Id": body.event_id, **body.header_fields()})
        # 3. a genuine event after both: once it is at the city, the forged ones had their chance
        marker = submitted(title="Sự kiện đánh dấu", commune="an-lao")
        await store.append(await store.load("an-lao", "initiative", marker.aggregate_id), [marker])
        return {"other": other.aggregate_id, "body": body.aggregate_id, "marker": marker.aggregate_id}
    finally:
        await nc.close()


async def _rogue_attempts(url: str, ninh_giang_url: str) -> dict[str, str]:
    """A client behind a leafnode that uses an-lao's credentials tries to read and write others' data."""
    nc = await nats.connect(url)
    outcomes: dict[str, str] = {}
    try:
        for name, subject in {
            "read_city_stream": "$JS.city.API.STREAM.INFO.CITY_EVENTS",
            "read_other_node_copy": "$JS.city.API.STREAM.INFO.FED_NINH_GIANG",
            "read_other_outbox": "$JS.city.API.STREAM.INFO.OUT_NINH_GIANG",
            "read_other_domain": "$JS.ninh-giang.API.STREAM.INFO.REFORM_EVENTS",
            "delete_own_outbox": "$JS.city.API.STREAM.DELETE.OUT_AN_LAO",
            "create_stream_at_hub": "$JS.city.API.STREAM.CREATE.SPY",
        }.items():
            try:
                reply = await nc.request(subject, b"{}", timeout=1.5)
                outcomes[name] = reply.data.decode()[:200]
            except (nats.errors.NoRespondersError, nats.errors.TimeoutError) as exc:
                outcomes[name] = type(exc).__name__
        overheard: list[str] = []

        async def listen(msg: Any) -> None:
            overheard.append(msg.subject)

        for pattern in ("reform.ninh-giang.>", "city.ninh-giang.>", "deliver.fed.ninh-giang.>",
                        "deliver.out.ninh-giang.>"):
            await nc.subscribe(pattern, cb=listen)
        await nc.flush()
        # Meanwhile ninh-giang's node appends an event, which travels to the city through the hub.
        genuine = await nats.connect(ninh_giang_url)
        try:
            js = genuine.jetstream()
            store = JetStreamEventStore(js, build_registry(), "REFORM_EVENTS", "reform")
            event = submitted(title="Sự kiện thật của Ninh Giang", commune="ninh-giang")
            await store.append(await store.load("ninh-giang", "initiative", event.aggregate_id), [event])
        finally:
            await genuine.close()
        await asyncio.sleep(1.5)
        outcomes["overheard"] = ",".join(overheard)
        await nc.publish("reform.ninh-giang.initiative.spoof.InitiativeSubmitted", b"{}")
        await nc.flush()
    finally:
        await nc.close()
    return outcomes


def test_a_node_can_neither_write_nor_read_another_communes_events(federation: LocalFederation,
                                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    forged = asyncio.run(_forge(federation.nodes["an-lao"]))
    eventually(lambda: city_has(federation, f"reform.an-lao.initiative.{forged['marker']}.*"), bool)
    # An event under another commune's subject never leaves the node (the city's source filters by commune).
    assert not city_has(federation, f"reform.ninh-giang.initiative.{forged['other']}.*")
    # An event whose body names another commune reaches the city under an-lao's subject and is parked
    # by every projection, never counted for ninh-giang.
    assert city_has(federation, f"reform.an-lao.initiative.{forged['body']}.*")
    assert federation.city is not None
    operator = token(federation.city.config.settings(), "ops", "Trực vận hành", ["operator"], commune="city")
    parked = eventually(lambda: httpx.get(
        f"{federation.city.config.url('reporting')}/ops/projections/pipeline/parked",
        headers={"Authorization": f"Bearer {operator}"}).json(),
        lambda docs: any(d["error_kind"] == "commune_mismatch" for d in docs))
    assert [d["subject"].split(".")[3] for d in parked if d["error_kind"] == "commune_mismatch"] == [forged["body"]]
    report = city_get(federation, "reporting", "/api/v1/communes/ninh-giang/initiatives")
    titles = [i.get("title") for i in (report["items"] if isinstance(report, dict) else report)]
    assert "Thân sự kiện mạo danh" not in titles and "Sáng kiến giả mạo của xã khác" not in titles

    # A rogue server joining the hub with an-lao's leaf credentials (its certificate and key) reaches only
    # an-lao's account.
    stolen = federation.pki.leaf("an-lao")
    rogue_dir = tmp_path_factory.mktemp("rogue")
    port = free_port()
    remote = (f'leafnodes {{ remotes: [ {{ url: "tls://127.0.0.1:{federation.leaf_port}", {stolen.block()} }} ] }}\n')
    rogue = start_nats(rogue_dir, port, free_port(), "rogue", domain="rogue", extra=remote)
    try:
        time.sleep(1.0)
        outcomes = asyncio.run(_rogue_attempts(f"nats://127.0.0.1:{port}",
                                               federation.nodes["ninh-giang"].config.nats_url))
    finally:
        rogue.stop()
    for name in ("read_city_stream", "read_other_node_copy", "read_other_outbox"):
        assert "stream not found" in outcomes[name], outcomes
    for name in ("read_other_domain", "delete_own_outbox", "create_stream_at_hub"):
        assert outcomes[name] in ("NoRespondersError", "TimeoutError"), outcomes
    assert outcomes["overheard"] == ""
    assert not city_has(federation, "reform.ninh-giang.initiative.spoof.*")


def without_moment(value: Any) -> Any:
    """A report says when it was made (`as_of`); the numbers are what must be equal."""
    if isinstance(value, dict):
        return {k: without_moment(v) for k, v in value.items() if k not in ("as_of", "generated_at")}
    if isinstance(value, list):
        return [without_moment(v) for v in value]
    return value


def city_snapshot(fed: LocalFederation) -> dict[str, Any]:
    views: dict[str, Any] = {"city": city_get(fed, "reporting", "/api/v1/city/2026")}
    for commune in COMMUNES:
        views[commune] = city_get(fed, "reporting", f"/api/v1/communes/{commune}/reports/2026")
        views[f"{commune}/initiatives"] = city_get(fed, "reporting", f"/api/v1/communes/{commune}/initiatives")
    return without_moment(views)


async def _event_ids(url: str, stream: str) -> list[str]:
    nc = await nats.connect(servers_of(url))
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe("", stream=stream, config=ConsumerConfig(
            ack_policy=AckPolicy.NONE, filter_subjects=["reform.>", "city.>"], mem_storage=True))
        info = await sub.consumer_info()
        total = info.num_pending  # the domain events (the node's own operational events are beside them)
        ids: list[str] = []
        while len(ids) < total:
            for msg in await sub.fetch(min(500, total - len(ids)), timeout=5):
                ids.append(json.loads(msg.data)["event_id"])
        await sub.unsubscribe()
        return ids
    finally:
        await nc.close()


def test_a_partition_converges_to_what_a_rebuild_gives(federation: LocalFederation) -> None:
    an_lao = federation.nodes["an-lao"]
    urls = {"submission_url": an_lao.config.url("submission"), "evaluation_url": an_lao.config.url("evaluation")}
    before = len(eventually(lambda: city_nominations(federation), lambda n: "an-lao" in n)["an-lao"])
    federation.stop_hub(kill=True)
    try:
        # The commune keeps working alone: a second nomination, seen at once in its own projections.
        done = advance_to_nominations(an_lao.config.settings(), commune="an-lao", nominate=2, **urls)
        assert len(done["nominated"]) == before + 1
        # Its operator sees the link down (no heartbeat from the city's outbox for over 5 s).
        link = eventually(lambda: commune_get(federation, "an-lao", "reporting", "/ops/federation"),
                          lambda f: not f["sources"][0]["alive"], timeout=20)
        assert link["role"] == "commune" and link["sources"][0]["source"] == "OUT_AN_LAO"
    finally:
        federation.start_hub()
    back = time.monotonic()
    nominations = eventually(lambda: city_nominations(federation), lambda n: len(n.get("an-lao", [])) == before + 1,
                             timeout=150)
    print(f"city converged {time.monotonic() - back:.1f}s after the hub came back")
    assert sorted(nominations) == sorted(COMMUNES)
    assert federation.city is not None
    ids = asyncio.run(_event_ids(federation.city.config.nats_url, federation.city.config.stream_name))
    assert len(ids) == len(set(ids)), "an event reached the city twice"

    # Every city service caught up; the city's reports equal a rebuild of its projections from scratch.
    assert federation.city is not None
    operator = {"Authorization": "Bearer " + token(federation.city.config.settings(), "ops", "Trực vận hành",
                                                   ["operator"], commune="city")}
    reporting = federation.city.config.url("reporting")

    def lag() -> int:
        return sum(p.get("lag", 0) or 0 for p in httpx.get(f"{reporting}/ops/projections", headers=operator).json())
    eventually(lag, lambda n: n == 0)
    links = eventually(lambda: httpx.get(f"{reporting}/ops/federation", headers=operator).json(),
                       lambda f: bool(f["sources"]) and all(src["alive"] and src["lag"] == 0 for src in f["sources"]))
    assert sorted(src["source"] for src in links["sources"]) == sorted(n.fed_stream for n in NODES)
    eventually(lambda: commune_get(federation, "an-lao", "reporting", "/ops/federation"),
               lambda f: bool(f["sources"]) and f["sources"][0]["alive"], timeout=30)  # the city's outbox link too
    live = city_snapshot(federation)
    assert httpx.post(f"{reporting}/ops/projections/pipeline/rebuild", headers=operator).status_code == 202
    eventually(lag, lambda n: n == 0)
    time.sleep(0.5)
    assert city_snapshot(federation) == live


def test_one_node_hosts_two_communes_without_mixing_them(federation: LocalFederation) -> None:
    node = federation.nodes["tien-lang"]
    reports = {c: commune_get(federation, c, "reporting", f"/api/v1/communes/{c}/initiatives")
               for c in ("tien-lang", "kien-thuy")}
    titles = {c: {i["title"] for i in (r["items"] if isinstance(r, dict) else r)} for c, r in reports.items()}
    assert titles["tien-lang"] and titles["kien-thuy"] and not titles["tien-lang"] & titles["kien-thuy"]
    stranger = token(node.config.settings(), "thu-ky-kt", "Thư ký", ["secretary"], commune="kien-thuy")
    refused = httpx.get(f"{node.config.url('reporting')}/api/v1/communes/tien-lang/initiatives",
                        headers={"Authorization": f"Bearer {stranger}"})
    assert refused.status_code == 403, refused.text


def test_a_node_joins_while_the_city_services_keep_running(federation: LocalFederation) -> None:
    assert federation.city is not None
    pids = {name: child.proc.pid for name, child in federation.city.services.items() if child.proc}
    joined = federation.add_node(FederatedNode(node_id="thuy-nguyen", communes=["thuy-nguyen"]))
    urls = {"submission_url": joined.config.url("submission"), "evaluation_url": joined.config.url("evaluation")}
    load_demo(joined.config.settings(), commune="thuy-nguyen", commune_name="xã Thủy Nguyên", **urls)
    advance_to_nominations(joined.config.settings(), commune="thuy-nguyen", commune_name="xã Thủy Nguyên", **urls)
    eventually(lambda: city_nominations(federation), lambda n: "thuy-nguyen" in n)
    assert {name: child.proc.pid for name, child in federation.city.services.items() if child.proc} == pids
    assert all(child.proc is not None and child.proc.poll() is None for child in federation.city.services.values())
    assert os.path.exists(federation.config_path)
