"""Client idempotency keys: a retried command appends nothing new and gets the first result.

The first result of a keyed command is kept in a JetStream key-value bucket (with a TTL), under
a key scoped by commune, user and operation, so one user's key never answers another's request.
A key reused with a different request body is refused. The records sit behind a small port
(`reform_shared.ports.RecordBucket`): JetStream KV on a node, a dict in application tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from reform_shared.errors import ConcurrencyConflict, Conflict, InvalidInput
from reform_shared.ports import RecordBucket

MAX_KEY_LENGTH = 200
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandResult:
    """What a command answers: its body, and whether it is the recorded first answer of a retry. The HTTP
    status is the route's (its decorator), not the application's."""

    body: dict[str, Any]
    replayed: bool = False


def scoped_key(commune_id: str, user_id: str, operation: str, client_key: str) -> str:
    if not client_key or len(client_key) > MAX_KEY_LENGTH or not client_key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key phải là chuỗi in được, 1–{MAX_KEY_LENGTH} ký tự",
            f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters",
            field="Idempotency-Key",
            rule="idempotency_key_format",
        )
    digest = hashlib.sha256(f"{commune_id}\x1f{user_id}\x1f{operation}\x1f{client_key}".encode()).hexdigest()
    return f"k{digest[:48]}"


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class JetStreamRecordBucket:
    """The `RecordBucket` port on a JetStream KV bucket (its TTL ends the records).

    With a `scope` (the service's name) the keys are `<scope>.<key>`: a service's NATS identity may write
    only `$KV.<bucket>.<its name>.>` (reform_shared.nats_auth), so no service can plant a first answer that
    another service would give to a retry."""

    def __init__(self, kv: KeyValue, scope: str | None = None) -> None:
        self._kv = kv
        self._prefix = f"{scope}." if scope else ""

    async def get(self, key: str) -> bytes | None:
        try:
            entry = await self._kv.get(self._prefix + key)
        except KeyNotFoundError:
            return None
        return entry.value

    async def put(self, key: str, value: bytes) -> None:
        await self._kv.put(self._prefix + key, value)


class IdempotencyRecords:
    """First results of keyed commands, in a record bucket (a JetStream KV bucket is wrapped as one)."""

    def __init__(self, bucket: RecordBucket | KeyValue) -> None:
        self._bucket: RecordBucket = JetStreamRecordBucket(bucket) if isinstance(bucket, KeyValue) else bucket

    async def get(self, key: str) -> dict[str, Any] | None:
        value = await self._bucket.get(key)
        if value is None:
            return None
        record: dict[str, Any] = json.loads(value)
        return record

    async def put(self, key: str, record: dict[str, Any]) -> None:
        await self._bucket.put(key, json.dumps(record, default=str).encode())

    async def run(
        self,
        key: str | None,
        request_fingerprint: str,
        execute: Callable[[], Awaitable[CommandResult]],
        recover: Callable[[], Awaitable[CommandResult | None]] | None = None,
    ) -> CommandResult:
        """Run a command once per key; a retry returns the recorded first result.

        Without a record, `recover` looks for the command's events in the record itself (a first run that
        appended, then died or failed to write this record): found, they give the first answer.
        """
        if key is None:
            return await execute()
        recorded = await self._recorded(key, request_fingerprint)
        if recorded is not None:
            return recorded
        if recover is not None:
            found = await recover()
            if found is not None:
                await self._keep(key, request_fingerprint, found)
                return found
        try:
            result = await execute()
        except ConcurrencyConflict:
            # A concurrent twin with the same key may have won the append: answer with its result.
            for _ in range(40):
                recorded = await self._recorded(key, request_fingerprint)
                if recorded is not None:
                    return recorded
                await asyncio.sleep(0.05)
            raise
        await self._keep(key, request_fingerprint, result)
        return result

    async def _keep(self, key: str, request_fingerprint: str, result: CommandResult) -> None:
        """Record the first result. The events are already stored: a failure here must not turn the success
        into an error (the retry finds the events and answers from them), so it is logged, not raised."""
        try:
            await self.put(key, {"fingerprint": request_fingerprint, "body": result.body})
        except Exception as exc:  # noqa: BLE001 - the command succeeded; its events carry the key
            log.warning("idempotency record %s not written (%s: %s); a retry answers from the events",
                        key, type(exc).__name__, exc)

    async def _recorded(self, key: str, request_fingerprint: str) -> CommandResult | None:
        record = await self.get(key)
        if record is None:
            return None
        if record["fingerprint"] != request_fingerprint:
            raise key_reused()
        return CommandResult(record["body"], replayed=True)  # a record kept before may also hold a status_code


def key_reused() -> Conflict:
    return Conflict(
        "Idempotency-Key này đã được dùng cho một yêu cầu khác",
        "this Idempotency-Key was already used for a different request",
        field="Idempotency-Key",
        rule="idempotency_key_reuse",
    )
