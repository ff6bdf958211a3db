"""A parked event reaches the commune's operators, once (issue 16): a projection of another service parks a
poison event, appends a `ProjectionParked` under the node's ops prefix, and the notifications service tells the
operators of the commune — and nobody else — in the inbox and by e-mail, never twice on a re-announcement, a
restart, a rebuild or a redelivery. The other services' projections never receive the operational event, and
the federation does not carry it to the city. Real nats-server, real SecantusDB, real SMTP server."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pymongo import AsyncMongoClient

sys.path.append(str(Path(__file__).resolve().parents[1] / "services" / "notifications" / "tests"))

from nt_scene import COMMUNE, PEOPLE, Mailbox, Writer, directory_events, notification_settings

from reform_notifications.bootstrap import build_app
from reform_notifications.runtime import NotificationsRuntime
from reform_shared.envelope import Actor, EventEnvelope, EventPayload
from reform_shared.events import ProjectionParked, build_registry
from reform_shared.events.directory import OfficialEntry, OfficialRegistered
from reform_shared.events.operations import UNKNOWN_COMMUNE
from reform_shared.federation import COMMUNE_PREFIX, FederatedNode, FederationConfig, fed_stream_config
from reform_shared.ids import FixedClock
from reform_shared.projection import PARKED, ProjectionRunner
from reform_shared.projection.announce import StoreAnnouncer, parked_envelope
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore
from reform_shared.subjects import event_subject

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
OTHER = "an-lao"
"""A second commune on the node, with an operator of its own who must not hear of ninh-giang's parks."""


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with Mailbox.running() as box:
        yield box


async def write_as(js: JetStreamContext, settings: Settings, commune: str, payload: EventPayload, n: int) -> None:
    envelope = EventEnvelope(
        event_id=f"{commune}-{n}", event_type=payload.event_type, schema_version=payload.schema_version,
        commune_id=commune, aggregate_type=payload.aggregate_type, aggregate_id=payload.aggregate_id(),
        aggregate_version=n, occurred_at=dt.datetime(2026, 6, 1, 9, tzinfo=VN),
        actor=Actor(user_id="admin", commune_id=commune), correlation_id="c", payload=payload)
    await js.publish(event_subject(settings.subject_prefix, envelope), envelope.to_json(), stream=settings.stream_name)


class Node:
    """The notifications service over HTTP, and the reporting service's runtime (its projections)."""

    def __init__(self, settings: Settings, js: JetStreamContext, mailbox: Mailbox) -> None:
        self.settings = settings
        self.js = js
        self.mailbox = mailbox
        self.config = notification_settings(settings, mailbox)
        self.writer = Writer(js, self.config)
        self.clock = FixedClock(dt.datetime(2026, 6, 1, 9, 0, tzinfo=VN))
        self.runtime = NotificationsRuntime(self.config, clock=self.clock, run_clock=False)
        self.http: httpx.AsyncClient | None = None
        self.reporting: ServiceRuntime | None = None

    def reporting_settings(self) -> Settings:
        return self.settings.model_copy(update={"service_name": "reporting",
                                                "database": f"{self.settings.database_name}_reporting"})

    async def start_reporting(self) -> ServiceRuntime:
        from reform_reporting.bootstrap import build_runtime

        self.reporting = build_runtime(self.reporting_settings())
        await self.reporting.start()
        return self.reporting

    async def stop_reporting(self) -> None:
        if self.reporting is not None:
            await self.reporting.stop()
            self.reporting = None

    async def inbox(self, user: str, commune: str = COMMUNE) -> list[dict[str, Any]]:
        assert self.http is not None
        from reform_shared.auth.tokens import issue_token

        bearer = issue_token("test-secret-0123456789-0123456789-0123456789", subject=user, name=user,
                             commune_id=commune, roles=["operator"], issuer="reform-node", audience="reform")
        response = await self.http.get("/api/v1/notifications/me", headers={"Authorization": f"Bearer {bearer}"})
        assert response.status_code == 200, response.text
        body: list[dict[str, Any]] = response.json()
        return body

    async def settled(self) -> None:
        await self.writer.settled()
        assert self.runtime.wiring is not None
        await self.runtime.wiring.dispatcher.tick(self.clock.now())

    async def ops_events(self) -> list[dict[str, Any]]:
        """Every operational event the stream holds (read directly)."""
        sub = await self.js.pull_subscribe(f"{self.settings.ops_prefix}.>", stream=self.settings.stream_name,
                                           config=ConsumerConfig(ack_policy=AckPolicy.NONE,
                                                                 deliver_policy=DeliverPolicy.ALL, mem_storage=True))
        found: list[dict[str, Any]] = []
        try:
            while True:
                try:
                    msgs = await sub.fetch(100, timeout=0.5)
                except Exception:  # noqa: BLE001 - nothing more
                    break
                found += [json.loads(m.data) | {"_subject": m.subject} for m in msgs]
        finally:
            await sub.unsubscribe()
        return found


@pytest.fixture
async def node(settings: Settings, js: JetStreamContext, mailbox: Mailbox) -> AsyncIterator[Node]:
    n = Node(settings, js, mailbox)
    for payload in directory_events():
        await n.writer.write(payload)
    await write_as(js, settings, OTHER, OfficialRegistered(effective=dt.date(2026, 1, 1), official=OfficialEntry(
        official_id="tuan", full_name="Lý Văn Tuấn", unit_id=None, email="tuan@anlao.gov.vn",
        roles=("operator",))), 1)
    app = build_app(n.runtime)
    try:
        async with app.router.lifespan_context(app), httpx.AsyncClient(  # type: ignore[attr-defined]
                transport=httpx.ASGITransport(app=app), base_url="http://n") as http:  # type: ignore[arg-type]
            n.http = http
            yield n
    finally:
        await n.stop_reporting()
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url)
        await client.drop_database(n.reporting_settings().database_name)
        await client.close()


async def eventually(probe: Any, within: float = 30.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if value or loop.time() > deadline:
            return value
        await asyncio.sleep(0.1)


async def forged_submission(node: Node) -> bytes:
    from support import submitted

    body = json.loads(submitted(commune=OTHER).to_json())
    return json.dumps({**body, "event_id": "forged-1"}).encode()


async def announced(runtime: ServiceRuntime, projection: str) -> list[dict[str, Any]] | None:
    parked = await runtime.runner(projection).list_parked()
    return parked if parked and all(p.get("announced_at") for p in parked) else None


async def test_a_park_in_reporting_tells_the_communes_operator_once_and_nobody_else(node: Node) -> None:
    # A forged event (its body names another commune than its subject): parked by reporting's pipeline and its
    # audit, read without complaint by the notifications service (no rule, nothing to park there).
    forged = await forged_submission(node)
    subject = f"{node.settings.subject_prefix}.{COMMUNE}.initiative.i-x.InitiativeSubmitted"
    seq = int((await node.js.publish(subject, forged, stream=node.settings.stream_name)).seq)
    reporting = await node.start_reporting()
    for projection in ("pipeline", "event_audit"):
        parked = await eventually(lambda p=projection: announced(reporting, p))
        assert parked and [(p["stream_seq"], p["error_kind"]) for p in parked] == [(seq, "commune_mismatch")]

    events = sorted(await node.ops_events(), key=lambda e: e["payload"]["projection"])
    assert [e["payload"]["projection"] for e in events] == ["event_audit", "pipeline"]
    event = events[1]
    ops = node.settings.ops_prefix
    assert event["_subject"] == f"{ops}.{COMMUNE}.projection.reporting-pipeline-{seq}.ProjectionParked"
    assert (event["event_type"], event["causation_id"]) == ("ProjectionParked", "forged-1")
    assert event["payload"] | {"reason": "…"} == {
        "node_id": node.settings.node_id, "service": "reporting", "projection": "pipeline",
        "stream_seq": seq, "subject": subject, "parked_type": "InitiativeSubmitted", "parked_event_id": "forged-1",
        "error_kind": "commune_mismatch", "reason": "…", "commune_id": COMMUNE}

    await node.settled()
    told = await node.inbox("khoa")
    assert [n["kind"] for n in told] == ["event_parked"]
    assert "reporting" in told[0]["subject"] and f"vị trí {seq}" in told[0]["lines"][0]  # once for the service
    for user in set(PEOPLE) - {"khoa"}:
        assert await node.inbox(user) == [], user
    assert await node.inbox("tuan", OTHER) == []  # another commune's operator hears nothing of ninh-giang's
    assert len(node.mailbox.to("khoa@ninhgiang.gov.vn")) == 1
    assert node.mailbox.to("tuan@anlao.gov.vn") == []

    # A process that died after the append but before marking it: announced again at the restart — a duplicate.
    await node.stop_reporting()
    db = node.runtime.mongo
    assert db is not None
    reporting_db = db[node.reporting_settings().database_name]
    await reporting_db[PARKED].update_many({}, {"$unset": {"announced_at": ""}})
    reporting = await node.start_reporting()
    assert await eventually(lambda: announced(reporting, "pipeline"))
    # A rebuild parks the same poison again: the same id, again a duplicate.
    await reporting.runner("pipeline").rebuild()
    assert await eventually(lambda: announced(reporting, "pipeline"))
    # Beyond the stream's duplicate window a re-sent append is recognised by the aggregate's expected sequence.
    store = JetStreamEventStore(node.js, build_registry(), node.settings.stream_name, node.settings.ops_prefix)
    envelope = parked_envelope(parked[0], node_id=node.settings.node_id, service="reporting",
                               now=dt.datetime.now(dt.UTC))
    headers = {"Nats-Msg-Id": "beyond-the-window", "Nats-Expected-Last-Subject-Sequence": "0",
               "Nats-Expected-Last-Subject-Sequence-Subject": event["_subject"]}
    with pytest.raises(Exception, match=r"10071|wrong last sequence"):
        await node.js.publish(event["_subject"], envelope.to_json(), stream=node.settings.stream_name, headers=headers)
    await StoreAnnouncer(store, node_id=node.settings.node_id, service="reporting")(parked[0])  # a duplicate
    assert len(await node.ops_events()) == 2

    # The notifications consumer given the same event again (a redelivery): the outbox meets its key.
    await node.js.publish(f"{event['_subject']}", json.dumps({k: v for k, v in event.items() if k != "_subject"}
                                                           ).encode(), stream=node.settings.stream_name,
                          headers={"Nats-Msg-Id": "a-redelivery"})
    await node.settled()
    assert [n["kind"] for n in await node.inbox("khoa")] == ["event_parked"]
    assert len(node.mailbox.to("khoa@ninhgiang.gov.vn")) == 1


async def test_a_park_whose_commune_is_unknown_reaches_every_operator_of_the_node(node: Node) -> None:
    seq = int((await node.js.publish(f"{node.settings.subject_prefix}.garbage", b"\xff not an event",
                                     stream=node.settings.stream_name)).seq)
    reporting = await node.start_reporting()
    parked = await eventually(lambda: announced(reporting, "event_audit"))
    assert parked and [(p["stream_seq"], p["error_kind"]) for p in parked] == [(seq, "unknown_event_type")]
    [event] = await node.ops_events()
    assert event["commune_id"] == UNKNOWN_COMMUNE and event["payload"]["commune_id"] is None
    await node.settled()
    # Each operator of each commune on the node, in their own commune's inbox; nobody else.
    assert [n["kind"] for n in await node.inbox("khoa")] == ["event_parked"]
    assert [n["kind"] for n in await node.inbox("tuan", OTHER)] == ["event_parked"]
    for user in set(PEOPLE) - {"khoa"}:
        assert await node.inbox(user) == [], user


def _matches(subject_filter: str, subject: str) -> bool:
    pattern, tokens = subject_filter.split("."), subject.split(".")
    for index, part in enumerate(pattern):
        if part == ">":
            return len(tokens) > index
        if index >= len(tokens) or (part != "*" and part != tokens[index]):
            return False
    return len(pattern) == len(tokens)


async def test_no_projection_of_any_service_receives_or_parks_the_operational_event(
        settings: Settings, js: JetStreamContext) -> None:
    from reform_awards.bootstrap import build_runtime as awards
    from reform_directory.bootstrap import build_runtime as directory
    from reform_evaluation.bootstrap import build_runtime as evaluation
    from reform_identity.bootstrap import build_runtime as identity
    from reform_reporting.bootstrap import build_runtime as reporting
    from reform_submission.bootstrap import build_runtime as submission

    city_read = settings.model_copy(update={"read_prefixes": [settings.subject_prefix, "city"]})
    store = JetStreamEventStore(js, build_registry(), settings.stream_name, settings.ops_prefix)
    parked_doc = {"_id": "x", "projection": "pipeline", "stream_seq": 1, "parked_at": dt.datetime.now(dt.UTC),
                  "subject": f"{settings.subject_prefix}.{COMMUNE}.initiative.i.InitiativeSubmitted",
                  "event_type": "InitiativeSubmitted", "error_kind": "handler_failed", "error": "boom"}
    await write_as(js, settings, COMMUNE, directory_events()[0], 1)
    await StoreAnnouncer(store, node_id=settings.node_id, service="reporting")(parked_doc)
    envelope = parked_envelope(parked_doc, node_id=settings.node_id, service="reporting", now=dt.datetime.now(dt.UTC))
    ops_subject = event_subject(settings.ops_prefix, envelope)
    assert isinstance(build_registry().parse(envelope.to_json()).payload, ProjectionParked)  # known, were it read

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    db = client[settings.database_name]
    checked = []
    try:
        for build in (awards, directory, evaluation, identity, reporting, submission):
            runtime = build(settings, run_projections=False)
            for projection in runtime._projections:
                for s in (settings, city_read):
                    filters = [f for p in s.consumed_prefixes for f in projection.subject_filters(p)]
                    assert not any(_matches(f, ops_subject) for f in filters), (projection.name, filters)
                runner = ProjectionRunner(service="check", projection=projection, js=js, client=client, db=db,
                                          registry=build_registry(), stream=settings.stream_name,
                                          prefix=settings.subject_prefix, fetch_timeout=0.2)
                try:
                    await runner.prepare()
                    await runner.run_until_caught_up(timeout=30)
                    assert await runner.list_parked() == [], projection.name
                finally:
                    await runner.stop()
                checked.append(projection.name)
    finally:
        await client.drop_database(settings.database_name)
        await client.close()
    assert len(checked) == 8


def test_the_federation_never_carries_a_communes_operational_events_to_the_city() -> None:
    node = FederatedNode(node_id="ninh-giang", communes=["ninh-giang", "an-lao"])
    cfg = FederationConfig(nodes=[node])
    fed = fed_stream_config(cfg, node)
    ops = Settings(subject_prefix=COMMUNE_PREFIX).ops_prefix
    for source in fed.sources or []:
        assert source.filter_subject is not None
        assert not _matches(source.filter_subject, f"{ops}.ninh-giang.projection.x-1.ProjectionParked")
        prefix, commune = source.filter_subject.split(".")[:2]  # its events, and its catalogue files
        assert prefix in (COMMUNE_PREFIX, f"{COMMUNE_PREFIX}-files") and commune in node.communes
        assert _matches(source.filter_subject, f"{prefix}.{commune}.a.b.C")
    city = Settings(subject_prefix="city", stream_subjects=["city.>"])
    assert city.node_stream_subjects == ["city.>", "city-ops.>", "city-files.>"]  # the city's own stay there


async def test_provisioning_gives_an_existing_notifications_consumer_the_ops_filter_keeping_its_place(
        settings: Settings, js: JetStreamContext) -> None:
    """A node provisioned before operational events existed: its consumer gets the new filter, not a new start."""
    from reform_shared.provisioning import NOTIFICATIONS_CONSUMER, ensure_consumer, notifications_consumer_config

    await js.delete_consumer(settings.stream_name, NOTIFICATIONS_CONSUMER)
    old = notifications_consumer_config(settings)
    old.filter_subjects = [f"{settings.subject_prefix}.>"]
    await js.add_consumer(settings.stream_name, old)
    for n in range(3):
        await write_as(js, settings, COMMUNE, directory_events()[n], n + 1)
    sub = await js.pull_subscribe_bind(NOTIFICATIONS_CONSUMER, settings.stream_name)
    for msg in await sub.fetch(2, timeout=5):
        await msg.ack()
    await sub.unsubscribe()
    assert await ensure_consumer(js, settings.stream_name, notifications_consumer_config(settings)) is False
    info = await js.consumer_info(settings.stream_name, NOTIFICATIONS_CONSUMER)
    assert sorted(info.config.filter_subjects or []) == sorted([f"{settings.subject_prefix}.>",
                                                                 f"{settings.ops_prefix}.>"])
    assert info.delivered.stream_seq == 2 and info.num_pending == 1  # its place kept
