"""Faults around the stream: a database restored from an older copy, a transaction a killed process left
open, forged and unknown events. Real nats-server, real SecantusDB processes, real kills."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient
from support import CounterProjection, submitted
from test_projection_runner import publish, runner_for

from reform_node.servers import free_port, mongo_url, start_mongo
from reform_shared.audit import EventAudit
from reform_shared.errors import Conflict
from reform_shared.events import build_registry
from reform_shared.projection import CHECKPOINTS, PARKED, ProjectionRunner
from reform_shared.settings import Settings

pytestmark = pytest.mark.service


async def eventually(probe: Any, within: float = 30.0) -> Any:
    """Poll an async probe until it returns something truthy (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if value or loop.time() > deadline:
            return value
        await asyncio.sleep(0.2)


async def total(db: Any) -> int:
    doc = await db.counters.find_one({"_id": "total"}) or {}
    return int(doc.get("n", 0))


async def test_a_database_restored_from_an_older_copy_is_caught_up_by_the_running_projection(
    js: JetStreamContext, settings: Settings, tmp_path: Path
) -> None:
    """The projection's process keeps running while its database goes back in time: the checkpoint it
    finds there is behind its memory, and what the database lost is applied again, once."""
    port = free_port()
    data = tmp_path / "mongo" / "data"
    mongo_proc = start_mongo(data, port)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url(port), tz_aware=True,
                                                                serverSelectionTimeoutMS=2000)
    runner = ProjectionRunner(
        service="test", projection=CounterProjection(), js=js, client=client, db=client[settings.database_name],
        registry=build_registry(), stream=settings.stream_name,
        prefix=settings.subject_prefix, batch_size=20, fetch_timeout=0.2,
    )
    db = client[settings.database_name]
    try:
        await publish(js, settings, [(f"Sáng kiến {i}", "g") for i in range(10)])
        runner.start_in_background()
        assert await eventually(lambda: _is(total(db), 10))
        mongo_proc.stop()  # a clean copy of the database as it was after 10 events
        shutil.copytree(data, tmp_path / "backup")
        mongo_proc = start_mongo(data, port)
        await publish(js, settings, [(f"Sáng kiến {i}", "g") for i in range(10, 30)])
        assert await eventually(lambda: _is(total(db), 30))

        mongo_proc.kill()  # the database is restored from the older copy
        shutil.rmtree(data)
        shutil.copytree(tmp_path / "backup", data)
        mongo_proc = start_mongo(data, port)

        assert await eventually(lambda: _is(total(db), 30)), "the lost events were not applied again"
        assert await db.applied.count_documents({}) == 30
        assert await db.applied.count_documents({"times": {"$ne": 1}}) == 0  # nothing applied twice
        checkpoint = await db[CHECKPOINTS].find_one({"_id": "counter"})
        assert checkpoint is not None and checkpoint["seq"] == 30
    finally:
        await runner.stop()
        await client.close()
        mongo_proc.stop()


async def _is(value: Any, expected: int) -> bool:
    return bool(await value == expected)


ORPHAN = textwrap.dedent("""
    import asyncio, os, sys
    from pymongo import AsyncMongoClient
    async def main():
        client = AsyncMongoClient(sys.argv[1])
        db = client[sys.argv[2]]
        await db["_projection_checkpoints"].update_one({"_id": "counter"}, {"$set": {"seq": 0}}, upsert=True)
        session = client.start_session()
        await session.start_transaction()
        await db["_projection_checkpoints"].update_one({"_id": "counter"}, {"$set": {"seq": 999}},
                                                       session=session)
        await db["counters"].insert_one({"_id": "orphan"}, session=session)
        os._exit(9)  # dies with its transaction open, as a service killed mid-commit
    asyncio.run(main())
""")


async def test_a_transaction_left_open_by_a_killed_process_does_not_stop_the_projection(
    js: JetStreamContext, settings: Settings
) -> None:
    """SecantusDB, as the node runs it, aborts a transaction a dead client left open within seconds; the
    restarted runner prepares (its crash bookkeeping writes the same checkpoint document) and applies."""
    died = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", ORPHAN, settings.mongo_url,
                                                    settings.database_name], capture_output=True, timeout=60)
    assert died.returncode == 9, died.stderr.decode()[-2000:]
    await publish(js, settings, [(f"Sáng kiến {i}", "g") for i in range(5)])
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    runner = runner_for(js, client, settings, CounterProjection())
    db = client[settings.database_name]
    try:
        runner.start_in_background()
        await asyncio.wait_for(runner.prepared.wait(), timeout=60)
        assert await eventually(lambda: _is(total(db), 5), within=60)
        assert await db.counters.find_one({"_id": "orphan"}) is None  # the orphan's writes were rolled back
    finally:
        await runner.stop()
        await client.drop_database(settings.database_name)
        await client.close()


async def _caught_up(runner: ProjectionRunner) -> dict[str, Any] | None:
    status = await runner.status()
    return status if status["lag"] == 0 else None


async def raw_publish(js: JetStreamContext, subject: str, body: dict[str, Any]) -> int:
    ack = await js.publish(subject, json.dumps(body).encode())
    return int(ack.seq)


async def test_a_forged_event_can_be_inspected_but_never_replayed(js: JetStreamContext, settings: Settings) -> None:
    forged = submitted(commune="an-lao")  # the body names an-lao…
    subject = f"{settings.subject_prefix}.ninh-giang.initiative.{forged.aggregate_id}.InitiativeSubmitted"
    seq = await raw_publish(js, subject, json.loads(forged.to_json()))  # …under ninh-giang's subject
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    runner = runner_for(js, client, settings, CounterProjection())
    try:
        await runner.prepare()
        await runner.run_until_caught_up(timeout=30)
        [parked] = await runner.list_parked()
        assert (parked["stream_seq"], parked["error_kind"]) == (seq, "commune_mismatch")
        with pytest.raises(Conflict) as refused:
            await runner.replay_parked(parked["_id"])
        assert refused.value.rule == "forged_event_not_replayable"
        assert "an-lao" in refused.value.message_en and refused.value.message_vi.startswith("Sự kiện")
        assert await total(client[settings.database_name]) == 0  # the forged body never counted
        assert (await client[settings.database_name][PARKED].find_one({"_id": parked["_id"]}))["status"] == "parked"
    finally:
        await client.drop_database(settings.database_name)
        await client.close()


async def test_an_event_of_an_unknown_type_is_visible_to_operators(js: JetStreamContext, settings: Settings) -> None:
    """No projection filters on a type nobody knows; the audit reads every subject and parks it."""
    known = submitted()
    await publish(js, settings, [("Sáng kiến đã biết", "g")])
    body = {**json.loads(known.to_json()), "event_type": "InitiativeTeleported", "payload": {"where": "?"}}
    subject = f"{settings.subject_prefix}.ninh-giang.initiative.{known.aggregate_id}.InitiativeTeleported"
    seq = await raw_publish(js, subject, body)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    runner = runner_for(js, client, settings, EventAudit())
    try:
        await runner.prepare()
        await runner.run_until_caught_up(timeout=30)
        status = await eventually(lambda: _caught_up(runner))
        assert status["parked"] == 1 and status["lag"] == 0
        [parked] = await runner.list_parked()
        assert (parked["stream_seq"], parked["error_kind"], parked["event_type"]) == (
            seq, "unknown_event_type", "InitiativeTeleported")
        assert status["last_applied_sequence"] == seq  # the known event went by, and the checkpoint with it
    finally:
        await client.drop_database(settings.database_name)
        await client.close()
