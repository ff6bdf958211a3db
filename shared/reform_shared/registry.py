"""Reads events of any known schema version into the current typed payload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from reform_shared.envelope import READING, EventEnvelope, EventPayload

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


TOLERANT = {READING: True}
"""What an event read from the stream is validated with: fields this service does not know are ignored."""


class MalformedEvent(Exception):
    """A message that cannot be read as an event of this version of the system."""


class EventRegistry:
    """Event type -> current payload model, plus upcasters from each older schema version.

    An upcaster registered for (type, n) turns a version-n payload into a version-(n+1) one;
    reading applies them in a chain, so stored events are never rewritten.
    """

    def __init__(self) -> None:
        self._models: dict[str, type[EventPayload]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, model: type[EventPayload]) -> None:
        if model.event_type in self._models:
            raise ValueError(f"event type {model.event_type} registered twice")
        self._models[model.event_type] = model
        for from_version, upcaster in model.upcasters.items():
            self.add_upcaster(model.event_type, from_version, upcaster)

    def add_upcaster(self, event_type: str, from_version: int, upcaster: Upcaster) -> None:
        self._upcasters[(event_type, from_version)] = upcaster

    def model_for(self, event_type: str) -> type[EventPayload]:
        try:
            return self._models[event_type]
        except KeyError:
            raise MalformedEvent(f"unknown event type {event_type!r}") from None

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(self._models)

    def parse(self, data: bytes | str | dict[str, Any]) -> EventEnvelope:
        """Read raw event data (JSON bytes or a dict) as an envelope with a typed payload."""
        try:
            # pydantic-core's parser (jiter): about half the time of `json.loads` on an event, the same values
            raw = from_json(data) if isinstance(data, (bytes, str)) else dict(data)
        except ValueError as exc:  # not JSON, or not UTF-8
            raise MalformedEvent(f"not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise MalformedEvent("event data is not a JSON object")
        event_type = raw.get("event_type")
        version = raw.get("schema_version")
        payload = raw.get("payload")
        if not isinstance(event_type, str) or not isinstance(version, int) or not isinstance(payload, dict):
            raise MalformedEvent("event_type, schema_version or payload missing or of the wrong type")
        model = self.model_for(event_type)
        if version > model.schema_version:
            raise MalformedEvent(
                f"{event_type} v{version} is newer than this service knows (v{model.schema_version})"
            )
        while version < model.schema_version:
            upcaster = self._upcasters.get((event_type, version))
            if upcaster is None:
                raise MalformedEvent(f"no upcaster for {event_type} v{version}")
            payload = upcaster(payload)
            version += 1
        try:
            typed = model.model_validate(payload, context=TOLERANT)
            return EventEnvelope.model_validate({**raw, "schema_version": version, "payload": typed}, context=TOLERANT)
        except ValidationError as exc:
            raise MalformedEvent(f"{event_type}: {exc.errors(include_url=False)}") from exc
