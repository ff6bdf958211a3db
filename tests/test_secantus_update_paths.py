"""The embedded database checks an update's paths in linear time (`reform_node.secantus_codecs.paths_without_conflict`)
and answers exactly as the stock walk does: the same conflict named, the same error first, on thousands of
generated updates and on the server the node launches."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from typing import Any

import pytest
import secantus.update
from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure

from conftest import Servers
from reform_node.secantus_codecs import paths_without_conflict

STOCK = secantus.update._validate_update_paths
FAST = paths_without_conflict(STOCK)
PARTS = ("a", "b", "c", "")
OPERATORS = ("$set", "$inc", "$unset", "$rename", "$setOnInsert", "$max", "$nope")


def outcome(walk: Any, update: Mapping[str, Any]) -> tuple[str, Any]:
    try:
        return "answer", walk(update)
    except secantus.update.UpdateError as exc:
        return "error", (exc.code, str(exc))


def generated(rng: random.Random) -> dict[str, Any]:
    update: dict[str, Any] = {}
    for _ in range(rng.randint(1, 4)):
        op = rng.choices(OPERATORS, weights=(6, 3, 2, 2, 1, 1, 1))[0] if rng.random() > 0.03 else "plain"
        fields: dict[str, Any] = {}
        for _ in range(rng.randint(1, 5)):
            path = ".".join(rng.choices(PARTS, weights=(5, 5, 5, 1), k=rng.randint(1, 3)))
            fields[path] = ".".join(rng.choices(PARTS[:3], k=rng.randint(1, 2))) if op == "$rename" else 1
        update[op] = fields if rng.random() > 0.02 else 7  # now and then an operator whose argument is no document
    return update


def test_thousands_of_generated_updates_get_the_stock_answer_and_the_stock_error() -> None:
    rng = random.Random(20261204)
    kinds = {"answer": 0, "conflict": 0, "error": 0}
    for _ in range(5_000):
        update = generated(rng)
        expected = outcome(STOCK, update)
        assert outcome(FAST, update) == expected, update
        kinds["conflict" if expected[0] == "answer" and expected[1] else expected[0]] += 1
    assert min(kinds.values()) > 500, kinds  # each kind of outcome generated often enough to mean something


@pytest.mark.parametrize(("update", "expected"), [
    ({"$set": {"a": 2}, "$inc": {"a.b": 1}}, ("a.b", "a")),
    ({"$set": {"a.b": 2}, "$inc": {"a": 1}}, ("a", "a")),
    ({"$set": {"a.b": 2}, "$inc": {"a.b.c": 1}}, ("a.b.c", "a.b")),
    ({"$rename": {"a": "b"}, "$set": {"b": 9}}, ("b", "b")),
    ({"$rename": {"a": "a.b"}}, None),  # a rename's two ends are not compared with each other (its own error)
    ({"$set": {"ab": 1, "a": 2, "a.c": 3}}, ("a.c", "a")),
    ({"$set": {f"f{i}": i for i in range(40)}, "$inc": {"n": 1}}, None),
])
def test_the_conflicts_mongod_names(update: dict[str, Any], expected: tuple[str, str] | None) -> None:
    assert FAST(update) == STOCK(update) == expected


async def test_the_server_applies_a_wide_update_and_refuses_a_conflict_in_mongods_words(servers: Servers) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongo_url)
    db = client[f"paths_{uuid.uuid4().hex[:8]}"]
    try:
        wide = {f"f{i}": i for i in range(40)}
        await db["things"].update_one({"_id": 1}, {"$set": wide, "$inc": {"n": 1}}, upsert=True)
        assert await db["things"].find_one({"_id": 1}) == {"_id": 1, **wide, "n": 1}
        with pytest.raises(OperationFailure) as refused:
            await db["things"].update_one({"_id": 1}, {"$set": {"f1": 2}, "$inc": {"f1.x": 1}})
        assert refused.value.code == 40
        assert "Updating the path 'f1.x' would create a conflict at 'f1'" in str(refused.value)
        with pytest.raises(OperationFailure) as empty:
            await db["things"].update_one({"_id": 1}, {"$set": {"": 1}})
        assert empty.value.code == 56
        assert await db["things"].find_one({"_id": 1}) == {"_id": 1, **wide, "n": 1}  # nothing applied
    finally:
        await client.drop_database(db.name)
        await client.close()
