"""How a handler hands a rule to the bus: decided on the aggregate's fold, answered with what was appended,
and recognised on a retry by the request it repeats."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

from reform_shared.commands import Command, Decide
from reform_shared.envelope import EventPayload
from reform_shared.store import AppendOutcome

S = TypeVar("S")
P = ParamSpec("P")


def deciding(fold: Callable[[list[EventPayload]], S], rule: Callable[Concatenate[S, P], Sequence[EventPayload]],
             *args: P.args, **kwargs: P.kwargs) -> Decide:
    """A rule decided on the aggregate as its fold makes it from the history the bus loaded."""
    return lambda history: rule(fold(history.payloads), *args, **kwargs)


def request_of(command: Command, *path_fields: str) -> dict[str, Any]:
    """What a retry must repeat to be the same request: the command without the fields the operation's
    name carries already (the idempotency scope)."""
    return command.model_dump(mode="json", exclude=set(path_fields))


def done(outcome: AppendOutcome) -> dict[str, Any]:
    if not outcome.events:
        return {"changed": False}
    last = outcome.events[-1]
    return {"id": last.envelope.aggregate_id, "version": last.envelope.aggregate_version,
            "event_id": last.envelope.event_id, "event_type": last.envelope.event_type,
            "stream_sequence": last.stream_seq, "occurred_at": last.envelope.occurred_at.isoformat()}
