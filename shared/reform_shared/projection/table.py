"""A projection's handlers as a table: one function per event type, from which its event types follow.

The projection's consumer reads exactly the event types the table has a function for, so the list the
server filters on can no longer drift from what `apply` handles. A `WriteTable` is the `EventTable`
(`reform_shared.tables`) of a projection's writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.projection.contracts import Write
from reform_shared.tables import EventTable

E = TypeVar("E", bound=EventPayload)
WritesOf = Callable[[EventEnvelope, E], list[Write]]


class WriteTable(EventTable[WritesOf[Any]]):
    """The writes of one event, `(envelope, payload) -> writes`, per event type; none for the others."""

    def on(self, event_class: type[E]) -> Callable[[WritesOf[E]], WritesOf[E]]:
        """Register the writes of one event type (a decorator)."""

        def register(writer: WritesOf[E]) -> WritesOf[E]:
            self.add(event_class, writer)
            return writer

        return register

    def writes(self, envelope: EventEnvelope) -> list[Write]:
        writer = self._handlers.get(type(envelope.payload))
        return [] if writer is None else writer(envelope, envelope.payload)
