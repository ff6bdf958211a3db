"""The batched intake on a real nats-server and a real SecantusDB: the service killed with SIGKILL while it works
off a backlog tells each person once, and its inbox equals the inbox rebuilt from the stream into an empty
database; a rule failing on one event of a batch parks that event and the others are told, once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nt_scene import CAMPAIGN, COMMUNE, Writer, campaign, directory_events, submitted
from pymongo import AsyncMongoClient

from reform_node.servers import ChildProcess, free_port
from reform_notifications.application.intake import Arrived, Intake
from reform_notifications.application.memory import Memory
from reform_notifications.application.outbox import INBOX, Outbox
from reform_notifications.domain import recipients
from reform_shared.events import InitiativeReturned, build_registry
from reform_shared.settings import Settings

pytestmark = pytest.mark.service

AUTHORS = ("an", "binh", "minh", "thu")
RETURNED = 1200
COMPARED = ("person", "kind", "cause", "subject", "lines", "link", "read_at")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url)
    try:
        yield mongo
    finally:
        await mongo.drop_database(settings.database)
        await mongo.drop_database(f"{settings.database}_rebuilt")
        await mongo.close()


def service(settings: Settings, log: Path) -> ChildProcess:
    env = {f"REFORM_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
           for name, value in settings.model_dump(mode="json").items() if value is not None}
    env.update({"REFORM_SERVICE_NAME": "notifications", "REFORM_PORT": str(free_port()),
                "REFORM_CONSUMER_BATCH_SIZE": "200"})
    return ChildProcess("notifications", [sys.executable, "-m", "reform_notifications", "serve"], log, env=env)


async def backlog(w: Writer) -> None:
    for payload in directory_events():
        await w.write(payload)
    await w.write(campaign())
    for n in range(RETURNED):
        await w.write(submitted(f"i{n}", f"Sáng kiến {n}", "kinh-te", (AUTHORS[n % 4],)))
    for n in range(RETURNED):
        await w.write(InitiativeReturned(initiative_id=f"i{n}", campaign_id=CAMPAIGN, reason="Thiếu hồ sơ"))


async def inbox_of(client: AsyncMongoClient[dict[str, Any]], database: str) -> dict[str, tuple[Any, ...]]:
    return {d["_id"]: tuple(d.get(f) for f in COMPARED) async for d in client[database][INBOX].find({})}


async def rebuilt(js: JetStreamContext, settings: Settings, client: AsyncMongoClient[dict[str, Any]]
                  ) -> dict[str, tuple[Any, ...]]:
    """Every event of the stream, in order, through a fresh intake into an empty database."""
    db = client[f"{settings.database}_rebuilt"]
    memory = Memory(db)
    await memory.ensure_indexes()
    intake, registry = Intake(db, memory, Outbox(db, email=False)), build_registry()
    sub = await js.pull_subscribe(f"{settings.subject_prefix}.>", stream=settings.stream_name, config=ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE))
    now = dt.datetime.now(dt.UTC)
    while (await sub.consumer_info()).num_pending:
        msgs = await sub.fetch(500, timeout=5)
        await intake.handle_batch([Arrived(m.subject, m.metadata.sequence.stream, m.data, registry.parse(m.data))
                                   for m in msgs], now)
    await sub.unsubscribe()
    return await inbox_of(client, db.name)


async def test_a_service_killed_during_a_backlog_tells_each_person_once_and_its_inbox_equals_its_rebuild(
        settings: Settings, js: JetStreamContext, client: AsyncMongoClient[dict[str, Any]], tmp_path: Path) -> None:
    w = Writer(js, settings)
    await backlog(w)
    inbox = client[settings.database][INBOX]
    first = service(settings, tmp_path / "first.log")
    first.start()
    try:
        while await inbox.count_documents({}) == 0:  # killed once its first batches of notices are committed
            assert first.proc is not None and first.proc.poll() is None, first.log_path.read_text()
            await asyncio.sleep(0.05)
        assert first.proc is not None
        first.proc.kill()
        first.proc.wait()
    finally:
        first.stop()
    told_before_restart = await inbox.count_documents({})
    again = service(settings, tmp_path / "again.log")
    again.start()
    try:
        await w.settled()
    finally:
        again.stop()
    kept = await inbox_of(client, settings.database)
    assert told_before_restart < RETURNED, "the kill came after the backlog was worked off"
    assert len(kept) == RETURNED
    people = sorted(doc[0] for doc in kept.values())
    assert people == sorted(f"{COMMUNE}:{AUTHORS[n % 4]}" for n in range(RETURNED))
    assert kept == await rebuilt(js, settings, client)


async def test_a_rule_failing_on_one_event_of_a_batch_parks_it_and_the_others_are_told_once(
        settings: Settings, js: JetStreamContext, client: AsyncMongoClient[dict[str, Any]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = client[settings.database]
    memory = Memory(db)
    intake, registry = Intake(db, memory, Outbox(db, email=False)), build_registry()
    w = Writer(js, settings)
    events = [await w.write(p) for p in directory_events()] + [await w.write(campaign())]
    events += [await w.write(submitted(f"i{n}", f"Sáng kiến {n}", "kinh-te", ("an",))) for n in range(3)]
    events += [await w.write(InitiativeReturned(initiative_id=f"i{n}", campaign_id=CAMPAIGN, reason="Thiếu"))
               for n in range(3)]
    broken = events[-2].event_id
    rule = recipients.RULES[InitiativeReturned]

    def failing(e: Any, p: Any, k: Any) -> Any:
        if e.event_id == broken:
            raise KeyError("a rule's bug")
        return rule(e, p, k)

    monkeypatch.setitem(recipients.RULES, InitiativeReturned, failing)
    subject = f"{settings.subject_prefix}.{COMMUNE}.initiative.x.InitiativeReturned"
    batch = [Arrived(subject, seq, e.to_json(), registry.parse(e.to_json())) for seq, e in enumerate(events, start=1)]
    assert await intake.handle_batch(batch, dt.datetime.now(dt.UTC)) == 3  # two authors told, one operator
    assert await intake.handle_batch(batch, dt.datetime.now(dt.UTC)) == 0  # redelivered: nothing twice
    causes = sorted([d["cause"] async for d in db[INBOX].find({"kind": "dossier_returned"})])
    assert causes == sorted([events[-3].event_id, events[-1].event_id])
    parked = await intake.parked()
    assert [p["stream_seq"] for p in parked] == [len(events) - 1] and "KeyError" in parked[0]["error"]
    operators = [d async for d in db[INBOX].find({"kind": "event_parked"})]
    assert [d["user_id"] for d in operators] == ["khoa"]
