"""The projection runner: a durable pull consumer applied in stream order, in batches.

Guarantees:
- Order: one fetch is handled sequentially; a batch's writes go to MongoDB in one transaction
  together with the projection's checkpoint (the last applied stream sequence). A batch that writes
  nothing is acknowledged without a transaction: its checkpoint is committed with the next batch that
  writes, or alone once the runner is idle (at most `loop.SETTLE_AFTER` events behind); a restart
  applies those events again, to no effect.
- Idempotent: a redelivered message at or below the checkpoint is acknowledged and skipped, so
  a crash between the write and the ack changes nothing.
- Poison never blocks: a message that cannot be parsed, whose handler keeps failing after
  retries with backoff, or that stopped the process `max_deliver` times in a row (see
  `prepare`), is parked — recorded with its error where an operator can list and replay
  it — and the events behind it go on.
- Order: the runner never negatively acknowledges; a redelivery after a crash would arrive
  after newer messages, so a start that finds messages unacknowledged, or delivered past the stored
  checkpoint, repositions the consumer at checkpoint + 1.
- Infrastructure failures (database unreachable) are retried in place with backoff and never
  park anything: the projection stalls and its lag shows it, but no event is lost.

Handlers return MongoDB write operations computed from the event alone (update operators, not
read-modify-write), since reads would not see the uncommitted writes of the same batch. Those given
as `Upsert`s are planned per batch (see `reform_shared.coalesce`): one write per document and batch,
and while a projection is rebuilt, inserts of documents built in memory instead of upserts.

Speed: when the consumer reports a backlog, the runner fetches `catch_up_batch_size` events at a
time (one transaction each) instead of `batch_size`.

The parts, after eventsourcing's split of a projection into processor, tracking recorder and runner:
- `position.Position`: the in-memory checkpoint and the durable consumer positioned after it;
- `crashes.CrashLedger`: unclean starts counted at one checkpoint, to isolate then park the culprit;
- `parking.ParkingLot`: parked events, their listing and the rules of replay;
- `batches.BatchPreparer` (the processor): fetch, parse, apply in memory, one batch ahead;
- `writer.CheckpointedWriter` (the tracking recorder): writes, parked events and checkpoint in one
  transaction, with its checks, retries and the event-by-event fallback;
- `lifecycle.Background`: the background task, prepared with retries and stopped between batches;
- `runner.ProjectionRunner`: composes them, with one short loop (`step`).
"""

from reform_shared.coalesce import MongoOp, Upsert
from reform_shared.projection.contracts import (
    CHECKPOINTS,
    NEVER_REPLAYED,
    PARKED,
    CheckpointRegressed,
    Projection,
    Write,
    by_collection_of,
    is_transient,
)
from reform_shared.projection.contracts import _Batch as _Batch
from reform_shared.projection.contracts import _Item as _Item
from reform_shared.projection.runner import ProjectionRunner
from reform_shared.projection.table import WriteTable

__all__ = [
    "CHECKPOINTS",
    "NEVER_REPLAYED",
    "PARKED",
    "CheckpointRegressed",
    "MongoOp",
    "Projection",
    "ProjectionRunner",
    "Upsert",
    "Write",
    "WriteTable",
    "by_collection_of",
    "is_transient",
]
