"""Runs a projection in its own process that dies (os._exit): right after the first batch's
write committed and before any ack, or whenever it applies the event titled CRASH."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import nats
from pymongo import AsyncMongoClient

sys.path.insert(0, str(Path(__file__).parent))

from support import CounterProjection

from reform_shared.events import build_registry
from reform_shared.projection import ProjectionRunner, _Item


class CrashAfterWrite(ProjectionRunner):
    async def _commit_batch(self, items: list[_Item]) -> None:
        await super()._commit_batch(items)
        os._exit(137)


class CrashOnTitle(CounterProjection):
    """A handler bug that kills the process (think: a segfault in a native library)."""

    def apply(self, event):  # type: ignore[no-untyped-def]
        if event.envelope.payload.content.title == "CRASH":
            os._exit(139)
        return super().apply(event)


async def main(config: dict[str, Any]) -> None:
    nc = await nats.connect(config["nats_url"])
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(config["mongo_url"], tz_aware=True)
    crash_after_write = config["mode"] == "after-write"
    runner_class = CrashAfterWrite if crash_after_write else ProjectionRunner
    runner = runner_class(
        service="test",
        projection=CounterProjection() if crash_after_write else CrashOnTitle(), js=nc.jetstream(), client=client,
        db=client[config["database"]], registry=build_registry(), stream=config["stream"],
        prefix=config["prefix"], batch_size=config["batch_size"], ack_wait=config["ack_wait"],
        max_deliver=config.get("max_deliver", 5),
    )
    await runner.prepare()
    await runner.run_until_caught_up(timeout=30)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
