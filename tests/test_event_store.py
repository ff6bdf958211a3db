"""The event store contract, against a real JetStream server."""

from __future__ import annotations

import asyncio

import pytest
from nats.js import JetStreamContext
from support import ACTOR, T0, submitted

from reform_shared.commands import CommandBus, CommandContext
from reform_shared.errors import ConcurrencyConflict, Conflict
from reform_shared.events import build_registry
from reform_shared.idempotency import IdempotencyRecords
from reform_shared.ids import FixedClock, new_id
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

pytestmark = pytest.mark.service


def make_store(js: JetStreamContext, settings: Settings) -> JetStreamEventStore:
    return JetStreamEventStore(js, build_registry(), settings.stream_name, settings.subject_prefix)


async def stream_count(js: JetStreamContext, settings: Settings) -> int:
    return (await js.stream_info(settings.stream_name)).state.messages


async def test_append_then_load_returns_the_typed_history(js: JetStreamContext, settings: Settings) -> None:
    store = make_store(js, settings)
    first = submitted(title="Một cửa điện tử")
    empty = await store.load("ninh-giang", "initiative", first.aggregate_id)
    assert empty.version == 0 and empty.last_seq == 0

    outcome = await store.append(empty, [first])
    history = await store.load("ninh-giang", "initiative", first.aggregate_id)

    assert [e.envelope for e in history.events] == [first]
    assert history.version == 1
    assert history.last_seq == outcome.events[0].stream_seq
    assert history.events[0].envelope.payload.content.title == "Một cửa điện tử"  # type: ignore[attr-defined]
    assert history.events[0].subject.endswith(f".ninh-giang.initiative.{first.aggregate_id}.InitiativeSubmitted")


async def test_a_stale_writer_gets_a_conflict_and_appends_nothing(js: JetStreamContext, settings: Settings) -> None:
    store = make_store(js, settings)
    first = submitted()
    stale = await store.load("ninh-giang", "initiative", first.aggregate_id)
    await store.append(stale, [first])
    second = submitted(initiative_id=first.aggregate_id, version=2)

    with pytest.raises(ConcurrencyConflict) as caught:
        await store.append(stale, [second])

    assert caught.value.status_code == 409
    assert await stream_count(js, settings) == 1


async def test_concurrent_writers_on_one_aggregate_exactly_one_wins(js: JetStreamContext, settings: Settings) -> None:
    store = make_store(js, settings)
    first = submitted()
    history = await store.load("ninh-giang", "initiative", first.aggregate_id)
    await store.append(history, [first])
    loaded = await store.load("ninh-giang", "initiative", first.aggregate_id)

    writers = [store.append(loaded, [submitted(initiative_id=first.aggregate_id, version=2)]) for _ in range(8)]
    results = await asyncio.gather(*writers, return_exceptions=True)

    wins = [r for r in results if not isinstance(r, BaseException)]
    conflicts = [r for r in results if isinstance(r, ConcurrencyConflict)]
    assert len(wins) == 1 and len(conflicts) == 7
    assert (await store.load("ninh-giang", "initiative", first.aggregate_id)).version == 2


async def test_a_resent_append_with_the_same_message_id_is_deduplicated(
    js: JetStreamContext, settings: Settings
) -> None:
    store = make_store(js, settings)
    event = submitted()
    empty = await store.load("ninh-giang", "initiative", event.aggregate_id)
    first = await store.append(empty, [event], idempotency_key="k-1")
    again = await store.append(empty, [event], idempotency_key="k-1")

    assert again.duplicate is True
    assert again.events[0].stream_seq == first.events[0].stream_seq
    assert await stream_count(js, settings) == 1




async def make_bus(js: JetStreamContext, settings: Settings) -> tuple[CommandBus, JetStreamEventStore]:
    store = make_store(js, settings)
    return CommandBus(store, IdempotencyRecords(await js.key_value(settings.idempotency_bucket))), store


async def submit_once(bus: CommandBus, key: str | None, title: str = "Một cửa điện tử"):
    """A create command: each run draws a new aggregate id, as the HTTP handler does."""
    event = submitted(title=title)
    ctx = CommandContext(actor=ACTOR, clock=FixedClock(T0), correlation_id=new_id(), idempotency_key=key)
    return await bus.execute(
        ctx,
        operation="submit",
        request={"title": title},
        commune_id="ninh-giang",
        aggregate_type="initiative",
        aggregate_id=event.aggregate_id,
        decide=lambda history: [event.payload],
        respond=lambda outcome: {"id": outcome.events[0].envelope.aggregate_id},
        status_code=201,
    )


async def test_a_retried_command_with_the_same_idempotency_key_appends_once(
    js: JetStreamContext, settings: Settings
) -> None:
    bus, _ = await make_bus(js, settings)
    first = await submit_once(bus, "retry-1")
    retried = await submit_once(bus, "retry-1")

    assert retried.body == first.body and retried.status_code == 201
    assert retried.replayed is True and first.replayed is False
    assert await stream_count(js, settings) == 1


async def test_concurrent_twins_with_one_key_append_once_and_answer_alike(
    js: JetStreamContext, settings: Settings
) -> None:
    bus, _ = await make_bus(js, settings)
    results = await asyncio.gather(*[submit_once(bus, "twin") for _ in range(5)])

    assert len({r.body["id"] for r in results}) == 1
    assert await stream_count(js, settings) == 1


async def test_an_idempotency_key_reused_for_another_request_is_refused(
    js: JetStreamContext, settings: Settings
) -> None:
    bus, _ = await make_bus(js, settings)
    await submit_once(bus, "same-key", title="Sáng kiến thứ nhất")
    with pytest.raises(Conflict) as caught:
        await submit_once(bus, "same-key", title="Sáng kiến thứ hai")
    assert caught.value.rule == "idempotency_key_reuse"
    assert await stream_count(js, settings) == 1


async def test_without_a_key_each_command_appends(js: JetStreamContext, settings: Settings) -> None:
    bus, _ = await make_bus(js, settings)
    await submit_once(bus, None)
    await submit_once(bus, None)
    assert await stream_count(js, settings) == 2
