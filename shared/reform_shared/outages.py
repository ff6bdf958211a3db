"""Which failures are outages of a dependency (HTTP 503, retry later) rather than bugs (500).

NATS unreachable, reconnecting or too slow, JetStream answering 503, the database unreachable or
timing out, or a write that lost to a transaction a killed process left open: none of these is the
caller's fault and none decided anything, so the caller gets 503 with Retry-After and retries (with the
same Idempotency-Key, a retry of a command that did reach the record gets its first answer).
"""

from __future__ import annotations

import nats.errors
import nats.js.errors
from pymongo.errors import ConnectionFailure, ExecutionTimeout, PyMongoError, WTimeoutError

from reform_shared.errors import ServiceUnavailable

NATS_OUTAGES: tuple[type[BaseException], ...] = (
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.ConnectionDrainingError,
    nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.NoServersError,
    nats.errors.FlushTimeoutError,
    nats.errors.UnexpectedEOF,
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.FetchTimeoutError,
)
MONGO_OUTAGES: tuple[type[BaseException], ...] = (ConnectionFailure, ExecutionTimeout, WTimeoutError)


def outage_of(exc: BaseException) -> ServiceUnavailable | None:
    """The outage `exc` (or what caused it) stands for, or None when it is something else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ServiceUnavailable):
            return current
        if isinstance(current, NATS_OUTAGES):
            return ServiceUnavailable("nats", f"{type(current).__name__}: {current}")
        if isinstance(current, MONGO_OUTAGES) or (
            isinstance(current, PyMongoError) and current.has_error_label("TransientTransactionError")
        ):
            return ServiceUnavailable("mongo", f"{type(current).__name__}")
        current = current.__cause__ or current.__context__
    return None
