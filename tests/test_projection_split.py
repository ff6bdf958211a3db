"""A batch whose transaction the database keeps aborting (past its lifetime) is committed in halves, on a real
SecantusDB with a one-second transaction lifetime: the projection moves on instead of retrying the same batch for
ever, and ends as if each event had been written alone."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from support import CounterProjection
from test_projection_runner import publish, runner_for

from reform_node.servers import ChildProcess, free_port, mongo_url, start_mongo
from reform_shared.projection import CHECKPOINTS
from reform_shared.settings import Settings

pytestmark = pytest.mark.service

LIFETIME = 1.0
SLOW_ABOVE = 10
"""Batches of more events than this take longer than the lifetime between two of their statements."""
WRITES_PER_EVENT = 2
"""CounterProjection's: the total, and the event's own document."""


@pytest.fixture
def short_lived(tmp_path: Path) -> Iterator[str]:
    """A database of its own whose idle transactions are aborted after one second."""
    port = free_port()
    child: ChildProcess = start_mongo(tmp_path / "mongo", port, env={"REFORM_SECANTUS_TXN_LIFETIME": str(LIFETIME)})
    try:
        yield mongo_url(port)
    finally:
        child.stop()


@pytest.fixture
async def mongo(short_lived: str) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(short_lived, tz_aware=True)
    yield client
    await client.close()


async def test_a_batch_the_database_keeps_aborting_is_committed_in_halves(js, mongo, settings: Settings,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    await publish(js, settings, [(f"Sáng kiến {i}", "abc"[i % 3]) for i in range(40)])
    runner = runner_for(js, mongo, settings, CounterProjection(), batch_size=40, catch_up_batch_size=40)
    await runner.prepare()
    planner = runner._writer._planner
    plan = planner.plan
    planned: list[int] = []

    def slow_for_large_batches(writes, absent=None):  # type: ignore[no-untyped-def]
        writes = list(writes)
        planned.append(len(writes))
        if len(writes) > SLOW_ABOVE * WRITES_PER_EVENT:
            # The client busy inside the transaction, between its checkpoint read and its writes (on the loaded
            # machine, a large batch's planning): the database reaps the transaction meanwhile.
            time.sleep(LIFETIME * 2.5)
        return plan(writes, absent)

    planner.plan = slow_for_large_batches  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="reform_shared.projection"):
        await runner.run_until_caught_up(timeout=120)

    db = mongo[settings.database_name]
    total = await db.counters.find_one({"_id": "total"})
    assert total["n"] == 40 and total["by_field"] == {"a": 14, "b": 13, "c": 13}
    assert await db.applied.count_documents({"times": 1}) == 40  # each event applied once
    assert (await db[CHECKPOINTS].find_one({"_id": "counter"}))["seq"] == 40
    # the batch of 40 aborted twice, its halves of 20 twice each time they were tried, then quarters of 10 commit
    events_planned = [n // WRITES_PER_EVENT for n in planned]
    assert events_planned[:2] == [40, 40] and events_planned[2:4] == [20, 20]
    assert events_planned[-4:] == [10, 10, 10, 10] and runner._writer.largest == 10
    splits = [r.getMessage() for r in caplog.records if "aborted the transaction" in r.getMessage()]
    assert len(splits) == 2 and "at most 20" in splits[0] and "at most 10" in splits[1]
    assert (await runner.status())["lag"] == 0
