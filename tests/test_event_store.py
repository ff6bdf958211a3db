"""The event store contract: one suite, run on every backend of the `EventStore` port.

`EventStoreContract` holds the tests; each backend subclasses it and provides a `backend` fixture
(pyeventsourcing's tests/persistence.py does the same): JetStream on a real nats-server, and the
in-memory store the application tests run on. A backend that passes is one a handler can rely on.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import ClassVar

import nats
import nats.errors
import pytest
from nats.js import JetStreamContext
from support import ACTOR, T0, submitted

from reform_shared.commands import CommandBus, CommandContext, Operation, Target, make_envelope
from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.errors import ConcurrencyConflict, Conflict, ServiceUnavailable
from reform_shared.events import TitleClaimed, build_registry
from reform_shared.http.errors import status_of
from reform_shared.idempotency import (
    CommandResult,
    IdempotencyRecords,
    JetStreamRecordBucket,
    fingerprint,
    scoped_key,
)
from reform_shared.ids import FixedClock, new_id
from reform_shared.memory_store import InMemoryEventStore, InMemoryRecordBucket
from reform_shared.ports import EventStore, RecordBucket
from reform_shared.registry import MalformedEvent
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

COMMUNE = "ninh-giang"


class Backend:
    """What the contract needs of a backend besides the port: counting, forgetting, disconnecting."""

    store: EventStore
    bucket: RecordBucket

    async def events(self) -> int:
        raise NotImplementedError

    async def forget(self, key: str) -> None:
        """Lose an idempotency record (the process died after the append, or the record's write failed)."""
        raise NotImplementedError

    async def disconnected(self) -> EventStore:
        """A store of this backend whose connection is down."""
        raise NotImplementedError

    def bus(self, bucket: RecordBucket | None = None) -> CommandBus:
        return CommandBus(self.store, IdempotencyRecords(bucket or self.bucket))


@dataclass
class JetStreamBackend(Backend):
    js: JetStreamContext
    settings: Settings

    async def events(self) -> int:
        return (await self.js.stream_info(self.settings.stream_name)).state.messages

    async def forget(self, key: str) -> None:
        await (await self.js.key_value(self.settings.idempotency_bucket)).purge(key)

    async def disconnected(self) -> EventStore:
        nc = await nats.connect(self.settings.nats_url)
        store = JetStreamEventStore(nc.jetstream(), build_registry(), self.settings.stream_name,
                                    self.settings.subject_prefix)
        await nc.close()
        return store


class MemoryBackend(Backend):
    def __init__(self) -> None:
        self.store: InMemoryEventStore = InMemoryEventStore(build_registry())
        self.bucket: InMemoryRecordBucket = InMemoryRecordBucket()

    async def events(self) -> int:
        return self.store.last_seq

    async def forget(self, key: str) -> None:
        self.bucket.purge(key)

    async def disconnected(self) -> EventStore:
        store = InMemoryEventStore(build_registry())
        store.available = False
        return store


class FailingWrites:
    """A record bucket whose writes time out (reads still work): the command must succeed anyway."""

    def __init__(self, inner: RecordBucket) -> None:
        self._inner = inner

    async def get(self, key: str) -> bytes | None:
        return await self._inner.get(key)

    async def put(self, key: str, value: bytes) -> None:
        raise nats.errors.TimeoutError


class NotRegistered(EventPayload):
    """A payload no registry knows: it goes out, and cannot be read back."""

    event_type: ClassVar[str] = "NotRegistered"
    aggregate_type: ClassVar[str] = "initiative"
    initiative_id: str

    def aggregate_id(self) -> str:
        return self.initiative_id


def claimed(aggregate_id: str) -> EventEnvelope:
    """An event of another aggregate type (a title claim) under the same aggregate id."""
    payload = TitleClaimed(claim_id=aggregate_id, campaign_id="cchc-2026", unit_id="vh-xh", folded_title="so hoa",
                           initiative_id=new_id())
    return make_envelope(payload, commune_id=COMMUNE, version=1, actor=ACTOR, occurred_at=T0, correlation_id=new_id())


def context(key: str | None) -> CommandContext:
    return CommandContext(actor=ACTOR, clock=FixedClock(T0), correlation_id=new_id(), idempotency_key=key)


async def submit_once(bus: CommandBus, key: str | None, title: str = "Một cửa điện tử") -> CommandResult:
    """A create command: each run draws a new aggregate id, as the HTTP handler does."""
    event = submitted(title=title)
    return await bus.execute(
        context(key),
        Target(COMMUNE, "initiative", event.aggregate_id),
        Operation("submit", {"title": title}),
        decide=lambda history: [event.payload],
        respond=lambda outcome: {"id": outcome.events[0].envelope.aggregate_id},
    )


async def submit_keyed(bus: CommandBus, key: str, initiative_id: str, title: str = "Một cửa điện tử") -> CommandResult:
    """A create command whose aggregate id derives from its key (as submission's does): a retry whose answer
    was lost finds its events through `Recovery`."""
    return await bus.execute(
        context(key),
        Target(COMMUNE, "initiative", initiative_id),
        Operation("submit", {"title": title}),
        decide=lambda history: [] if history.events else [submitted(title=title, initiative_id=initiative_id).payload],
        respond=lambda outcome: {"id": outcome.events[0].envelope.aggregate_id, "seq": outcome.events[0].stream_seq},
    )


class EventStoreContract:
    """What every `EventStore` backend promises; subclasses provide the `backend` fixture."""

    @pytest.fixture
    def backend(self) -> Backend:
        raise NotImplementedError

    # -- loading and appending ---------------------------------------------------------------
    async def test_a_new_aggregate_is_empty(self, backend: Backend) -> None:
        empty = await backend.store.load(COMMUNE, "initiative", new_id())
        assert empty.events == () and empty.version == 0 and empty.last_seq == 0

    async def test_append_then_load_returns_the_typed_history(self, backend: Backend) -> None:
        store = backend.store
        first = submitted(title="Một cửa điện tử")
        empty = await store.load(COMMUNE, "initiative", first.aggregate_id)
        assert empty.version == 0 and empty.last_seq == 0

        outcome = await store.append(empty, [first])
        history = await store.load(COMMUNE, "initiative", first.aggregate_id)

        assert [e.envelope for e in history.events] == [first]
        assert history.version == 1
        assert history.last_seq == outcome.events[0].stream_seq
        assert history.events[0].envelope.payload.content.title == "Một cửa điện tử"  # type: ignore[attr-defined]
        assert history.events[0].subject.endswith(f".{COMMUNE}.initiative.{first.aggregate_id}.InitiativeSubmitted")
        assert (await store.read_at(outcome.events[0].stream_seq)).envelope == first

    async def test_a_multi_event_append_loads_in_order(self, backend: Backend) -> None:
        store = backend.store
        first = submitted()
        events = [first, *(submitted(initiative_id=first.aggregate_id, version=v) for v in (2, 3))]
        outcome = await store.append(await store.load(COMMUNE, "initiative", first.aggregate_id), events)
        history = await store.load(COMMUNE, "initiative", first.aggregate_id)

        assert history.envelopes == events and history.version == 3
        assert [e.stream_seq for e in history.events] == [e.stream_seq for e in outcome.events]
        assert [e.stream_seq for e in history.events] == sorted(e.stream_seq for e in history.events)

    async def test_a_history_longer_than_one_read_batch_loads_whole_and_in_order(self, backend: Backend) -> None:
        """The JetStream store reads a history by batched direct gets of 256: 600 events take three, and the
        other aggregate's events between them are not read."""
        store = backend.store
        first = submitted()
        events = [first, *(submitted(initiative_id=first.aggregate_id, version=v) for v in range(2, 601))]
        for start in range(0, len(events), 100):
            await store.append(await store.load(COMMUNE, "initiative", first.aggregate_id), events[start:start + 100])
            other = submitted()
            await store.append(await store.load(COMMUNE, "initiative", other.aggregate_id), [other])
        history = await store.load(COMMUNE, "initiative", first.aggregate_id)

        assert history.envelopes == events and history.version == 600
        assert [e.stream_seq for e in history.events] == sorted(e.stream_seq for e in history.events)

    async def test_an_event_the_registry_cannot_read_fails_on_load(self, backend: Backend) -> None:
        """Events go through the wire format on every backend: what would not survive the stream fails in memory."""
        event = make_envelope(
            NotRegistered(initiative_id=new_id()),
            commune_id=COMMUNE,
            version=1,
            actor=ACTOR,
            occurred_at=T0,
            correlation_id=new_id(),
        )
        await backend.store.append(await backend.store.load(COMMUNE, "initiative", event.aggregate_id), [event])
        with pytest.raises(MalformedEvent):
            await backend.store.load(COMMUNE, "initiative", event.aggregate_id)

    async def test_communes_and_aggregate_types_are_isolated(self, backend: Backend) -> None:
        store = backend.store
        here = submitted()
        elsewhere = submitted(initiative_id=here.aggregate_id, commune="tan-an")
        title = claimed(here.aggregate_id)
        for event in (here, elsewhere, title):
            await store.append(await store.load(event.commune_id, event.aggregate_type, event.aggregate_id), [event])

        assert (await store.load(COMMUNE, "initiative", here.aggregate_id)).envelopes == [here]
        assert (await store.load("tan-an", "initiative", here.aggregate_id)).envelopes == [elsewhere]
        assert (await store.load(COMMUNE, "title", here.aggregate_id)).envelopes == [title]

    async def test_an_event_of_another_aggregate_is_refused(self, backend: Backend) -> None:
        one, other = submitted(), submitted()
        with pytest.raises(ValueError):
            await backend.store.append(await backend.store.load(COMMUNE, "initiative", one.aggregate_id), [other])

    # -- optimistic concurrency ----------------------------------------------------------------
    async def test_a_stale_writer_gets_a_conflict_and_appends_nothing(self, backend: Backend) -> None:
        store = backend.store
        first = submitted()
        stale = await store.load(COMMUNE, "initiative", first.aggregate_id)
        await store.append(stale, [first])
        second = submitted(initiative_id=first.aggregate_id, version=2)

        with pytest.raises(ConcurrencyConflict) as caught:
            await store.append(stale, [second])

        assert status_of(caught.value) == 409 and caught.value.rule == "optimistic_concurrency"
        assert await backend.events() == 1

    async def test_concurrent_writers_on_one_aggregate_exactly_one_wins(self, backend: Backend) -> None:
        store = backend.store
        first = submitted()
        history = await store.load(COMMUNE, "initiative", first.aggregate_id)
        await store.append(history, [first])
        loaded = await store.load(COMMUNE, "initiative", first.aggregate_id)

        writers = [store.append(loaded, [submitted(initiative_id=first.aggregate_id, version=2)]) for _ in range(8)]
        results = await asyncio.gather(*writers, return_exceptions=True)

        wins = [r for r in results if not isinstance(r, BaseException)]
        conflicts = [r for r in results if isinstance(r, ConcurrencyConflict)]
        assert len(wins) == 1 and len(conflicts) == 7
        assert (await store.load(COMMUNE, "initiative", first.aggregate_id)).version == 2

    # -- deduplication -------------------------------------------------------------------------
    async def test_a_resent_append_with_the_same_message_id_is_deduplicated(self, backend: Backend) -> None:
        store = backend.store
        event = submitted()
        empty = await store.load(COMMUNE, "initiative", event.aggregate_id)
        first = await store.append(empty, [event], idempotency_key="k-1")
        again = await store.append(empty, [event], idempotency_key="k-1")

        assert again.duplicate is True
        assert again.events[0].stream_seq == first.events[0].stream_seq
        assert await backend.events() == 1

    async def test_a_resent_append_after_the_aggregate_moved_answers_the_first_events(self, backend: Backend) -> None:
        store = backend.store
        first_event = submitted()
        sent = [first_event, submitted(initiative_id=first_event.aggregate_id, version=2)]
        sent = [e.model_copy(update={"idempotency_key": "k-moved"}) for e in sent]  # as the bus writes them
        empty = await store.load(COMMUNE, "initiative", first_event.aggregate_id)
        first = await store.append(empty, sent, idempotency_key="k-moved")
        later = submitted(initiative_id=first_event.aggregate_id, version=3)
        await store.append(await store.load(COMMUNE, "initiative", first_event.aggregate_id), [later])

        again = await store.append(empty, sent, idempotency_key="k-moved")

        assert again.duplicate is True
        assert [e.stream_seq for e in again.events] == [e.stream_seq for e in first.events]
        assert [e.envelope.event_id for e in again.events] == [e.event_id for e in sent]
        assert await backend.events() == 3

    async def test_an_unkeyed_append_resent_is_recognised_by_its_event_ids(self, backend: Backend) -> None:
        store = backend.store
        event = submitted()
        empty = await store.load(COMMUNE, "initiative", event.aggregate_id)
        first = await store.append(empty, [event])
        again = await store.append(empty, [event])
        assert again.duplicate is True and again.events == first.events
        assert await backend.events() == 1

    async def test_appended_by_finds_the_events_of_one_key(self, backend: Backend) -> None:
        store = backend.store
        first = submitted()
        keyed = [first, submitted(initiative_id=first.aggregate_id, version=2)]
        keyed = [e.model_copy(update={"idempotency_key": "k-own"}) for e in keyed]
        await store.append(await store.load(COMMUNE, "initiative", first.aggregate_id), keyed, idempotency_key="k-own")
        unkeyed = submitted(initiative_id=first.aggregate_id, version=3)
        await store.append(await store.load(COMMUNE, "initiative", first.aggregate_id), [unkeyed])

        history = await store.load(COMMUNE, "initiative", first.aggregate_id)
        assert [e.envelope for e in history.appended_by("k-own")] == keyed
        assert history.appended_by("k-other") == () and history.appended_by(None) == ()

    # -- availability --------------------------------------------------------------------------
    async def test_a_store_whose_connection_is_down_refuses_at_once(self, backend: Backend) -> None:
        store = await backend.disconnected()
        with pytest.raises(ServiceUnavailable) as caught:
            store.ensure_available()
        assert status_of(caught.value) == 503
        with pytest.raises(ServiceUnavailable):
            await store.load(COMMUNE, "initiative", new_id())

    # -- the command bus on this store ---------------------------------------------------------
    async def test_a_retried_command_with_the_same_idempotency_key_appends_once(self, backend: Backend) -> None:
        bus = backend.bus()
        first = await submit_once(bus, "retry-1")
        retried = await submit_once(bus, "retry-1")

        assert retried.body == first.body
        assert retried.replayed is True and first.replayed is False
        assert await backend.events() == 1

    async def test_concurrent_twins_with_one_key_append_once_and_answer_alike(self, backend: Backend) -> None:
        bus = backend.bus()
        results = await asyncio.gather(*[submit_once(bus, "twin") for _ in range(5)])

        assert len({r.body["id"] for r in results}) == 1
        assert await backend.events() == 1

    async def test_an_idempotency_key_reused_for_another_request_is_refused(self, backend: Backend) -> None:
        bus = backend.bus()
        await submit_once(bus, "same-key", title="Sáng kiến thứ nhất")
        with pytest.raises(Conflict) as caught:
            await submit_once(bus, "same-key", title="Sáng kiến thứ hai")
        assert caught.value.rule == "idempotency_key_reuse"
        assert await backend.events() == 1

    async def test_without_a_key_each_command_appends(self, backend: Backend) -> None:
        bus = backend.bus()
        await submit_once(bus, None)
        await submit_once(bus, None)
        assert await backend.events() == 2

    async def test_a_lost_record_is_rebuilt_from_the_events(self, backend: Backend) -> None:
        bus = backend.bus()
        initiative_id = new_id()
        first = await submit_keyed(bus, "lost", initiative_id)
        await backend.forget(scoped_key(COMMUNE, ACTOR.user_id, "submit", "lost"))

        retried = await submit_keyed(bus, "lost", initiative_id)

        assert (retried.body, retried.replayed) == (first.body, True)
        assert await backend.events() == 1
        await backend.forget(scoped_key(COMMUNE, ACTOR.user_id, "submit", "lost"))
        with pytest.raises(Conflict) as caught:
            await submit_keyed(bus, "lost", initiative_id, title="Một sáng kiến khác")
        assert caught.value.rule == "idempotency_key_reuse"
        assert await backend.events() == 1

    async def test_a_record_that_cannot_be_written_does_not_fail_the_command(self, backend: Backend) -> None:
        bus = backend.bus(FailingWrites(backend.bucket))
        initiative_id = new_id()
        first = await submit_keyed(bus, "slow-kv", initiative_id)
        retried = await submit_keyed(bus, "slow-kv", initiative_id)

        assert first.replayed is False
        assert retried.body == first.body
        assert await backend.events() == 1


@pytest.mark.service
class TestJetStreamEventStore(EventStoreContract):
    @pytest.fixture
    async def backend(self, js: JetStreamContext, settings: Settings) -> Backend:
        backend = JetStreamBackend(js, settings)
        backend.store = JetStreamEventStore(js, build_registry(), settings.stream_name, settings.subject_prefix)
        backend.bucket = JetStreamRecordBucket(await js.key_value(settings.idempotency_bucket))
        return backend


@pytest.mark.application
class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    def backend(self) -> Backend:
        return MemoryBackend()


@pytest.mark.application
async def test_a_record_kept_with_its_status_code_before_still_answers_a_retry() -> None:
    """Records written before the status moved to the routes held a `status_code`: they still answer."""
    bucket = InMemoryRecordBucket()
    records = IdempotencyRecords(bucket)
    body = {"id": "x"}
    request_fingerprint = fingerprint({"op": "submit", "request": {"title": "t"}})
    await records.put("k-old", {"fingerprint": request_fingerprint, "status_code": 201, "body": body})

    async def never() -> CommandResult:
        raise AssertionError("a recorded command must not run again")

    assert await records.run("k-old", request_fingerprint, never) == CommandResult(body, replayed=True)
    await submit_once(CommandBus(InMemoryEventStore(build_registry()), records), "k-new")
    kept = await bucket.get(scoped_key(COMMUNE, ACTOR.user_id, "submit", "k-new"))
    assert kept is not None and set(json.loads(kept)) == {"fingerprint", "body"}
