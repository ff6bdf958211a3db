"""Running a command against one aggregate: load, decide, append — once per idempotency key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reform_shared.envelope import Actor, EventEnvelope, EventPayload
from reform_shared.errors import ConcurrencyConflict, InvalidInput
from reform_shared.idempotency import CommandResult, IdempotencyRecords, fingerprint, scoped_key
from reform_shared.ids import Clock, new_id
from reform_shared.store import AggregateHistory, AppendOutcome, JetStreamEventStore
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
        payload=payload,
    )


@dataclass(frozen=True)
class CommandContext:
    """Who sends a command, when, and how to recognise a retry of it."""

    actor: Actor
    clock: Clock
    correlation_id: str
    idempotency_key: str | None = None
    causation_id: str | None = None


Decide = Callable[[AggregateHistory], Sequence[EventPayload]]
Respond = Callable[[AppendOutcome], dict[str, Any]]


class CommandBus:
    """Runs commands once per idempotency key, and appends what `decide` returns."""

    def __init__(self, store: JetStreamEventStore, idempotency: IdempotencyRecords) -> None:
        self._store = store
        self._idempotency = idempotency

    @property
    def store(self) -> JetStreamEventStore:
        return self._store

    def key_of(self, ctx: CommandContext, commune_id: str, operation: str) -> str | None:
        if ctx.idempotency_key is None:
            return None
        return scoped_key(commune_id, ctx.actor.user_id, operation, ctx.idempotency_key)

    async def once(
        self,
        ctx: CommandContext,
        *,
        commune_id: str,
        operation: str,
        request: Any,
        run: Callable[[str | None], Awaitable[CommandResult]],
    ) -> CommandResult:
        """Run a command; a retry with the same key gets the first result and appends nothing."""
        key = self.key_of(ctx, commune_id, operation)
        return await self._idempotency.run(
            key, fingerprint({"op": operation, "request": request}), lambda: run(key)
        )

    async def decide_and_append(
        self,
        ctx: CommandContext,
        *,
        commune_id: str,
        aggregate_type: str,
        aggregate_id: str,
        decide: Decide,
        key: str | None,
        allow_no_change: bool = False,
        retries: int = 0,
    ) -> AppendOutcome:
        """Load an aggregate, decide, and append the events (concurrency-checked).

        With `retries`, a writer that lost a race decides again on the new state, so it gets
        the rule that now refuses it (e.g. a quota the winner filled) rather than a bare 409.
        """
        for attempt in range(retries + 1):
            try:
                return await self._decide_and_append_once(ctx, commune_id, aggregate_type, aggregate_id, decide, key,
                                                          allow_no_change)
            except ConcurrencyConflict:
                if attempt == retries:
                    raise
        raise AssertionError("unreachable")

    async def _decide_and_append_once(
        self, ctx: CommandContext, commune_id: str, aggregate_type: str, aggregate_id: str, decide: Decide,
        key: str | None, allow_no_change: bool,
    ) -> AppendOutcome:
        history = await self._store.load(commune_id, aggregate_type, aggregate_id)
        payloads = decide(history)
        if not payloads:
            if allow_no_change:
                return AppendOutcome(())
            raise InvalidInput("Không có thay đổi nào", "the command changes nothing", rule="no_change")
        now = ctx.clock.now()
        envelopes = [
            make_envelope(
                payload,
                commune_id=commune_id,
                version=history.version + offset,
                actor=ctx.actor,
                occurred_at=now,
                correlation_id=ctx.correlation_id,
                causation_id=ctx.causation_id,
                idempotency_key=key,
            )
            for offset, payload in enumerate(payloads, start=1)
        ]
        return await self._store.append(history, envelopes, idempotency_key=key)

    async def execute(
        self,
        ctx: CommandContext,
        *,
        operation: str,
        request: Any,
        commune_id: str,
        aggregate_type: str,
        aggregate_id: str,
        decide: Decide,
        respond: Respond,
        status_code: int = 200,
        allow_no_change: bool = False,
        retries: int = 0,
    ) -> CommandResult:
        """A command on one aggregate: once per key, load, decide, append, respond.

        With `allow_no_change`, a command that finds nothing to do (already done) answers
        normally with no events instead of an error.
        """

        async def run(key: str | None) -> CommandResult:
            outcome = await self.decide_and_append(
                ctx, commune_id=commune_id, aggregate_type=aggregate_type, aggregate_id=aggregate_id,
                decide=decide, key=key, allow_no_change=allow_no_change, retries=retries,
            )
            return CommandResult(status_code, respond(outcome), replayed=outcome.duplicate)

        return await self.once(ctx, commune_id=commune_id, operation=operation, request=request, run=run)
