"""What a projection is, what it returns, and the documents and items the runner's parts pass around."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from nats.aio.msg import Msg
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from reform_shared.coalesce import MongoOp, Upsert, plain
from reform_shared.store import StoredEvent
from reform_shared.subjects import event_type_filter

CHECKPOINTS = "_projection_checkpoints"
PARKED = "_parked_events"
NEVER_REPLAYED: dict[str, tuple[str, str]] = {
    "commune_mismatch": (
        "xã/phường ghi trong sự kiện khác với xã/phường của chủ đề (subject) — sự kiện giả mạo hoặc hỏng",
        "the commune in its body is not the commune of its subject: forged or broken",
    ),
}
"""Parked kinds an operator may inspect but never replay: replaying would count what must not count."""


class CheckpointRegressed(RuntimeError):
    """The database's checkpoint is behind what this process applied: it lost commits."""

    def __init__(self, stored: int, applied: int) -> None:
        super().__init__(f"the database holds checkpoint {stored}, this process applied up to {applied}")
        self.stored = stored
        self.applied = applied


@dataclass(frozen=True)
class Write:
    """One write of a projection on a named collection: an `Upsert` (merged and planned per batch)
    or any PyMongo bulk operation (applied as it is, in order)."""

    collection: str
    op: MongoOp | Upsert


class Projection(ABC):
    """A read model built from some event types. Subclasses are pure functions of events."""

    name: str
    event_types: tuple[str, ...]
    collections: tuple[str, ...]
    version: int = 1
    """Raised when what the projection writes changes shape: a projection built by another version is
    rebuilt from the stream at start."""

    def subject_filters(self, prefix: str) -> list[str]:
        """The subjects its consumer reads under one prefix: its event types (filtered on the server)."""
        return [event_type_filter(prefix, event_type) for event_type in self.event_types]

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:  # noqa: B027 - optional hook
        """Indexes of the projection's collections (called at start and after a rebuild)."""

    @abstractmethod
    def apply(self, event: StoredEvent) -> list[Write]:
        """The writes that apply one event."""


def is_transient(exc: BaseException) -> bool:
    """The database is away or asked for a retry: retried in place, never parked."""
    if isinstance(exc, ConnectionFailure):
        return True
    return isinstance(exc, PyMongoError) and exc.has_error_label("TransientTransactionError")


def by_collection_of(writes: list[Write]) -> dict[str, list[MongoOp]]:
    """Writes grouped per collection, each group in event order, one operation per write (unplanned)."""
    return plain((write.collection, write.op) for write in writes)


@dataclass
class _Item:
    msg: Msg
    seq: int
    writes: list[Write]
    parked: dict[str, Any] | None = None


@dataclass
class _Batch:
    """Messages fetched together and their writes, computed (events parsed and applied) but not committed."""

    generation: int
    msgs: list[Msg]
    items: list[_Item]
    pending: int
    """What the consumer still held after the last message."""
    catch_up: bool
    """Fetched to work off a backlog: traced as one span, not one per event."""
    lost_consumer: bool = False
