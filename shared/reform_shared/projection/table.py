"""A projection's writes as a table: one function per event type, from which its event types follow.

The projection's consumer reads exactly the event types the table has a function for, so the list the
server filters on can no longer drift from what `apply` handles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.projection.contracts import Write

E = TypeVar("E", bound=EventPayload)
WritesOf = Callable[[EventEnvelope, E], list[Write]]


class WriteTable:
    """The writes of one event, `(envelope, payload) -> writes`, per event type; none for the others."""

    def __init__(self, writers: Mapping[type[EventPayload], WritesOf[Any]] | None = None) -> None:
        self._writers: dict[type[EventPayload], WritesOf[Any]] = {}
        for event_class, writer in (writers or {}).items():
            self.on(event_class)(writer)

    def on(self, event_class: type[E]) -> Callable[[WritesOf[E]], WritesOf[E]]:
        """Register the writes of one event type (a decorator)."""

        def register(writer: WritesOf[E]) -> WritesOf[E]:
            if event_class in self._writers:
                raise ValueError(f"{event_class.__name__} has its writes already")
            self._writers[event_class] = writer
            return writer

        return register

    def writes(self, envelope: EventEnvelope) -> list[Write]:
        writer = self._writers.get(type(envelope.payload))
        return [] if writer is None else writer(envelope, envelope.payload)

    @property
    def event_types(self) -> tuple[str, ...]:
        """The event types the projection reads, in registration order."""
        return tuple(event_class.event_type for event_class in self._writers)
