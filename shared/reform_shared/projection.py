"""The projection runner: a durable pull consumer applied in stream order, in batches.

Guarantees:
- Order: one fetch is handled sequentially; a batch's writes go to MongoDB in one transaction
  together with the projection's checkpoint (the last applied stream sequence).
- Idempotent: a redelivered message at or below the checkpoint is acknowledged and skipped, so
  a crash between the write and the ack changes nothing.
- Poison never blocks: a message that cannot be parsed, whose handler keeps failing after
  retries with backoff, or that stopped the process `max_deliver` times in a row (see
  `prepare`), is parked — recorded with its error where an operator can list and replay
  it — and the events behind it go on.
- Order: the runner never negatively acknowledges; a redelivery after a crash would arrive
  after newer messages, so an unclean start repositions the consumer at checkpoint + 1.
- Infrastructure failures (database unreachable) are retried in place with backoff and never
  park anything: the projection stalls and its lag shows it, but no event is lost.

Handlers return MongoDB write operations computed from the event alone (update operators, not
read-modify-write), since reads would not see the uncommitted writes of the same batch. Those given
as `Upsert`s are planned per batch (see `reform_shared.coalesce`): one write per document and batch,
and while a projection is rebuilt, inserts of documents built in memory instead of upserts.

Speed: when the consumer reports a backlog, the runner fetches `catch_up_batch_size` events at a
time (one transaction each) instead of `batch_size`.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import traceback
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy
from nats.js.errors import NotFoundError
from pymongo import AsyncMongoClient, ReplaceOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from reform_shared.coalesce import MongoOp, Upsert, WritePlanner, plain
from reform_shared.errors import Conflict, NotFound
from reform_shared.registry import EventRegistry, MalformedEvent
from reform_shared.store import StoredEvent
from reform_shared.subjects import event_type_filter
from reform_shared.telemetry import context_of, tracer

log = logging.getLogger(__name__)

__all__ = ["CHECKPOINTS", "PARKED", "MongoOp", "Projection", "ProjectionRunner", "Upsert", "Write", "by_collection_of"]

CHECKPOINTS = "_projection_checkpoints"
PARKED = "_parked_events"
NEVER_REPLAYED: dict[str, tuple[str, str]] = {
    "commune_mismatch": (
        "xã/phường ghi trong sự kiện khác với xã/phường của chủ đề (subject) — sự kiện giả mạo hoặc hỏng",
        "the commune in its body is not the commune of its subject: forged or broken",
    ),
}
"""Parked kinds an operator may inspect but never replay: replaying would count what must not count."""


class CheckpointRegressed(RuntimeError):
    """The database's checkpoint is behind what this process applied: it lost commits."""

    def __init__(self, stored: int, applied: int) -> None:
        super().__init__(f"the database holds checkpoint {stored}, this process applied up to {applied}")
        self.stored = stored
        self.applied = applied


@dataclass(frozen=True)
class Write:
    """One write of a projection on a named collection: an `Upsert` (merged and planned per batch)
    or any PyMongo bulk operation (applied as it is, in order)."""

    collection: str
    op: MongoOp | Upsert


class Projection(ABC):
    """A read model built from some event types. Subclasses are pure functions of events."""

    name: str
    event_types: tuple[str, ...]
    collections: tuple[str, ...]
    version: int = 1
    """Raised when what the projection writes changes shape: a projection built by another version is
    rebuilt from the stream at start."""

    def subject_filters(self, prefix: str) -> list[str]:
        """The subjects its consumer reads under one prefix: its event types (filtered on the server)."""
        return [event_type_filter(prefix, event_type) for event_type in self.event_types]

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:  # noqa: B027 - optional hook
        """Indexes of the projection's collections (called at start and after a rebuild)."""

    @abstractmethod
    def apply(self, event: StoredEvent) -> list[Write]:
        """The writes that apply one event."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionFailure):
        return True
    return isinstance(exc, PyMongoError) and exc.has_error_label("TransientTransactionError")


def by_collection_of(writes: list[Write]) -> dict[str, list[MongoOp]]:
    """Writes grouped per collection, each group in event order, one operation per write (unplanned)."""
    return plain((write.collection, write.op) for write in writes)


@dataclass
class _Item:
    msg: Msg
    seq: int
    writes: list[Write]
    parked: dict[str, Any] | None = None


@dataclass
class _Batch:
    """Messages fetched together and their writes, computed (events parsed and applied) but not committed."""

    generation: int
    msgs: list[Msg]
    items: list[_Item]
    pending: int
    """What the consumer still held after the last message."""
    catch_up: bool
    """Fetched to work off a backlog: traced as one span, not one per event."""
    lost_consumer: bool = False


class ProjectionRunner:
    """Runs one projection of one service against the node's event stream."""

    def __init__(
        self,
        *,
        service: str,
        projection: Projection,
        js: JetStreamContext,
        client: AsyncMongoClient[dict[str, Any]],
        db: AsyncDatabase[dict[str, Any]],
        registry: EventRegistry,
        stream: str,
        prefix: str | Sequence[str],
        batch_size: int = 500,
        catch_up_batch_size: int = 10_000,
        max_deliver: int = 5,
        ack_wait: float = 30.0,
        handler_retries: int = 3,
        retry_base_delay: float = 0.05,
        fetch_timeout: float = 1.0,
    ) -> None:
        self.service = service
        self.projection = projection
        self.consumer = f"{service}-{projection.name}".replace(".", "_")
        self._js = js
        self._client = client
        self._db = db
        self._registry = registry
        self._stream = stream
        self._prefixes = [prefix] if isinstance(prefix, str) else list(prefix)
        self.batch_size = batch_size
        self.catch_up_batch_size = max(batch_size, catch_up_batch_size)
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.handler_retries = handler_retries
        self.retry_base_delay = retry_base_delay
        self.fetch_timeout = fetch_timeout
        self._sub: JetStreamContext.PullSubscription | None = None
        self._generation = 0
        self._checkpoint = 0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._isolate = False
        self._park_first = False
        self._indexes_pending = False
        self._pending = 0
        """Events the consumer still held after the last batch (from its last message)."""
        self._prefetched: asyncio.Task[_Batch] | None = None
        """The next batch, fetched and prepared while the current one commits (when more are waiting)."""
        self._planner = WritePlanner()
        self._reposition = False
        self.prepared = asyncio.Event()
        """Set once the consumer is positioned after the checkpoint (see `prepare`)."""
        self._verified_at = 0.0
        self.last_error: str | None = None
        self._tracer = tracer(f"reform.projection.{service}")

    # -- life cycle -------------------------------------------------------------------------
    def consumer_config(self) -> ConsumerConfig:
        """The durable consumer, positioned just after what the projection already holds."""
        filters = [f for p in self._prefixes for f in self.projection.subject_filters(p)]
        resume = self._checkpoint > 0
        return ConsumerConfig(
            durable_name=self.consumer,
            description=f"projection {self.projection.name} of {self.service}",
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_ack_pending=max(1000, self.catch_up_batch_size * 2),
            filter_subjects=filters if len(filters) > 1 else None,
            filter_subject=filters[0] if len(filters) == 1 else None,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if resume else DeliverPolicy.ALL,
            opt_start_seq=self._checkpoint + 1 if resume else None,
        )

    async def prepare(self) -> None:
        """Create indexes, read the checkpoint, and position the durable consumer after it.

        A consumer left with unacknowledged messages means the previous process died mid-batch.
        Its messages would come back out of order (after newer ones), and the checkpoint would
        then skip them, so the consumer is recreated at checkpoint + 1 instead. Restarts at the
        same checkpoint are counted: after `max_deliver` of them the runner applies one event at
        a time, and after one more it parks the event that keeps killing the process.
        """
        await self.projection.create_indexes(self._db)
        await self._db[PARKED].create_index([("projection", 1), ("status", 1)])
        try:
            info: ConsumerInfo | None = await self._js.consumer_info(self._stream, self.consumer)
        except NotFoundError:
            info = None
        doc = await self._db[CHECKPOINTS].find_one({"_id": self.projection.name}) or {}
        rebuilt_otherwise = "seq" in doc and doc.get("version", 1) != self.projection.version
        if (info is not None and self._filters_changed(info)) or rebuilt_otherwise:
            # The projection now reads other event types or prefixes than its consumer does, or writes
            # other documents: what it holds was built otherwise, so it is built again from the start.
            log.warning("projection %s: its definition changed; rebuilding it from the stream", self.consumer)
            await self._reset()
            info, doc = None, {}
        self._checkpoint = int(doc.get("seq", 0))
        crashes = int(doc.get("crashes", 0)) if doc.get("crash_seq") == self._checkpoint else 0
        unclean = info is not None and self._has_leftovers(info)
        if unclean:
            crashes += 1
            await self._db[CHECKPOINTS].update_one(
                {"_id": self.projection.name},
                {"$set": {"crash_seq": self._checkpoint, "crashes": crashes}},
                upsert=True,
            )
            log.warning(
                "projection %s: unclean stop at sequence %s (%s in a row)", self.consumer, self._checkpoint, crashes
            )
        self._isolate = crashes >= self.max_deliver
        self._park_first = crashes > self.max_deliver
        await self._subscribe(recreate=unclean or (info is not None and self._settings_changed(info)))
        self.prepared.set()

    def _filters_changed(self, info: ConsumerInfo) -> bool:
        wanted = self.consumer_config()
        current = sorted(info.config.filter_subjects or [info.config.filter_subject or ""])
        return current != sorted(wanted.filter_subjects or [wanted.filter_subject or ""])

    def _settings_changed(self, info: ConsumerInfo) -> bool:
        """Delivery settings other than the filters (created by an older version): recreated at the checkpoint."""
        wanted = self.consumer_config()
        return (info.config.ack_policy, info.config.max_ack_pending) != (wanted.ack_policy, wanted.max_ack_pending)

    def _has_leftovers(self, info: ConsumerInfo) -> bool:
        """Messages in flight, or delivered past the checkpoint: the process died mid-batch, or the database
        lost commits (restored from an older copy): either way it starts again after the checkpoint."""
        delivered = info.delivered.stream_seq if info.delivered is not None else 0
        return bool(info.num_ack_pending) or (delivered or 0) > self._checkpoint

    async def _subscribe(self, recreate: bool = False) -> None:
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:  # noqa: BLE001 - the old subscription may already be gone
                pass
        try:
            await self._js.consumer_info(self._stream, self.consumer)
            exists = True
        except NotFoundError:
            exists = False
        if exists and recreate:
            await self._js.delete_consumer(self._stream, self.consumer)
            exists = False
        if not exists:
            await self._js.add_consumer(self._stream, self.consumer_config())
        self._sub = await self._js.pull_subscribe_bind(self.consumer, stream=self._stream)
        self._generation += 1

    async def start(self) -> None:
        await self.prepare()
        self._stopping = False
        self._task = asyncio.create_task(self._loop(), name=f"projection:{self.consumer}")

    def start_in_background(self) -> None:
        """Prepare (retrying while the database or NATS is away) and run, without holding up the service:
        a database that is down, or a transaction a killed process left open on the checkpoint, delays the
        projection, never the process's readiness to answer."""
        self._stopping = False
        self._task = asyncio.create_task(self._prepare_then_loop(), name=f"projection:{self.consumer}")

    async def _prepare_then_loop(self) -> None:
        delay = 0.2
        while not self._stopping:
            try:
                await self.prepare()
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - retried: nothing is applied before it succeeds
                self.last_error = f"preparing: {type(exc).__name__}: {exc}"
                log.warning("projection %s: %s; retrying in %.1fs", self.consumer, self.last_error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        if not self._stopping:
            self.last_error = None
            await self._loop()

    async def stop(self) -> None:
        """Finish the batch in hand, then stop (a cancel mid-batch would look like a crash)."""
        self._stopping = True
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=self.fetch_timeout + 10)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
                try:
                    await self._task
                except asyncio.CancelledError:
                    pass
            self._task = None
        if self._prefetched is not None:  # only after a cancel: its messages come back at the next start
            self._prefetched.cancel()
            self._prefetched = None
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:  # noqa: BLE001
                pass
            self._sub = None

    async def _loop(self) -> None:
        while not self._stopping or self._prefetched is not None:  # a batch in hand is finished, not dropped
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("projection %s: loop error", self.consumer)
                await asyncio.sleep(1.0)

    async def step(self) -> int:
        """Fetch and handle one batch; returns how many messages were handled.

        While a backlog is worked off, the next batch is fetched, parsed and applied in memory
        while this one commits: the database works on one batch as this process prepares the next.
        """
        if self._sub is None or self._reposition:
            # After a batch failed to commit, its messages would come back after newer ones (which
            # the checkpoint would then skip past): the consumer starts again after the checkpoint.
            if self._reposition:
                doc = await self._db[CHECKPOINTS].find_one({"_id": self.projection.name}) or {}
                self._checkpoint = int(doc.get("seq", 0))
            await self._subscribe(recreate=self._reposition)
            self._reposition, self._pending = False, 0
        try:
            if self._prefetched is not None:
                task, self._prefetched = self._prefetched, None
                batch = await task
            else:
                batch = await self._next_batch(self._pending)
        except BaseException:
            self._abandon()  # messages may have been fetched and left unacknowledged
            raise
        if batch.lost_consumer:
            await self._subscribe()
            return 0
        if not batch.msgs:
            await self._verify_checkpoint()
        async with self._lock:
            if batch.generation != self._generation:
                return 0  # a rebuild happened meanwhile: these belong to the old consumer
            if batch.pending and not self._isolate and not self._stopping:
                self._prefetched = asyncio.create_task(self._next_batch(batch.pending))
            if batch.msgs:
                try:
                    await self._handle(batch)
                except CheckpointRegressed as exc:
                    self._regressed(exc.stored)
                    return 0
                except BaseException:
                    self._abandon()
                    raise
            self._pending = batch.pending
            if self._pending == 0:
                await self._caught_up()
        return len(batch.msgs)

    async def _verify_checkpoint(self, every: float = 5.0) -> None:
        """While idle, every few seconds: the checkpoint in the database is the truth, not this process's memory.
        A database that lost its last commits (killed without syncing, restored from a backup) holds an older
        checkpoint than the one here: the consumer moves back to it, so what was lost is applied again."""
        now = asyncio.get_running_loop().time()
        if now - self._verified_at < every:
            return
        self._verified_at = now
        doc = await self._db[CHECKPOINTS].find_one({"_id": self.projection.name}, {"seq": 1}) or {}
        stored = int(doc.get("seq", 0))
        if stored < self._checkpoint:
            self._regressed(stored)

    def _regressed(self, stored: int) -> None:
        log.warning("projection %s: the database holds checkpoint %s, this process had applied up to %s; "
                    "applying again from %s", self.consumer, stored, self._checkpoint, stored + 1)
        self.last_error = f"checkpoint went back from {self._checkpoint} to {stored}: re-applying from {stored + 1}"
        self._abandon()

    def _abandon(self) -> None:
        """A batch in hand failed: drop the prefetched one, and start again after the checkpoint."""
        self._reposition = True
        if self._prefetched is not None:
            self._prefetched.cancel()
            self._prefetched = None

    async def _next_batch(self, behind: int) -> _Batch:
        """Fetch a batch (larger when `behind` is) and compute its writes."""
        assert self._sub is not None
        generation = self._generation
        catch_up = behind >= self.batch_size and not self._isolate
        size = 1 if self._isolate else self.catch_up_batch_size if catch_up else self.batch_size
        try:
            msgs = await self._sub.fetch(size, timeout=self.fetch_timeout)
        except (TimeoutError, nats.errors.TimeoutError):
            msgs = []  # nothing new within fetch_timeout
        except NotFoundError:
            return _Batch(generation, [], [], 0, catch_up, lost_consumer=True)
        except Exception:
            if generation != self._generation:  # rebuilt meanwhile: the old subscription is gone
                return _Batch(generation, [], [], 0, catch_up)
            raise
        items: list[_Item] = []
        for index, msg in enumerate(msgs):
            seq = msg.metadata.sequence.stream
            if seq <= self._checkpoint:
                continue  # applied before a crash; only the ack was lost
            items.append(await self._prepare_item(msg, seq, traced=not catch_up))
            if index % 200 == 199:
                await asyncio.sleep(0)  # let the batch being committed go on meanwhile
        pending = msgs[-1].metadata.num_pending if msgs else 0
        return _Batch(generation, msgs, items, pending, catch_up)

    async def _caught_up(self) -> None:
        """After a rebuild caught up: building indexes once beats maintaining them on every write."""
        if self._indexes_pending:
            await self.projection.create_indexes(self._db)
            self._indexes_pending = False
        self._planner.stop_inserting()  # live events from here: few per batch, upserts

    async def run_until_caught_up(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Apply everything the stream holds for this projection, then return (rebuild, tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            handled = await self.step()
            if handled and self._pending == 0:
                return  # the last message said nothing was behind it
            if handled < self.batch_size:  # a short batch: maybe the end, ask rather than wait
                info = await self._js.consumer_info(self._stream, self.consumer)
                if info.num_pending == 0 and info.num_ack_pending == 0:
                    return
        raise TimeoutError(f"projection {self.consumer} not caught up after {timeout}s")

    # -- handling ---------------------------------------------------------------------------
    async def _handle(self, batch: _Batch) -> None:
        # Prepared before the previous batch committed: what that batch covered is dropped here.
        items = [item for item in batch.items if item.seq > self._checkpoint]
        if items and batch.catch_up:
            with self._tracer.start_as_current_span(
                f"project {self.projection.name} catch-up",
                attributes={"reform.events": len(items), "reform.first_seq": items[0].seq,
                            "reform.last_seq": items[-1].seq},
            ):
                await self._commit_batch(items)
        elif items:
            await self._commit_batch(items)
        if items:
            self._checkpoint = items[-1].seq
            self._park_first = False  # only the first event after the crash point is suspect
        for msg in batch.msgs:
            await msg.ack()

    async def _prepare_item(self, msg: Msg, seq: int, traced: bool = True) -> _Item:
        if self._park_first:
            reason = f"the process stopped {self.max_deliver + 1} times in a row while applying it"
            return _Item(msg, seq, [], self._parked_doc(msg, seq, "crash_loop", reason, None))
        try:
            envelope = self._registry.parse(msg.data)
        except MalformedEvent as exc:
            kind = "unknown_event_type" if self._unknown_type(msg) else "unparseable"
            return _Item(msg, seq, [], self._parked_doc(msg, seq, kind, str(exc), None))
        except Exception as exc:  # noqa: BLE001 - an upcaster bug: the event is parked, the next ones go on
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            return _Item(msg, seq, [], self._parked_doc(msg, seq, "unparseable", detail, None))
        subject_commune = msg.subject.split(".")[1] if msg.subject.count(".") >= 4 else None
        if subject_commune != envelope.commune_id:
            # A node may only publish its own communes' subjects (leafnode permissions, source
            # filters); an event whose body names another commune is forged or broken: never counted.
            reason = f"commune {envelope.commune_id!r} in the event, {subject_commune!r} in its subject {msg.subject}"
            return _Item(msg, seq, [], self._parked_doc(msg, seq, "commune_mismatch", reason, envelope))
        event = StoredEvent(envelope, seq, msg.subject)
        delay = self.retry_base_delay
        for attempt in range(1, self.handler_retries + 1):
            try:
                if not traced:
                    return _Item(msg, seq, self.projection.apply(event))
                with self._tracer.start_as_current_span(
                    f"project {self.projection.name} {envelope.event_type}",
                    context=context_of(envelope.trace),
                    attributes={"reform.event_id": envelope.event_id, "messaging.message.id": str(seq)},
                ):
                    return _Item(msg, seq, self.projection.apply(event))
            except Exception as exc:  # noqa: BLE001 - a handler bug must not stop the projection
                if attempt == self.handler_retries:
                    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                    return _Item(msg, seq, [], self._parked_doc(msg, seq, "handler_failed", detail, envelope))
                await msg.in_progress()
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _unknown_type(self, msg: Msg) -> bool:
        """The event names a type this node does not know."""
        return self._named_type(msg) not in self._registry.event_types

    @staticmethod
    def _named_type(msg: Msg) -> str:
        """The type an event names, even when it does not parse: its header, else its subject's last token."""
        return (msg.headers or {}).get("Reform-Event-Type") or msg.subject.rsplit(".", 1)[-1]

    def _parked_doc(self, msg: Msg, seq: int, kind: str, error: str, envelope: Any) -> dict[str, Any]:
        try:
            text: str | None = msg.data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        return {
            "_id": f"{self.projection.name}:{seq}",
            "projection": self.projection.name,
            "service": self.service,
            "stream_seq": seq,
            "subject": msg.subject,
            "event_id": getattr(envelope, "event_id", None),
            "event_type": getattr(envelope, "event_type", None) or self._named_type(msg),
            "error_kind": kind,
            "error": error,
            "deliveries": msg.metadata.num_delivered,
            "data": text,
            "data_b64": None if text is not None else base64.b64encode(msg.data).decode(),
            "parked_at": dt.datetime.now(dt.UTC),
            "status": "parked",
        }

    async def _commit_batch(self, items: list[_Item]) -> None:
        planned = self._planner.plan((write.collection, write.op) for item in items for write in item.writes)
        try:
            await self._commit_with_retry(items, planned)
        except Exception as exc:
            if is_transient(exc) or isinstance(exc, CheckpointRegressed):
                raise
            log.warning("projection %s: batch write failed (%s); retrying event by event", self.consumer, exc)
            for item in items:
                try:
                    await self._commit_with_retry([item], by_collection_of(item.writes))
                except Exception as item_exc:
                    if is_transient(item_exc) or isinstance(item_exc, CheckpointRegressed):
                        raise
                    item.parked = self._parked_doc(item.msg, item.seq, "write_failed", str(item_exc), None)
                    item.writes = []
                    await self._commit_with_retry([item], {})
                self._checkpoint = item.seq  # committed: a failure further on must not apply it again

    async def _commit_with_retry(self, items: list[_Item], by_collection: dict[str, list[MongoOp]]) -> None:
        delay = 0.2
        while True:
            try:
                await self._commit(items, by_collection)
                self.last_error = None
                return
            except Exception as exc:
                if not is_transient(exc) or self._stopping:
                    raise
                self.last_error = f"database unavailable, retrying: {exc}"
                log.warning("projection %s: %s", self.consumer, self.last_error)
                for item in items:
                    await item.msg.in_progress()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _commit(self, items: list[_Item], by_collection: dict[str, list[MongoOp]]) -> None:
        parked: list[ReplaceOne[Any]] = []
        for item in items:
            if item.parked is not None:
                parked.append(ReplaceOne({"_id": item.parked["_id"]}, item.parked, upsert=True))
        async with self._client.start_session() as session, await session.start_transaction():
            await self._write_all(session, by_collection, parked, items[-1].seq)

    async def _write_all(
        self,
        session: AsyncClientSession,
        by_collection: dict[str, list[MongoOp]],
        parked: list[ReplaceOne[Any]],
        seq: int,
    ) -> None:
        # A commit whose answer was lost may have landed: the retry sees its checkpoint and writes nothing.
        done = await self._db[CHECKPOINTS].find_one({"_id": self.projection.name}, {"seq": 1}, session=session)
        stored = int((done or {}).get("seq", 0))
        if stored >= seq:
            return
        if stored < self._checkpoint:
            # The database lost commits this process made (or was restored): applying this batch on top would
            # skip what was lost. Nothing is written; the consumer starts again after the stored checkpoint.
            raise CheckpointRegressed(stored, self._checkpoint)
        for collection, ops in by_collection.items():
            await self._db[collection].bulk_write(ops, ordered=True, session=session)
        if parked:
            await self._db[PARKED].bulk_write(parked, ordered=True, session=session)
        checkpoint = {"seq": seq, "version": self.projection.version, "updated_at": dt.datetime.now(dt.UTC)}
        await self._db[CHECKPOINTS].update_one({"_id": self.projection.name}, {"$set": checkpoint}, upsert=True,
                                               session=session)

    # -- operations -------------------------------------------------------------------------
    async def rebuild(self) -> None:
        """Drop the projection and its consumer, and build it again from the stream's start."""
        async with self._lock:
            await self._reset()
            await self._subscribe(recreate=True)

    async def _reset(self) -> None:
        try:
            await self._js.delete_consumer(self._stream, self.consumer)
        except NotFoundError:
            pass
        for collection in self.projection.collections:
            await self._db[collection].drop()
        await self._db[CHECKPOINTS].delete_one({"_id": self.projection.name})
        await self._db[PARKED].delete_many({"projection": self.projection.name})
        self._checkpoint = 0
        self._pending = 0
        self._indexes_pending = True  # created once the rebuild has caught up (see step)
        self._planner.start_from_empty(self.projection.collections)

    async def replay_parked(self, parked_id: str) -> dict[str, Any]:
        """Apply a parked event again (after a fix); it stays parked if it still fails."""
        async with self._lock:
            doc = await self._db[PARKED].find_one({"_id": parked_id, "projection": self.projection.name})
            if doc is None:
                raise NotFound(
                    f"Không có sự kiện bị tạm giữ {parked_id}", f"no parked event {parked_id}", field="parked_id"
                )
            if doc["status"] != "parked":
                raise Conflict("Sự kiện này đã được xử lý lại", "this event was already replayed", rule="replay_once")
            if doc.get("error_kind") in NEVER_REPLAYED:
                raise Conflict(
                    f"Sự kiện này không bao giờ được đưa vào dữ liệu: {NEVER_REPLAYED[doc['error_kind']][0]} "
                    f"({doc.get('error', '')})",
                    f"this event is never applied: {NEVER_REPLAYED[doc['error_kind']][1]} ({doc.get('error', '')})",
                    field="parked_id", rule="forged_event_not_replayable",
                    details={"error_kind": doc["error_kind"], "subject": doc.get("subject")},
                )
            self._planner.stop_inserting()  # this write is not planned: the documents it makes are unknown
            raw = await self._js.get_msg(self._stream, int(doc["stream_seq"]))
            try:
                envelope = self._registry.parse(raw.data or b"")
                writes = self.projection.apply(StoredEvent(envelope, int(doc["stream_seq"]), raw.subject or ""))
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
                raise Conflict(
                    f"Xử lý lại vẫn lỗi: {exc}", f"replay failed again: {exc}", rule="replay_failed"
                ) from exc
            return {"parked_id": parked_id, "status": "replayed"}

    async def status(self) -> dict[str, Any]:
        info = await self._js.consumer_info(self._stream, self.consumer)
        parked = await self._db[PARKED].count_documents({"projection": self.projection.name, "status": "parked"})
        return {
            "projection": self.projection.name,
            "consumer": self.consumer,
            "last_applied_sequence": self._checkpoint,
            "pending": info.num_pending,
            "in_flight": info.num_ack_pending,
            "lag": info.num_pending + info.num_ack_pending,
            "parked": parked,
            "last_error": self.last_error,
            "running": self._task is not None and not self._task.done(),
        }

    async def list_parked(self, status: str | None = "parked", limit: int = 100) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"projection": self.projection.name}
        if status:
            query["status"] = status
        cursor = self._db[PARKED].find(query).sort("stream_seq", 1).limit(limit)
        return [doc async for doc in cursor]
