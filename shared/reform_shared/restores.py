"""The node's restores, kept in its own record: a `NodeRestored` after the restored events.

Why an event in the stream, and not a file in the data folder, a setting, or a document in the notifications
database: the stream is what a restore writes and what a backup carries, so the marker is written by the same
step that writes the history (before `reform-node restore` reports success, flushed and counted with it), it
cannot be forgotten by an operator at 2 a.m. (no flag to pass, no variable to unset), it is carried into the next
backup (a restore of a restored node finds both restores, the last one by subject), and the databases it would
otherwise live in are exactly what a restore leaves empty.

It travels under the node's ops prefix (`<prefix>-ops._node.node.restores.NodeRestored`): no federation source
copies it and no domain projection reads it, the notifications' consumer does (it tells nobody of it). No service
identity may publish there (reform_shared.nats_auth allows `<prefix>-ops.*.projection.>` only): the node's
operator writes it, so no service can silence the e-mails by forging a restore. Each restore is the next version
of one aggregate, appended through the event store with its expected sequence; its event id derives from the
backup file and the restored position, so a re-sent append is recognised as the same.
"""

from __future__ import annotations

import datetime as dt
import uuid

from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventEnvelope
from reform_shared.events.operations import UNKNOWN_COMMUNE, NodeRestored
from reform_shared.ports import EventStore, StoredEvent

NODE_SCOPE = UNKNOWN_COMMUNE
"""The commune token of the node's own operational events (the node itself, not one of its communes)."""
AGGREGATE = NodeRestored.aggregate_type
RESTORES = "restores"
_NAMESPACE = uuid.UUID("0c7e51a2-93d4-4f0b-8a55-6f2c1d9e4b70")


def restored_event_id(file_sha256: str, stream: str, up_to_seq: int) -> str:
    """The same backup restored to the same position: the same id (the stream deduplicates a re-sent append)."""
    return str(uuid.uuid5(_NAMESPACE, f"{file_sha256}:{stream}:{up_to_seq}"))


def restored_envelope(payload: NodeRestored, *, stream: str, version: int) -> EventEnvelope:
    event_id = restored_event_id(payload.backup_file_sha256, stream, payload.up_to_seq)
    actor = Actor(user_id="reform-node", name="reform-node restore", commune_id=NODE_SCOPE, roles=("operator",))
    envelope = make_envelope(payload, commune_id=NODE_SCOPE, version=version, actor=actor,
                             occurred_at=payload.restored_at, correlation_id=event_id)
    return envelope.model_copy(update={"event_id": event_id})  # the same restore, the same id


async def last_restore(store: EventStore) -> NodeRestored | None:
    """The node's last restore, or None for a node never restored (`store` under the node's ops prefix)."""
    history = await store.load(NODE_SCOPE, AGGREGATE, RESTORES)
    last = history.payloads[-1] if history.payloads else None
    return last if isinstance(last, NodeRestored) else None


async def mark_restored(store: EventStore, stream: str, *, up_to_seq: int, file_sha256: str,
                        backup_created_at: dt.datetime | None = None, backup_node_id: str | None = None,
                        now: dt.datetime | None = None) -> StoredEvent:
    """Append the restore's `NodeRestored` (the next version of the node's restores) and return it as stored."""
    history = await store.load(NODE_SCOPE, AGGREGATE, RESTORES)
    payload = NodeRestored(up_to_seq=up_to_seq, restored_at=now or dt.datetime.now(dt.UTC),
                           backup_file_sha256=file_sha256, backup_created_at=backup_created_at,
                           backup_node_id=backup_node_id)
    outcome = await store.append(history, [restored_envelope(payload, stream=stream, version=history.version + 1)])
    return outcome.events[0]
