"""Batch preparation (the projection's processor): fetch, parse and apply events in memory.

What it computes is only committed by the writer, so it may run ahead: while a backlog is worked off,
the next batch is fetched and prepared while the current one commits — the database works on one
batch as this process prepares the next."""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from nats.js.errors import NotFoundError
from opentelemetry.trace import Tracer

from reform_shared.projection.contracts import Projection, _Batch, _Item
from reform_shared.projection.crashes import CrashLedger
from reform_shared.projection.parking import ParkingLot
from reform_shared.projection.position import Position
from reform_shared.registry import EventRegistry, MalformedEvent
from reform_shared.store import StoredEvent
from reform_shared.telemetry import context_of


def _one_line(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


class BatchPreparer:
    """Turns fetched messages into items (writes, or a parked document), one batch ahead at most."""

    def __init__(
        self,
        *,
        projection: Projection,
        registry: EventRegistry,
        position: Position,
        ledger: CrashLedger,
        parking: ParkingLot,
        tracer: Tracer,
        batch_size: int,
        catch_up_batch_size: int,
        fetch_timeout: float,
        handler_retries: int,
        retry_base_delay: float,
    ) -> None:
        self._projection = projection
        self._registry = registry
        self._position = position
        self._ledger = ledger
        self._parking = parking
        self._tracer = tracer
        self._batch_size = batch_size
        self._catch_up_batch_size = catch_up_batch_size
        self._fetch_timeout = fetch_timeout
        self._handler_retries = handler_retries
        self._retry_base_delay = retry_base_delay
        self._prefetched: asyncio.Task[_Batch] | None = None
        """The next batch, fetched and prepared while the current one commits (when more are waiting)."""

    @property
    def in_hand(self) -> bool:
        """A prefetched batch is waiting: it is finished before the runner stops, not dropped."""
        return self._prefetched is not None

    async def take(self, behind: int) -> _Batch:
        """The prefetched batch, else one fetched now."""
        if self._prefetched is not None:
            task, self._prefetched = self._prefetched, None
            return await task
        return await self.fetch(behind)

    def prefetch(self, behind: int) -> None:
        self._prefetched = asyncio.create_task(self.fetch(behind))

    def drop(self) -> None:
        """The prefetched batch is cancelled: its messages come back once the consumer is repositioned."""
        if self._prefetched is not None:
            self._prefetched.cancel()
            self._prefetched = None

    async def fetch(self, behind: int) -> _Batch:
        """Fetch a batch (larger when `behind` is) and compute its writes."""
        assert self._position.sub is not None
        generation = self._position.generation
        catch_up = behind >= self._batch_size and not self._ledger.isolate
        size = 1 if self._ledger.isolate else self._catch_up_batch_size if catch_up else self._batch_size
        try:
            msgs = await self._position.fetch(size, timeout=self._fetch_timeout)
        except (TimeoutError, nats.errors.TimeoutError):
            msgs = []  # nothing new within fetch_timeout
        except NotFoundError:
            return _Batch(generation, [], [], 0, catch_up, lost_consumer=True)
        except Exception:
            if generation != self._position.generation:  # rebuilt meanwhile: the old subscription is gone
                return _Batch(generation, [], [], 0, catch_up)
            raise
        items: list[_Item] = []
        for index, msg in enumerate(msgs):
            seq = msg.metadata.sequence.stream
            if seq <= self._position.checkpoint:
                continue  # applied before a crash; only the ack was lost
            items.append(await self._item(msg, seq, traced=not catch_up))
            if index % 200 == 199:
                await asyncio.sleep(0)  # let the batch being committed go on meanwhile
        pending = msgs[-1].metadata.num_pending if msgs else 0
        return _Batch(generation, msgs, items, pending, catch_up)

    async def _item(self, msg: Msg, seq: int, traced: bool) -> _Item:
        if self._ledger.park_first:
            return self._parked(msg, seq, "crash_loop", self._ledger.crash_loop_reason(), None)
        try:
            envelope = self._registry.parse(msg.data)
        except MalformedEvent as exc:
            kind = "unknown_event_type" if self._parking.unknown_type(msg) else "unparseable"
            return self._parked(msg, seq, kind, str(exc), None)
        except Exception as exc:  # noqa: BLE001 - an upcaster bug: the event is parked, the next ones go on
            return self._parked(msg, seq, "unparseable", _one_line(exc), None)
        subject_commune = msg.subject.split(".")[1] if msg.subject.count(".") >= 4 else None
        if subject_commune != envelope.commune_id:
            # A node may only publish its own communes' subjects (leafnode permissions, source
            # filters); an event whose body names another commune is forged or broken: never counted.
            reason = f"commune {envelope.commune_id!r} in the event, {subject_commune!r} in its subject {msg.subject}"
            return self._parked(msg, seq, "commune_mismatch", reason, envelope)
        return await self._applied(msg, seq, StoredEvent(envelope, seq, msg.subject), traced)

    async def _applied(self, msg: Msg, seq: int, event: StoredEvent, traced: bool) -> _Item:
        """The event's writes; a handler that keeps failing after retries with backoff parks it."""
        envelope = event.envelope
        delay = self._retry_base_delay
        for attempt in range(1, self._handler_retries + 1):
            try:
                if not traced:
                    return _Item(msg, seq, self._projection.apply(event))
                with self._tracer.start_as_current_span(
                    f"project {self._projection.name} {envelope.event_type}",
                    context=context_of(envelope.trace),
                    attributes={"reform.event_id": envelope.event_id, "messaging.message.id": str(seq)},
                ):
                    return _Item(msg, seq, self._projection.apply(event))
            except Exception as exc:  # noqa: BLE001 - a handler bug must not stop the projection
                if attempt == self._handler_retries:
                    return self._parked(msg, seq, "handler_failed", _one_line(exc), envelope)
                await msg.in_progress()
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _parked(self, msg: Msg, seq: int, kind: str, error: str, envelope: Any) -> _Item:
        return _Item(msg, seq, [], self._parking.doc(msg, seq, kind, error, envelope))
