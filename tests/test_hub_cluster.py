"""The city hub as a JetStream cluster of three loses one server under load and loses nothing.

Two commune nodes append a steady stream of events through the project's event store while one hub server
is killed with SIGKILL and, seconds later, started again — first the one a commune's leafnode is attached to,
then the leader of the city's stream (CITY_EVENTS: a new leader is elected, its sources start again there).
Then: every event reached the city's stream once (counted by event id: 0 lost, 0 twice), the city's
projections equal their rebuild, and the commune nodes saw nothing but a reconnect (not one append failed,
their leafnode is attached again and the city's outbox source alive).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import nats
import nats.errors
import pytest
from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy, ConsumerConfig
from support import eventually, submitted

from reform_node.demo import token
from reform_node.federation import LocalFederation, Ports
from reform_node.node import CommuneNode
from reform_node.servers import free_port
from reform_shared.events import build_registry
from reform_shared.federation import FederatedNode
from reform_shared.replicas import servers_of
from reform_shared.store import JetStreamEventStore

pytestmark = pytest.mark.chaos

NODES = [FederatedNode(node_id="ninh-giang", communes=["ninh-giang"]),
         FederatedNode(node_id="an-lao", communes=["an-lao"])]
RATE = 25.0  # appends per second at each commune node
DOWN, UP, LOAD_FOR = 3.0, 3.0, 14.0  # seconds: before each kill, down, and the whole load




@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFederation]:
    fed = LocalFederation(tmp_path_factory.mktemp("hub"), free_port(), free_port(), Ports.free(), hub_size=3,
                          services=["reporting"])  # the city's projections; the communes append by the store
    try:
        fed.start(NODES)
        yield fed
    finally:
        fed.stop()


async def steady_appends(node: CommuneNode, commune: str, stop: asyncio.Event) -> tuple[list[str], list[str]]:
    """New initiatives at RATE a second until `stop`: the event ids appended, and every failure."""
    nc = await nats.connect(node.config.nats_url)
    store = JetStreamEventStore(nc.jetstream(timeout=5), build_registry(), node.config.stream_name, "reform")
    ids: list[str] = []
    failures: list[str] = []
    try:
        while not stop.is_set():
            event = submitted(title=f"Sáng kiến số {len(ids) + 1}", commune=commune)
            try:
                await store.append(await store.load(commune, "initiative", event.aggregate_id), [event])
                ids.append(event.event_id)
            except Exception as exc:  # noqa: BLE001 - any failure is what the test counts
                failures.append(repr(exc))
            await asyncio.sleep(1 / RATE)
        return ids, failures
    finally:
        await nc.close()


def attached_to(fed: LocalFederation, node_id: str) -> int | None:
    """The running hub server the node's leafnode is attached to now, if any."""
    assert fed.hub is not None
    for index in list(fed.hub.processes):
        leafz = httpx.get(f"http://127.0.0.1:{fed.hub.servers[index].http_port}/leafz", timeout=5).json()
        if any(leaf.get("name") == node_id for leaf in leafz.get("leafs") or []):
            return index
    return None


def attached_server(fed: LocalFederation, node_id: str) -> int:
    index = attached_to(fed, node_id)
    assert index is not None, f"{node_id}: no leafnode at any hub server"
    return index


async def reattached(fed: LocalFederation, node_id: str, within: float) -> int | None:
    """The server the node's leafnode moved to while one was down (None if not within `within` seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        index = await asyncio.to_thread(attached_to, fed, node_id)
        if index is not None:
            return index
        await asyncio.sleep(0.1)
    return None


def stream_leader(fed: LocalFederation, seconds: float = 30) -> int:
    """The hub server leading CITY_EVENTS now: after the first kill the stream may still be electing one."""
    assert fed.hub is not None
    deadline = time.monotonic() + seconds
    while True:
        for server in fed.hub.servers:
            try:
                jsz = httpx.get(f"http://127.0.0.1:{server.http_port}/jsz",
                                params={"streams": "true", "accounts": "true"}, timeout=5).json()
            except httpx.HTTPError:
                continue  # the server killed a moment ago
            for account in jsz.get("account_details") or []:
                for stream in account.get("stream_detail") or []:
                    if stream["name"] == "CITY_EVENTS" and (stream.get("cluster") or {}).get("leader") == server.name:
                        return server.index
        if time.monotonic() > deadline:
            raise AssertionError(f"CITY_EVENTS has had no leader for {seconds} s")
        time.sleep(0.2)


Appended = dict[str, tuple[list[str], list[str]]]


async def load_with_lost_servers(fed: LocalFederation) -> tuple[Appended, list[int], int | None]:
    """The load, and meanwhile two kills (one server down at a time): ninh-giang's hub server, the stream leader.
    Also returns the server ninh-giang's leafnode moved to while its own was down."""
    stop = asyncio.Event()
    tasks = {n.node_id: asyncio.create_task(steady_appends(fed.nodes[n.node_id], n.communes[0], stop))
             for n in NODES}
    victims: list[int] = []
    moved_to: int | None = None
    for choose in (lambda: attached_server(fed, "ninh-giang"), lambda: stream_leader(fed)):
        await asyncio.sleep(DOWN)
        victim = await asyncio.to_thread(choose)
        await asyncio.to_thread(fed.stop_hub, True, victim)  # SIGKILL
        started = time.monotonic()
        if not victims:
            moved_to = await reattached(fed, "ninh-giang", UP)
        victims.append(victim)
        await asyncio.sleep(max(0.0, UP - (time.monotonic() - started)))
        await asyncio.to_thread(fed.start_hub, victim)
    await asyncio.sleep(max(0.0, LOAD_FOR - 2 * (DOWN + UP)))
    stop.set()
    return {name: await task for name, task in tasks.items()}, victims, moved_to


async def city_event_ids(url: str, stream: str) -> list[str] | None:
    """Every event id in the city's stream; None while the restarted hub does not answer yet (a stream leader
    being elected), for the caller to ask again."""
    nc = await nats.connect(servers_of(url))
    try:
        return await _event_ids(nc, stream)
    except (nats.errors.TimeoutError, TimeoutError):
        return None
    finally:
        await nc.close()


async def _event_ids(nc: NatsClient, stream: str) -> list[str]:
    sub = await nc.jetstream(timeout=10).pull_subscribe("", stream=stream, config=ConsumerConfig(
        ack_policy=AckPolicy.NONE, filter_subjects=["reform.>"], mem_storage=True))
    total = (await sub.consumer_info()).num_pending
    ids: list[str] = []
    while len(ids) < total:
        ids += [json.loads(msg.data)["event_id"] for msg in await sub.fetch(min(500, total - len(ids)), timeout=5)]
    await sub.unsubscribe()
    return ids


def operator(fed: LocalFederation, member: CommuneNode | None = None, commune: str = "city") -> dict[str, str]:
    """A token signed with the member's (default: the city's) own node secret."""
    member = member or fed.city
    assert member is not None
    roles = ["operator", "city_officer"] if commune == "city" else ["operator", "secretary"]
    return {"Authorization": "Bearer " + token(member.config.settings(), "ops", "Trực vận hành", roles,
                                               commune=commune)}


def city_views(fed: LocalFederation) -> dict[str, Any]:
    assert fed.city is not None
    base = fed.city.config.url("reporting")
    views = {n.node_id: httpx.get(f"{base}/api/v1/communes/{n.communes[0]}/initiatives", params={"limit": 1000},
                                  headers=operator(fed), timeout=30).json() for n in NODES}
    return views


def city_lag(fed: LocalFederation) -> int:
    assert fed.city is not None
    try:  # 503 while the city's stream elects a leader (its consumers' info waits on it): asked again
        answer = httpx.get(f"{fed.city.config.url('reporting')}/ops/projections", headers=operator(fed), timeout=10)
    except httpx.TimeoutException:
        return -1
    return sum(p.get("lag", 0) or 0 for p in answer.json()) if answer.status_code == 200 else -1


async def replicas(url: str, streams: dict[str, str]) -> dict[str, int]:
    """Replicas of each stream, read through the JetStream API prefix given beside its name."""
    nc = await nats.connect(servers_of(url))
    try:
        return {name: (await nc.jetstream(prefix=prefix, timeout=10).stream_info(name)).config.num_replicas
                for name, prefix in streams.items()}
    finally:
        await nc.close()


def test_the_city_streams_have_three_replicas_and_the_communes_one(federation: LocalFederation) -> None:
    assert federation.city is not None
    city = {name: "$JS.API" for name in ("CITY_EVENTS", "KV_REFORM_IDEMPOTENCY", "OBJ_REFORM_ATTACHMENTS")}
    for node in NODES:
        city |= {node.fed_stream: node.api_import, node.out_stream: node.api_import}
    assert set(asyncio.run(replicas(federation.city.config.nats_url, city)).values()) == {3}
    for member in federation.nodes.values():  # a commune node is one server: one replica
        assert asyncio.run(replicas(member.config.nats_url, {member.config.stream_name: "$JS.API"})) == {
            member.config.stream_name: 1}


def test_a_lost_hub_server_loses_nothing(federation: LocalFederation) -> None:
    assert federation.city is not None and federation.hub is not None
    appended, victims, moved_to = asyncio.run(load_with_lost_servers(federation))
    print(f"killed hub servers {victims} (ninh-giang's, then the stream leader); ninh-giang's leafnode moved to "
          f"{moved_to} meanwhile")
    assert moved_to is not None and moved_to != victims[0], "the leafnode reconnected to another hub server"
    for node_id, (ids, failures) in appended.items():
        assert failures == [], f"{node_id}: appends failed while a hub server was down"
        # the load really ran through both kills (on a loaded machine an append takes longer than its 1/RATE)
        assert len(ids) > RATE * LOAD_FOR / 4, node_id
    sent = sorted(i for ids, _ in appended.values() for i in ids)

    city = federation.city.config
    at_city = eventually(lambda: asyncio.run(city_event_ids(city.nats_url, city.stream_name)),
                         lambda got: got is not None and len(got) >= len(sent), timeout=90)
    assert at_city is not None
    assert len(at_city) == len(set(at_city)), "an event reached the city twice"
    assert sorted(at_city) == sent, "an event was lost on its way to the city"

    eventually(lambda: city_lag(federation), lambda lag: lag == 0)
    live = city_views(federation)
    assert sum(len(v["items"]) for v in live.values()) == len(sent)
    rebuild = httpx.post(f"{city.url('reporting')}/ops/projections/pipeline/rebuild", headers=operator(federation),
                         timeout=30)
    assert rebuild.status_code == 202, rebuild.text
    eventually(lambda: city_lag(federation), lambda lag: lag == 0)
    assert eventually(lambda: city_views(federation), lambda views: views == live, timeout=30) == live

    for node_id, member in federation.nodes.items():  # only a reconnect: attached again, the outbox alive
        eventually(member.leafnodes, lambda n: n >= 1, timeout=30)
        headers = operator(federation, member, node_id)
        link = eventually(lambda m=member, h=headers: httpx.get(f"{m.config.url('reporting')}/ops/federation",
                                                                headers=h, timeout=10),
                          lambda r: r.status_code == 200 and r.json()["sources"][0]["alive"], timeout=30)
        assert link.json()["sources"][0]["source"] == f"OUT_{node_id.upper().replace('-', '_')}"
