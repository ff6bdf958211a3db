"""Handlers by event type, in a table from which the event types they read follow (pure: no I/O).

A projection's writes (`reform_shared.projection.WriteTable`) and the reporting pipeline's updates (read by
its live projection and its as-of reports alike) are such tables: what a consumer filters on is derived
from what is handled, never kept by hand beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

from reform_shared.envelope import EventPayload

H = TypeVar("H")


class EventTable(Generic[H]):
    """One handler per event type, in registration order; an event type registered twice is an error."""

    def __init__(self, handlers: Mapping[type[EventPayload], H] | None = None) -> None:
        self._handlers: dict[type[EventPayload], H] = {}
        for event_class, handler in (handlers or {}).items():
            self.add(event_class, handler)

    def add(self, event_class: type[EventPayload], handler: H) -> None:
        if event_class in self._handlers:
            raise ValueError(f"{event_class.__name__} has its handler already")
        self._handlers[event_class] = handler

    def handler_of(self, event_class: type[EventPayload]) -> H | None:
        return self._handlers.get(event_class)

    @property
    def event_types(self) -> tuple[str, ...]:
        """The event types the projection reads, in registration order."""
        return tuple(event_class.event_type for event_class in self._handlers)
