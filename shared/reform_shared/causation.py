"""Causation: the id of the event a new event follows from, carried in its envelope's `causation_id`.

A command is decided on the record; the event it follows from is, in this order:
1. the one its handler names (`CommandContext.causation_id`, set with `caused_by`): the recognition a
   nomination proposes, the nomination the city decides on, the outcomes a signed decision lists;
2. within one command, the claim it made first (`claim` sets it): the title claim an initiative (or a
   revision under a new title) follows, the basis claim an award proposal follows;
3. else the last event of the aggregate it was decided on: a grant follows its proposal, a revision the
   return that asked for it. An event opening a new aggregate with none of these follows from nothing (null).

The correlation id ties a whole workflow together; causation links each step to the one before it, so an
audit or a trace can walk the chain back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from reform_shared.ports import AggregateHistory

_FOLLOWS: ContextVar[str | None] = ContextVar("reform_follows", default=None)
"""The event the running command appended first (a claim): what its later appends follow from."""


@contextmanager
def command_scope() -> Iterator[None]:
    """One command's run: what it follows from is forgotten when it ends."""
    token = _FOLLOWS.set(None)
    try:
        yield
    finally:
        _FOLLOWS.reset(token)


def follows(event_id: str | None) -> None:
    """The running command's later appends follow from this event (a claim it just made or holds)."""
    if event_id is not None:
        _FOLLOWS.set(event_id)


def cause_of(named: str | None, history: AggregateHistory) -> str | None:
    """The causation id of the events a command appends on `history` (see the module's order)."""
    if named is not None:
        return named
    earlier = _FOLLOWS.get()
    if earlier is not None:
        return earlier
    return history.events[-1].envelope.event_id if history.events else None


def last_event_id(history: AggregateHistory, *types: str) -> str | None:
    """The id of the aggregate's last event (of one of `types`, if named): what a command about it follows."""
    for event in reversed(history.events):
        if not types or event.envelope.event_type in types:
            return event.envelope.event_id
    return None
