"""The frozen, versioned envelope every domain event travels in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SerializeAsAny, field_validator

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


class EventPayload(BaseModel):
    """Base of every typed payload: frozen, past-tense name, explicit schema version.

    Payloads are tolerant when read (`extra="ignore"`) so that a consumer keeps working when a
    producer adds a field; producers construct them with typed arguments.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

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
