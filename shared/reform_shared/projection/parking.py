"""Parked events: what a projection could not apply, kept with its error where an operator can list
it and, once the cause is fixed, replay it — so that poison never blocks the events behind it."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.errors import Conflict, NotFound
from reform_shared.projection.announce import Announcer
from reform_shared.projection.contracts import NEVER_REPLAYED, PARKED, Projection, by_collection_of
from reform_shared.registry import EventRegistry
from reform_shared.store import StoredEvent

log = logging.getLogger("reform_shared.projection")


def named_type(msg: Msg) -> str:
    """The type an event names, even when it does not parse: its header, else its subject's last token."""
    return (msg.headers or {}).get("Reform-Event-Type") or msg.subject.rsplit(".", 1)[-1]


class ParkingLot:
    """The parked events of one projection: their documents, their listing, and the rules of replay."""

    def __init__(
        self,
        *,
        service: str,
        projection: Projection,
        js: JetStreamContext,
        stream: str,
        client: AsyncMongoClient[dict[str, Any]],
        db: AsyncDatabase[dict[str, Any]],
        registry: EventRegistry,
        announcer: Announcer | None = None,
    ) -> None:
        self._announcer = announcer
        self._service = service
        self._projection = projection
        self._js = js
        self._stream = stream
        self._client = client
        self._db = db
        self._registry = registry

    def unknown_type(self, msg: Msg) -> bool:
        """The event names a type this node does not know."""
        return named_type(msg) not in self._registry.event_types

    def doc(self, msg: Msg, seq: int, kind: str, error: str, envelope: Any) -> dict[str, Any]:
        """The parked document: the raw bytes kept (as text, or base64 when they are not UTF-8)."""
        try:
            text: str | None = msg.data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        return {
            "_id": f"{self._projection.name}:{seq}",
            "projection": self._projection.name,
            "service": self._service,
            "stream_seq": seq,
            "subject": msg.subject,
            "event_id": getattr(envelope, "event_id", None),
            "commune_id": getattr(envelope, "commune_id", None),
            "event_type": getattr(envelope, "event_type", None) or named_type(msg),
            "error_kind": kind,
            "error": error,
            "deliveries": msg.metadata.num_delivered,
            "data": text,
            "data_b64": None if text is not None else base64.b64encode(msg.data).decode(),
            "parked_at": dt.datetime.now(dt.UTC),
            "status": "parked",
        }

    async def announce(self, docs: Iterable[dict[str, Any]]) -> int:
        """Tell the node (a `ProjectionParked` on the stream, see `announce.py`) of parked documents already
        committed; each marked once the stream has it. A failure is logged and left for `announce_pending`
        (at the next start): the projection goes on meanwhile. Returns how many were announced."""
        if self._announcer is None:
            return 0
        done = 0
        for doc in docs:
            try:
                await self._announcer(doc)
                await self._db[PARKED].update_one({"_id": doc["_id"], "parked_at": doc["parked_at"]},
                                                  {"$set": {"announced_at": dt.datetime.now(dt.UTC)}})
                done += 1
            except Exception as exc:  # noqa: BLE001 - announced again at the next start
                log.warning("projection %s: parked event %s not announced yet: %s: %s", self._projection.name,
                            doc.get("_id"), type(exc).__name__, exc)
        return done

    async def announce_pending(self) -> int:
        """Announce every parked document not marked announced (a crash or an outage after its commit)."""
        query = {"projection": self._projection.name, "status": "parked", "announced_at": None}
        return await self.announce([doc async for doc in self._db[PARKED].find(query).sort("stream_seq", 1)])

    async def create_index(self) -> None:
        await self._db[PARKED].create_index([("projection", 1), ("status", 1)])

    async def clear(self) -> None:
        await self._db[PARKED].delete_many({"projection": self._projection.name})

    async def count(self) -> int:
        return await self._db[PARKED].count_documents({"projection": self._projection.name, "status": "parked"})

    async def list(self, status: str | None = "parked", limit: int = 100) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"projection": self._projection.name}
        if status:
            query["status"] = status
        cursor = self._db[PARKED].find(query).sort("stream_seq", 1).limit(limit)
        return [doc async for doc in cursor]

    async def replayable(self, parked_id: str) -> dict[str, Any]:
        """The parked document, if it may be replayed: parked still, and of a kind that may ever count."""
        doc = await self._db[PARKED].find_one({"_id": parked_id, "projection": self._projection.name})
        if doc is None:
            raise NotFound(
                f"Không có sự kiện bị tạm giữ {parked_id}", f"no parked event {parked_id}", field="parked_id"
            )
        if doc["status"] != "parked":
            raise Conflict("Sự kiện này đã được xử lý lại", "this event was already replayed", rule="replay_once")
        if doc.get("error_kind") in NEVER_REPLAYED:
            vi, en = NEVER_REPLAYED[doc["error_kind"]]
            raise Conflict(
                f"Sự kiện này không bao giờ được đưa vào dữ liệu: {vi} ({doc.get('error', '')})",
                f"this event is never applied: {en} ({doc.get('error', '')})",
                field="parked_id", rule="forged_event_not_replayable",
                details={"error_kind": doc["error_kind"], "subject": doc.get("subject")},
            )
        return doc

    async def replay(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Apply the parked event again with its writes unplanned; it stays parked, with why, if it fails."""
        parked_id = doc["_id"]
        raw = await self._js.get_msg(self._stream, int(doc["stream_seq"]))
        try:
            envelope = self._registry.parse(raw.data or b"")
            writes = self._projection.apply(StoredEvent(envelope, int(doc["stream_seq"]), raw.subject or ""))
            async with self._client.start_session() as session, await session.start_transaction():
                for collection, ops in by_collection_of(writes).items():
                    await self._db[collection].bulk_write(ops, ordered=True, session=session)
                await self._db[PARKED].update_one(
                    {"_id": parked_id},
                    {"$set": {"status": "replayed", "replayed_at": dt.datetime.now(dt.UTC)}},
                    session=session,
                )
        except Exception as exc:
            await self._db[PARKED].update_one(
                {"_id": parked_id},
                {"$set": {"last_replay_error": f"{type(exc).__name__}: {exc}"}, "$inc": {"replays_failed": 1}},
            )
            raise Conflict(f"Xử lý lại vẫn lỗi: {exc}", f"replay failed again: {exc}", rule="replay_failed") from exc
        return {"parked_id": parked_id, "status": "replayed"}
