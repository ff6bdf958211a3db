"""The projection runner against real JetStream and a real Mongo-wire server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient
from pymongo.errors import ConnectionFailure
from support import CounterProjection, TitleIndex, submitted

from reform_shared.errors import Conflict
from reform_shared.events import build_registry
from reform_shared.projection import CHECKPOINTS, Projection, ProjectionRunner, Upsert, Write, by_collection_of
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore, StoredEvent

pytestmark = pytest.mark.service


@pytest.fixture
async def mongo(settings: Settings):
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield client
    await client.drop_database(settings.database_name)
    await client.close()


def runner_for(js: JetStreamContext, mongo: AsyncMongoClient[dict[str, Any]], settings: Settings,
               projection: Projection, **options: Any) -> ProjectionRunner:
    return ProjectionRunner(
        service="test", projection=projection, js=js, client=mongo, db=mongo[settings.database_name],
        registry=build_registry(), stream=settings.stream_name,
        **{"prefix": settings.subject_prefix, "batch_size": 20, "fetch_timeout": 0.2, **options},
    )


async def publish(js: JetStreamContext, settings: Settings, titles_fields: list[tuple[str, str]]) -> None:
    store = JetStreamEventStore(js, build_registry(), settings.stream_name, settings.subject_prefix)
    for title, field in titles_fields:
        event = submitted(title=title, field=field)
        await store.append(await store.load("ninh-giang", "initiative", event.aggregate_id), [event])


async def snapshot(mongo: AsyncMongoClient[dict[str, Any]], settings: Settings) -> dict[str, list[dict[str, Any]]]:
    db = mongo[settings.database_name]
    return {name: [doc async for doc in db[name].find().sort("_id", 1)] for name in ("counters", "applied")}


async def test_events_are_applied_once_each_in_one_pass(js, mongo, settings) -> None:
    await publish(js, settings, [(f"Sáng kiến {i}", "abc"[i % 3]) for i in range(45)])
    runner = runner_for(js, mongo, settings, CounterProjection())
    await runner.prepare()
    await runner.run_until_caught_up(timeout=30)

    db = mongo[settings.database_name]
    total = await db.counters.find_one({"_id": "total"})
    assert total["n"] == 45 and total["by_field"] == {"a": 15, "b": 15, "c": 15}
    assert await db.applied.count_documents({"times": {"$ne": 1}}) == 0
    assert (await db[CHECKPOINTS].find_one({"_id": "counter"}))["seq"] == 45
    assert (await runner.status())["lag"] == 0


async def test_a_crash_between_write_and_ack_changes_nothing_after_restart(js, mongo, settings) -> None:
    await publish(js, settings, [(f"Sáng kiến {i}", "g") for i in range(50)])
    crashed = run_crashing(settings, "after-write")
    assert crashed.returncode == 137, crashed.stderr.decode()[-2000:]
    db = mongo[settings.database_name]
    assert (await db.counters.find_one({"_id": "total"}))["n"] == 20  # written, never acknowledged

    restarted = runner_for(js, mongo, settings, CounterProjection(), ack_wait=1.0)
    await restarted.prepare()
    await restarted.run_until_caught_up(timeout=30)

    assert (await db.counters.find_one({"_id": "total"}))["n"] == 50
    assert await db.applied.count_documents({}) == 50
    assert await db.applied.count_documents({"times": {"$ne": 1}}) == 0


async def test_poison_events_are_parked_and_the_next_events_still_apply(js, mongo, settings) -> None:
    await publish(js, settings, [("Trước sự cố", "a")])
    await js.publish(f"{settings.subject_prefix}.ninh-giang.initiative.x1.InitiativeSubmitted", b"\xff not json")
    await publish(js, settings, [("BUG", "b"), ("Sau sự cố", "c")])
    projection = CounterProjection(fail_titles=frozenset({"BUG"}))
    runner = runner_for(js, mongo, settings, projection, handler_retries=2, retry_base_delay=0.01)
    await runner.prepare()
    await runner.run_until_caught_up(timeout=30)

    db = mongo[settings.database_name]
    total = await db.counters.find_one({"_id": "total"})
    assert total["n"] == 2 and total["by_field"] == {"a": 1, "c": 1}
    parked = await runner.list_parked()
    assert [(p["stream_seq"], p["error_kind"]) for p in parked] == [(2, "unparseable"), (3, "handler_failed")]
    assert "handler bug on BUG" in parked[1]["error"]
    assert parked[0]["data_b64"] is not None  # the raw bytes are kept for the operator
    assert (await runner.status())["parked"] == 2

    projection.fail_titles.clear()  # the bug is fixed: the operator replays the parked event
    assert (await runner.replay_parked(parked[1]["_id"]))["status"] == "replayed"
    assert (await db.counters.find_one({"_id": "total"}))["by_field"] == {"a": 1, "b": 1, "c": 1}
    with pytest.raises(Conflict):
        await runner.replay_parked(parked[0]["_id"])  # still unreadable: stays parked, says why
    assert (await runner.status())["parked"] == 1


def run_crashing(settings: Settings, mode: str, **extra: Any) -> subprocess.CompletedProcess[bytes]:
    config = {"nats_url": settings.nats_url, "mongo_url": settings.mongo_url, "database": settings.database_name,
              "stream": settings.stream_name, "prefix": settings.subject_prefix, "batch_size": 20,
              "ack_wait": 1.0, "mode": mode, **extra}
    return subprocess.run([sys.executable, str(Path(__file__).parent / "crash_runner.py"), json.dumps(config)],
                          capture_output=True, timeout=60)


async def test_an_event_that_kills_the_process_is_parked_after_max_deliver_restarts(js, mongo, settings) -> None:
    titles = [(f"Trước {i}", "a") for i in range(7)] + [("CRASH", "b")] + [(f"Sau {i}", "c") for i in range(5)]
    await publish(js, settings, titles)
    exits = []
    for _ in range(12):  # a supervisor restarting the service after each crash
        exits.append(run_crashing(settings, "crash-on-title", max_deliver=2).returncode)
        if exits[-1] == 0:
            break
    assert exits[-1] == 0 and set(exits[:-1]) == {139}, exits

    runner = runner_for(js, mongo, settings, CounterProjection(), max_deliver=2)
    parked = await runner.list_parked()
    assert [(p["stream_seq"], p["error_kind"]) for p in parked] == [(8, "crash_loop")]
    total = await mongo[settings.database_name].counters.find_one({"_id": "total"})
    assert total["by_field"] == {"a": 7, "c": 5}
    assert await mongo[settings.database_name].applied.count_documents({"times": {"$ne": 1}}) == 0


async def test_a_rebuild_from_scratch_equals_the_incremental_projection(js, mongo, settings) -> None:
    runner = runner_for(js, mongo, settings, CounterProjection())
    await runner.prepare()
    for chunk in range(3):  # built incrementally, in several passes
        await publish(js, settings, [(f"Đợt {chunk} số {i}", "abcdeg"[i % 6]) for i in range(15)])
        await runner.run_until_caught_up(timeout=30)
    incremental = await snapshot(mongo, settings)

    await runner.rebuild()
    assert await snapshot(mongo, settings) == {"counters": [], "applied": []}
    await runner.run_until_caught_up(timeout=30)

    assert await snapshot(mongo, settings) == incremental
    assert incremental["counters"][0]["n"] == 45


async def test_planned_batches_catching_up_and_rebuilding_equal_one_write_per_event(js, mongo, settings) -> None:
    """Upserts merged per batch, inserts while rebuilding, the next batch prepared while one commits:
    the documents are those the events' writes give one by one, in order."""
    runner = runner_for(js, mongo, settings, TitleIndex(), batch_size=4, catch_up_batch_size=15)
    await runner.prepare()
    for chunk in range(3):
        await publish(js, settings, [(f"Đợt {chunk} sáng kiến {i}", "abc"[i % 3]) for i in range(30)])
        await runner.run_until_caught_up(timeout=30)
    incremental = await titles(mongo, settings)

    registry, expected_db = build_registry(), mongo[f"{settings.database_name}_expected"]
    for seq in range(1, 91):
        raw = await js.get_msg(settings.stream_name, seq)
        event = StoredEvent(registry.parse(raw.data or b""), seq, raw.subject or "")
        for collection, ops in by_collection_of(TitleIndex().apply(event)).items():
            await expected_db[collection].bulk_write(ops)
    expected = {name: [doc async for doc in expected_db[name].find().sort("_id", 1)]
                for name in ("by_field", "initiatives")}
    await mongo.drop_database(expected_db.name)
    assert incremental == expected
    assert [doc["titles"][:2] for doc in expected["by_field"]] == [
        ["Đợt 0 sáng kiến 0", "Đợt 0 sáng kiến 3"], ["Đợt 0 sáng kiến 1", "Đợt 0 sáng kiến 4"],
        ["Đợt 0 sáng kiến 2", "Đợt 0 sáng kiến 5"]]

    await runner.rebuild()
    await runner.run_until_caught_up(timeout=30)
    assert await titles(mongo, settings) == expected
    assert (await runner.status())["last_applied_sequence"] == 90


class TitleIndexV2(TitleIndex):
    version = 2  # now also keeps the title's length

    def apply(self, event):  # type: ignore[no-untyped-def]
        writes = super().apply(event)
        title = event.envelope.payload.content.title
        return [*writes, Write("initiatives", Upsert(event.envelope.payload.initiative_id, {"length": len(title)}))]


async def test_a_projection_whose_version_changed_is_rebuilt_from_the_stream_at_start(js, mongo, settings) -> None:
    await publish(js, settings, [(f"Sáng kiến {i}", "a") for i in range(12)])
    first = runner_for(js, mongo, settings, TitleIndex())
    await first.prepare()
    await first.run_until_caught_up(timeout=30)
    db = mongo[settings.database_name]
    assert await db.initiatives.count_documents({"length": {"$exists": True}}) == 0

    second = runner_for(js, mongo, settings, TitleIndexV2())
    await second.prepare()
    await second.run_until_caught_up(timeout=30)
    assert await db.initiatives.count_documents({"length": {"$exists": True}}) == 12
    assert len((await db.by_field.find_one({"_id": "a"}))["titles"]) == 12  # rebuilt, not applied on top
    assert (await db[CHECKPOINTS].find_one({"_id": "titles"}))["version"] == 2


async def titles(mongo: AsyncMongoClient[dict[str, Any]], settings: Settings) -> dict[str, list[dict[str, Any]]]:
    db = mongo[settings.database_name]
    return {name: [doc async for doc in db[name].find().sort("_id", 1)] for name in ("by_field", "initiatives")}


async def test_a_batch_that_failed_to_commit_is_applied_before_anything_newer(js, mongo, settings) -> None:
    """The next batch was already fetched while the failing one committed; the failed one's messages
    would only come back after it. The runner starts again after its checkpoint instead."""
    await publish(js, settings, [(f"Sáng kiến {i}", "abc"[i % 3]) for i in range(30)])
    runner = runner_for(js, mongo, settings, CounterProjection(), batch_size=10, catch_up_batch_size=10)
    await runner.prepare()
    commit = runner._commit_batch
    failures = []

    async def fail_once(items):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(items[0].seq)
            raise RuntimeError("the database refused the batch")
        await commit(items)

    runner._commit_batch = fail_once  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await runner.run_until_caught_up(timeout=30)
    await runner.run_until_caught_up(timeout=30)

    db = mongo[settings.database_name]
    assert failures == [1]
    assert (await db.counters.find_one({"_id": "total"}))["n"] == 30
    assert await db.applied.count_documents({"times": 1}) == 30


async def test_a_commit_whose_answer_was_lost_is_not_applied_again(js, mongo, settings) -> None:
    """The transaction committed, then the connection failed before the answer: the runner retries
    (a transient error), and the retry finds the batch's checkpoint and writes nothing."""
    await publish(js, settings, [(f"Sáng kiến {i}", "a") for i in range(6)])
    runner = runner_for(js, mongo, settings, TitleIndex())
    await runner.prepare()
    commit = runner._writer._commit
    lost = []

    async def commit_then_lose_the_answer(items, *planned):  # type: ignore[no-untyped-def]
        await commit(items, *planned)
        if not lost:
            lost.append(items[-1].seq)
            raise ConnectionFailure("connection closed before the commit's answer")

    runner._writer._commit = commit_then_lose_the_answer  # type: ignore[method-assign]
    await runner.run_until_caught_up(timeout=30)

    assert lost == [6]
    titles = (await mongo[settings.database_name].by_field.find_one({"_id": "a"}))["titles"]
    assert titles == [f"Sáng kiến {i}" for i in range(6)]  # each appended once


async def test_a_large_live_batch_inserts_the_documents_it_creates_and_updates_those_that_exist(
        js, mongo, settings) -> None:
    """A backlog worked off outside a rebuild: the writer reads which documents of the batch exist, inserts the
    others built in memory, and the documents are those one write per event would leave."""
    published = [(f"Sáng kiến {i}", "a") for i in range(5)]
    await publish(js, settings, published)
    runner = runner_for(js, mongo, settings, TitleIndex(), batch_size=100)
    await runner.prepare()
    await runner.run_until_caught_up(timeout=30)  # `a` and five initiatives exist now
    more = [(f"Sáng kiến {i}", "ab"[i % 2]) for i in range(5, 85)]
    await publish(js, settings, more)
    looked_up: list[int] = []
    absent_of = runner._writer._absent

    async def counted(session, lookups):  # type: ignore[no-untyped-def]
        absent = await absent_of(session, lookups)
        looked_up.extend(len(keys) for keys in (absent or {}).values())
        return absent

    runner._writer._absent = counted  # type: ignore[method-assign]
    await runner.run_until_caught_up(timeout=30)

    # The new initiatives were read absent (one query per batch of at least 50; the 2 field documents: too few).
    assert looked_up and sum(looked_up) <= 80
    db = mongo[settings.database_name]
    for field in "ab":
        doc = await db.by_field.find_one({"_id": field})
        assert doc["titles"] == [t for t, f in [*published, *more] if f == field]
        assert doc["last_title"] == [t for t, f in [*published, *more] if f == field][-1]
    titles = sorted([doc["title"] async for doc in db.initiatives.find()])
    assert titles == sorted(t for t, _ in [*published, *more])


class IndexedCounter(CounterProjection):
    async def create_indexes(self, db) -> None:  # type: ignore[no-untyped-def]
        await db["applied"].create_index("seq", name="by_seq")


async def test_a_rebuild_builds_its_indexes_once_caught_up_not_before(js, mongo, settings) -> None:
    await publish(js, settings, [(f"Sáng kiến {i}", "c") for i in range(30)])
    runner = runner_for(js, mongo, settings, IndexedCounter(), batch_size=10)
    await runner.prepare()
    await runner.run_until_caught_up(timeout=30)
    db = mongo[settings.database_name]
    assert "by_seq" in await db.applied.index_information()

    await runner.rebuild()
    assert await runner.step() == 10  # a full batch: still catching up, no index maintained yet
    assert "by_seq" not in await db.applied.index_information()
    await runner.run_until_caught_up(timeout=30)
    assert "by_seq" in await db.applied.index_information()
    assert await db.applied.count_documents({}) == 30


async def test_a_projection_reading_a_new_prefix_is_rebuilt_with_what_it_missed(js, mongo, settings) -> None:
    """A node joining a federation reads the city's prefix too: its projections start again from
    the stream, so events it filtered out before count now, and nothing counts twice."""
    await publish(js, settings, [(f"Sáng kiến {i}", "a") for i in range(5)])
    city = settings.model_copy(update={"subject_prefix": f"{settings.subject_prefix}city"})
    config = (await js.stream_info(settings.stream_name)).config
    config.subjects = [*(config.subjects or []), f"{city.subject_prefix}.>"]
    await js.update_stream(config)
    await publish(js, city, [(f"Quyết định {i}", "b") for i in range(3)])  # the other side's subjects
    first = runner_for(js, mongo, settings, CounterProjection())
    await first.prepare()
    await first.run_until_caught_up(timeout=30)
    db = mongo[settings.database_name]
    assert (await db.counters.find_one({"_id": "total"}))["n"] == 5

    both = runner_for(js, mongo, settings, CounterProjection(),
                      prefix=[settings.subject_prefix, city.subject_prefix])
    await both.prepare()
    await both.run_until_caught_up(timeout=30)
    total = await db.counters.find_one({"_id": "total"})
    assert total["n"] == 8 and total["by_field"] == {"a": 5, "b": 3}
    assert await db.applied.count_documents({"times": {"$ne": 1}}) == 0


async def test_events_that_write_nothing_commit_no_transaction_and_their_checkpoint_once_idle(
        js, mongo, settings) -> None:
    """The record's audit writes nothing for a valid event: its batches are acknowledged with the checkpoint kept in
    memory, and the checkpoint alone is committed once the runner is idle (one transaction, not one per batch)."""
    from reform_shared.audit import EventAudit

    runner = runner_for(js, mongo, settings, EventAudit())
    commits: list[int] = []
    commit = runner._commit_batch

    async def counted(items: list[Any]) -> None:
        commits.append(len(items))
        await commit(items)

    runner._commit_batch = counted  # type: ignore[method-assign]
    await runner.start()
    try:
        await publish(js, settings, [(f"Sáng kiến {i}", "a") for i in range(30)])
        checkpoints = mongo[settings.database_name][CHECKPOINTS]
        for _ in range(100):
            stored = await checkpoints.find_one({"_id": "event_audit"})
            if stored is not None and stored["seq"] == 30:
                break
            await asyncio.sleep(0.1)
        assert stored is not None and stored["seq"] == 30  # committed once idle (fetch_timeout 0.2 s)
        assert commits == []  # no batch needed a transaction of its own
        assert (await runner.status())["lag"] == 0
    finally:
        await runner.stop()


async def test_a_restart_applies_again_what_wrote_nothing_and_counts_no_crash(js, mongo, settings) -> None:
    """Killed with the checkpoint of acknowledged, write-free events not yet committed: the next start applies them
    again from the committed checkpoint (to no effect), and the crash ledger does not count it as a crash."""
    from reform_shared.audit import EventAudit

    await publish(js, settings, [(f"Sáng kiến {i}", "a") for i in range(12)])
    first = runner_for(js, mongo, settings, EventAudit())
    await first.prepare()
    assert await first.step() == 12  # applied and acknowledged; the process then dies without settling
    await first._position.unsubscribe()
    checkpoints = mongo[settings.database_name][CHECKPOINTS]
    assert await checkpoints.find_one({"_id": "event_audit"}) is None

    again = runner_for(js, mongo, settings, EventAudit())
    await again.prepare()
    assert again._position.checkpoint == 0  # from the database: the twelve are delivered again
    await again.run_until_caught_up(timeout=30)
    stored = await checkpoints.find_one({"_id": "event_audit"})
    assert stored["seq"] == 12 and "crashes" not in stored
    assert (await again.status())["lag"] == 0 and (await again.list_parked()) == []
    await again.stop()
