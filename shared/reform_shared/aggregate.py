"""What every aggregate of every service shares: a fold of its events through a table of mutators.

A service's domain module writes one mutator per event type and registers it in an `Evolver`:

    evolver: Evolver[Council | None] = Evolver(initial=None)

    @evolver.on(CouncilConstituted)
    def _constituted(state: Council | None, event: CouncilConstituted) -> Council | None: ...

    def fold(events: Iterable[EventPayload]) -> Council | None:
        return evolver.fold(events)

The table shows the whole aggregate on one screen (no isinstance ladder), an event no mutator knows
leaves the state as it is (another aggregate's events share nothing with it), and `evolver.event_types`
is the list a projection or a filter derives from it instead of keeping one by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from reform_shared.envelope import EventPayload

S = TypeVar("S")
E = TypeVar("E", bound=EventPayload)


class Evolver(Generic[S]):
    """A table of mutators `(state, event) -> state`, one per event type, and the fold over it."""

    def __init__(self, initial: S) -> None:
        self._initial = initial
        self._mutators: dict[type[EventPayload], Callable[[S, Any], S]] = {}

    def on(self, event_class: type[E]) -> Callable[[Callable[[S, E], S]], Callable[[S, E], S]]:
        """Register the mutator of one event type (a decorator)."""

        def register(mutator: Callable[[S, E], S]) -> Callable[[S, E], S]:
            if event_class in self._mutators:
                raise ValueError(f"{event_class.__name__} has a mutator already")
            self._mutators[event_class] = mutator
            return mutator

        return register

    def evolve(self, state: S, event: EventPayload) -> S:
        mutator = self._mutators.get(type(event))
        return state if mutator is None else mutator(state, event)

    def fold(self, events: Iterable[EventPayload], state: S | None = None) -> S:
        current: S = self._initial if state is None else state
        for event in events:
            current = self.evolve(current, event)
        return current

    @property
    def event_types(self) -> tuple[str, ...]:
        """The event types the aggregate reads, in registration order."""
        return tuple(event_class.event_type for event_class in self._mutators)
