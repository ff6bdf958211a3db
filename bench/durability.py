"""What durability costs: the embedded database with `--sync-on-commit` (every commit on disk before it is
acknowledged, as the node runs it) beside the same server without it, in the same run.

The work is a projection's: transactions of `batch` upserts plus the checkpoint update, one after the other.
A live node commits small batches (an event or a few at a time), a catch-up large ones (hundreds to
thousands): both sizes are measured. The non-durable server is the baseline: the ratio is what the
guarantee costs.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient, UpdateOne

from bench.environment import Environment
from bench.harness import Measurement, Row, Stopwatch
from reform_node.servers import ChildProcess, free_port, mongo_url, start_mongo

BATCHES = (1, 100)


class DurabilityBench:
    def __init__(self, env: Environment, events: int, rounds: int) -> None:
        self.env = env
        self.events = events
        self.rounds = rounds

    async def run(self) -> list[Row]:
        base = self.env.base / "durability"
        servers: dict[bool, tuple[ChildProcess, AsyncMongoClient[dict[str, Any]]]] = {}
        try:
            for durable in (False, True):
                port = free_port()
                child = start_mongo(base / ("durable" if durable else "plain") / "data", port, durable=durable)
                servers[durable] = (child, AsyncMongoClient(mongo_url(port), tz_aware=True))
            rows: list[Row] = []
            for batch in BATCHES:
                events = self.events if batch > 1 else max(1, self.events // 10)
                plain = Measurement(f"not synced, {batch} per transaction (baseline)", events)
                synced = Measurement(f"--sync-on-commit, {batch} per transaction", events)
                for _ in range(self.rounds):  # alternating, so both see the same machine
                    for durable, measurement in ((False, plain), (True, synced)):
                        measurement.seconds.append(await self._transactions(servers[durable][1], events, batch))
                rows += [Row(plain, is_baseline=True), Row(synced, baseline=plain)]
            return rows
        finally:
            for child, client in servers.values():
                await client.close()
                child.stop()
            shutil.rmtree(Path(base), ignore_errors=True)

    @staticmethod
    async def _transactions(client: AsyncMongoClient[dict[str, Any]], events: int, batch: int) -> float:
        db = client[f"durability_{uuid.uuid4().hex[:8]}"]
        await db.docs.insert_one({"_id": "warm-up"})
        with Stopwatch() as sw:
            for start in range(0, events, batch):
                ops = [UpdateOne({"_id": f"d{seq}"}, {"$set": {"seq": seq, "title": "Sáng kiến"}}, upsert=True)
                       for seq in range(start, min(start + batch, events))]
                async with client.start_session() as session, await session.start_transaction():
                    await db.docs.bulk_write(ops, ordered=True, session=session)
                    await db.checkpoints.update_one({"_id": "p"}, {"$set": {"seq": start + len(ops)}}, upsert=True,
                                                    session=session)
        await client.drop_database(db.name)
        return sw.seconds
