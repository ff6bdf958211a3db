"""The frozen, versioned envelope every domain event travels in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationInfo,
    field_validator,
    model_validator,
)

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_TOKEN = re.compile(TOKEN_PATTERN)


def is_subject_token(value: str) -> bool:
    """True when value can stand as one NATS subject token (no dots, wildcards or spaces)."""
    return bool(_TOKEN.match(value))


class Actor(BaseModel):
    """The authenticated person behind a command, recorded in every event."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    user_id: str
    name: str = ""
    commune_id: str
    roles: tuple[str, ...] = ()
    unit_id: str | None = None

    def has_any(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class TraceContext(BaseModel):
    """W3C trace context of the request that caused the event, kept with the event itself."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    traceparent: str | None = None
    tracestate: str | None = None
    trace_id: str | None = None


READING = "reform_reading"
"""Validation context key: set by the registry when it reads an event from the stream."""


class Contract(BaseModel):
    """Base of every event payload and of the parts it holds: frozen; **strict when produced** (an unknown
    field is an error, never silently dropped: a typo in a producer must not lose data) and **tolerant when
    read** (`model_validate(..., context={READING: True})`, as the registry reads the stream: a consumer
    keeps working when a newer producer adds a field)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _strict_when_produced(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and not (info.context or {}).get(READING):
            known = set(cls.model_fields) | {f.alias for f in cls.model_fields.values() if f.alias}
            unknown = sorted(str(key) for key in data if key not in known)
            if unknown:
                raise ValueError(f"{cls.__name__} has no field {', '.join(unknown)}")
        return data


class EventPayload(Contract):
    """Base of every typed payload: frozen, past-tense name, explicit schema version; strict when
    produced, tolerant when read (see `Contract`)."""

    event_type: ClassVar[str]
    """The name on the wire and in subjects: the class's name unless the class says otherwise."""
    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str]
    upcasters: ClassVar[dict[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {}
    """Version n -> a function turning a version-n payload into a version-(n+1) one."""

    def aggregate_id(self) -> str:
        raise NotImplementedError

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            cls.event_type = cls.__name__


class EventEnvelope(BaseModel):
    """One domain event: identity, position in its aggregate, who/when/why, and the payload."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: str
    event_type: str
    schema_version: int = Field(ge=1)
    commune_id: str = Field(pattern=TOKEN_PATTERN)
    aggregate_type: str = Field(pattern=TOKEN_PATTERN)
    aggregate_id: str = Field(pattern=TOKEN_PATTERN)
    aggregate_version: int = Field(ge=1)
    occurred_at: AwareDatetime
    actor: Actor
    correlation_id: str
    causation_id: str | None = None
    trace: TraceContext = TraceContext()
    idempotency_key: str | None = None
    command_fingerprint: str | None = None
    """The hash of the keyed command's request: a retry whose first answer was lost is recognised from the
    record itself, and the same key sent with another request is refused (409) rather than answered."""
    payload: SerializeAsAny[EventPayload]

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.UTC)

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    def header_fields(self) -> dict[str, str]:
        return {"Reform-Event-Type": self.event_type, "Reform-Schema-Version": str(self.schema_version)}


def envelope_dict(envelope: EventEnvelope) -> dict[str, Any]:
    """The envelope as plain JSON-compatible data (payload included)."""
    return envelope.model_dump(mode="json")
