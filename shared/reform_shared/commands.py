"""Running a command against one aggregate: load, decide, append — once per idempotency key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from reform_shared.causation import cause_of, command_scope
from reform_shared.envelope import Actor, EventEnvelope, EventPayload
from reform_shared.errors import ConcurrencyConflict, InvalidInput
from reform_shared.idempotency import CommandResult, IdempotencyRecords, fingerprint, key_reused, scoped_key
from reform_shared.ids import Clock, new_id
from reform_shared.ports import AggregateHistory, AppendOutcome, EventStore
from reform_shared.telemetry import current_trace_context


def make_envelope(
    payload: EventPayload,
    *,
    commune_id: str,
    version: int,
    actor: Actor,
    occurred_at: dt.datetime,
    correlation_id: str,
    causation_id: str | None = None,
    idempotency_key: str | None = None,
    command_fingerprint: str | None = None,
) -> EventEnvelope:
    """Wrap a payload for appending; the trace context is taken from the active span."""
    return EventEnvelope(
        event_id=new_id(),
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        commune_id=commune_id,
        aggregate_type=payload.aggregate_type,
        aggregate_id=payload.aggregate_id(),
        aggregate_version=version,
        occurred_at=occurred_at,
        actor=actor,
        correlation_id=correlation_id,
        causation_id=causation_id,
        trace=current_trace_context(),
        idempotency_key=idempotency_key,
        command_fingerprint=command_fingerprint,
        payload=payload,
    )


class Command(BaseModel):
    """A request to change the record, named in the imperative (SubmitInitiative, RecordScore): frozen and
    strict (an unknown field is an error, not dropped), validated before anything is loaded. A route
    builds one from its request schema; the application decides it once, on the aggregate it names."""

    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True)
class Target:
    """The aggregate a command is decided on: its commune, type and id (its subject in the stream)."""

    commune_id: str
    aggregate_type: str
    aggregate_id: str

    def __iter__(self) -> Iterator[str]:
        return iter((self.commune_id, self.aggregate_type, self.aggregate_id))


@dataclass(frozen=True)
class Operation:
    """What a retry of a command is recognised by: its name (which scopes the client's key) and its request
    (fingerprinted: the same key sent with another request is refused)."""

    name: str
    request: Any


@dataclass(frozen=True)
class Options:
    """How a command meets the state it finds.

    `allow_no_change`: a command that finds nothing to do (already done) answers normally with no events
    instead of an error. `retries`: a writer that lost a race decides again on the new state, so it gets the
    rule that now refuses it (e.g. a quota the winner filled) rather than a bare 409.
    """

    allow_no_change: bool = False
    retries: int = 0


ONCE = Options()


@dataclass(frozen=True)
class CommandContext:
    """Who sends a command, when, and how to recognise a retry of it."""

    actor: Actor
    clock: Clock
    correlation_id: str
    idempotency_key: str | None = None
    causation_id: str | None = None
    """The event this command follows from, when its handler knows it (see `causation.py`)."""

    def caused_by(self, event_id: str | None) -> CommandContext:
        """The same context, its command following from `event_id` (unchanged when None)."""
        return self if event_id is None else dataclasses.replace(self, causation_id=event_id)


Decide = Callable[[AggregateHistory], Sequence[EventPayload]]
Respond = Callable[[AppendOutcome], dict[str, Any]]

log = logging.getLogger(__name__)

_RUNNING: ContextVar[tuple[str, str] | None] = ContextVar("reform_running_command", default=None)
"""(scoped key, request fingerprint) of the keyed command running in this task: its events carry both."""


@dataclass(frozen=True)
class Recovery:
    """Where a keyed command leaves its events, and how its answer is rebuilt from them: a retry whose first
    answer was lost (the process died, or the idempotency record could not be written, after the append)
    finds them there and gets that answer, instead of running again into a refusal (409 'already exists')."""

    aggregate_type: str
    aggregate_id: str
    respond: Callable[[AppendOutcome], Awaitable[CommandResult]]


class CommandBus:
    """Runs commands once per idempotency key, and appends what `decide` returns.

    It names the `EventStore` port, not a broker: the same handlers run on JetStream in a node and on
    `InMemoryEventStore` in application tests.
    """

    def __init__(self, store: EventStore, idempotency: IdempotencyRecords) -> None:
        self._store = store
        self._idempotency = idempotency

    @property
    def store(self) -> EventStore:
        return self._store

    def key_of(self, ctx: CommandContext, commune_id: str, operation: str) -> str | None:
        if ctx.idempotency_key is None:
            return None
        return scoped_key(commune_id, ctx.actor.user_id, operation, ctx.idempotency_key)

    async def once(
        self,
        ctx: CommandContext,
        commune_id: str,
        operation: Operation,
        run: Callable[[str | None], Awaitable[CommandResult]],
        recover: Recovery | None = None,
    ) -> CommandResult:
        """Run a command; a retry with the same key gets the first result and appends nothing.

        The first result is looked up in the idempotency records, then (if `recover` says where) in the
        record itself, before the command runs: its own checks must not refuse a retry of itself.
        """
        self._store.ensure_available()
        key = self.key_of(ctx, commune_id, operation.name)
        request_fingerprint = fingerprint({"op": operation.name, "request": operation.request})

        async def recovered() -> CommandResult | None:
            if key is None or recover is None:
                return None
            history = await self._store.load(commune_id, recover.aggregate_type, recover.aggregate_id)
            earlier = self._earlier(history, key, request_fingerprint)
            if not earlier:
                return None
            result = await recover.respond(AppendOutcome(earlier, duplicate=True))
            return CommandResult(result.body, replayed=True)

        async def execute() -> CommandResult:
            token = _RUNNING.set((key, request_fingerprint) if key else None)
            try:
                with command_scope():
                    return await run(key)
            finally:
                _RUNNING.reset(token)

        return await self._idempotency.run(key, request_fingerprint, execute, recovered)

    @staticmethod
    def _earlier(history: AggregateHistory, key: str, request_fingerprint: str | None) -> tuple[Any, ...]:
        """The events this key appended to the aggregate; the same key with another request is a 409."""
        earlier = history.appended_by(key)
        if earlier and request_fingerprint is not None:
            recorded = earlier[0].envelope.command_fingerprint
            if recorded is not None and recorded != request_fingerprint:
                raise key_reused()
        return earlier

    async def decide_and_append(
        self,
        ctx: CommandContext,
        target: Target,
        decide: Decide,
        *,
        key: str | None,
        options: Options = ONCE,
        loaded: AggregateHistory | None = None,
    ) -> AppendOutcome:
        """Load the target, decide, and append the events (concurrency-checked).

        `loaded`: the aggregate as the caller just read it, decided on without loading it again (a stale
        copy only costs a retry: the append checks its sequence).
        """
        for attempt in range(options.retries + 1):
            try:
                return await self._decide_and_append_once(ctx, target, decide, key, options.allow_no_change,
                                                          loaded if attempt == 0 else None)
            except ConcurrencyConflict:
                if attempt == options.retries:
                    raise
        raise AssertionError("unreachable")

    async def _decide_and_append_once(
        self, ctx: CommandContext, target: Target, decide: Decide, key: str | None, allow_no_change: bool,
        loaded: AggregateHistory | None,
    ) -> AppendOutcome:
        history = loaded if loaded is not None else await self._store.load(*target)
        running = _RUNNING.get()
        command_fingerprint = running[1] if running is not None and key is not None and key.startswith(running[0]) \
            else None
        earlier = self._earlier(history, key, command_fingerprint) if key is not None else ()
        if earlier:
            # This command (or its twin) already appended here: its events are the answer, decided once.
            return AppendOutcome(earlier, duplicate=True)
        payloads = decide(history)
        if not payloads:
            if allow_no_change:
                return AppendOutcome(())
            raise InvalidInput("Không có thay đổi nào", "the command changes nothing", rule="no_change")
        now = ctx.clock.now()
        causation_id = cause_of(ctx.causation_id, history)
        envelopes = [
            make_envelope(
                payload,
                commune_id=target.commune_id,
                version=history.version + offset,
                actor=ctx.actor,
                occurred_at=now,
                correlation_id=ctx.correlation_id,
                causation_id=causation_id,
                idempotency_key=key,
                command_fingerprint=command_fingerprint,
            )
            for offset, payload in enumerate(payloads, start=1)
        ]
        return await self._store.append(history, envelopes, idempotency_key=key)

    async def execute(
        self,
        ctx: CommandContext,
        target: Target,
        operation: Operation,
        decide: Decide,
        respond: Respond,
        options: Options = ONCE,
    ) -> CommandResult:
        """A command on one aggregate: once per key, load, decide, append, respond."""

        async def run(key: str | None) -> CommandResult:
            outcome = await self.decide_and_append(ctx, target, decide, key=key, options=options)
            return CommandResult(respond(outcome), replayed=outcome.duplicate)

        # No `Recovery` needed: nothing runs before the bus loads the aggregate, and that load already finds a
        # lost answer's events (see `_decide_and_append_once`), so a first run pays for one load, not two.
        return await self.once(ctx, target.commune_id, operation, run)
