"""The embedded database keeps its databases' profiling levels in memory (`reform_node.secantus.cache_profile_levels`,
so that a command no longer reads WiredTiger to learn it): setting a level still takes effect at once, and turning
it off again stops the profiler, on the server the node launches."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo import AsyncMongoClient

from conftest import Servers


async def test_a_profiling_level_set_takes_effect_at_once_and_turned_off_stops_profiling(servers: Servers) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url)
    db = client[f"profile_{uuid.uuid4().hex[:8]}"]
    try:
        await db["things"].insert_one({"_id": 1})
        assert (await db.command("profile", -1))["was"] == 0
        await db["things"].find_one({"_id": 1})  # read the level (now cached) before it changes
        await db.command("profile", 2)
        assert (await db.command("profile", -1))["was"] == 2
        await db["things"].find_one({"_id": 1, "mark": "on"})
        profiled = [e async for e in db["system.profile"].find({})]
        assert any("on" in str(e.get("command")) for e in profiled), profiled
        await db.command("profile", 0)
        await db["things"].find_one({"_id": 1, "mark": "off"})
        after = [e async for e in db["system.profile"].find({})]
        assert not any("off" in str(e.get("command")) for e in after), after
    finally:
        await client.drop_database(db.name)
        await client.close()
