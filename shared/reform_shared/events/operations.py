"""Operational events: what the system says about itself rather than about a campaign (issue 16).

`ProjectionParked` — a service's projection parked an event it could not apply. Why an event, and not a
call from each service to the notifications service, nor the notifications service reading the other
services' `_parked_events` collections:
- services never call or read each other (ARCHITECTURE.md); the stream is how one service learns a fact of
  another, and the notifications service already consumes it idempotently, so the operators' notice (in-app,
  e-mail where configured) comes from the same outbox as every other notice;
- the fact is recorded once, where it happened, through the same `EventStore` path every command uses, with a
  deterministic event id and message id (service, projection, stream sequence): a park written again — a
  batch re-applied after a crash, a restart before the announcement was marked, a rebuild that parks the same
  poison again — appends nothing the second time, inside the duplicate window by `Nats-Msg-Id` and beyond it
  by the aggregate's expected sequence (one aggregate per parked position, so a re-sent append is recognised
  by its own id); the notifications outbox keys the notice on that id too, so nobody is told twice.

Operational events travel under their own first subject token, `<prefix>-ops.<commune>.projection.<id>.
ProjectionParked` (`Settings.ops_prefix`), never under `reform.` or `city.`: the federation's sources copy
`reform.<commune>.>` to the city and `city.<commune>.>` back, so an operational event stays on the node that
parked (least privilege: the city's operators run the city's services, a commune's operators their node;
what a commune's node parked — subjects, errors — is none of the city's business), and no domain projection,
whose consumers filter `<prefix>.*.*.*.<EventType>` or `<prefix>.>` per read prefix, ever receives one.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import AwareDatetime

from reform_shared.envelope import EventPayload

UNKNOWN_COMMUNE = "_node"
"""The commune of an operational event about an event whose commune could not be read (not JSON, no token
in its subject): the notifications service tells the operators of every commune on the node."""

_NAMESPACE = uuid.UUID("5d1f3c0e-7a61-4c8b-9f0e-2b6a1d4e8c37")


def parked_event_id(node_id: str, service: str, projection: str, stream_seq: int) -> str:
    """The deterministic id of the `ProjectionParked` of one parked position: the same park, the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{node_id}:{service}:{projection}:{stream_seq}"))


class ProjectionParked(EventPayload):
    """A projection of a service parked the event at a stream sequence: it applies nothing of it until an
    operator replays it (GET /ops/projections/{projection}/parked on that service)."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "projection"

    node_id: str
    service: str
    projection: str
    stream_seq: int
    subject: str
    """The subject the parked event was read from."""
    parked_type: str | None = None
    """The type the parked event names (its header or its subject's last token), even if it is unknown."""
    parked_event_id: str | None = None
    """The parked event's id, when it could be read."""
    error_kind: str
    """unparseable, unknown_event_type, commune_mismatch, handler_failed, write_failed, crash_loop."""
    reason: str
    commune_id: str | None = None
    """The commune concerned, as read from the parked event or its subject; None when unknown."""

    def aggregate_id(self) -> str:
        """One aggregate per parked position (`<service>-<projection>-<seq>`, as a subject token)."""
        token = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{self.service}-{self.projection}")
        suffix = f"-{self.stream_seq}"
        return token[: 64 - len(suffix)] + suffix


class NodeRestored(EventPayload):
    """The node's stream was restored from a backup file by `reform-node restore`, which appended this after the
    restored events (`reform_shared.restores`): every event at or below `up_to_seq` is history, told before the
    backup was made. The notifications service puts what it says in the inbox again but mails none of it, nor the
    reminders that fell due before `restored_at`."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "node"

    up_to_seq: int
    """The last stream sequence the restore wrote (the backup's last event)."""
    restored_at: AwareDatetime
    backup_file_sha256: str
    """The backup file's SHA-256, as `sha256sum FILE` prints it."""
    backup_created_at: AwareDatetime | None = None
    backup_node_id: str | None = None
    """The node the backup was taken of, as its header says."""

    def aggregate_id(self) -> str:
        """One aggregate for every restore of the node: its versions count the restores."""
        return "restores"


OPERATIONS_PAYLOADS = (ProjectionParked, NodeRestored)
