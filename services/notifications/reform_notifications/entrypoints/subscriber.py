"""The event consumer, on FastStream: one durable pull consumer (provisioned beforehand, bound as it is), one
batch per call in stream order, handled in one commit by the intake (its notices, what it teaches the memory, its
checkpoint) and acknowledged by the handler after it (`AckPolicy.MANUAL`, never the default that terminates a
failing message).

The batch's bodies are read from `raw_message` (FastStream's validation of `list[bytes]` refuses them) and
parsed by the shared registry into the typed event models the intake's rules take. An event that cannot be
read, or whose handling fails for a reason of its own, is parked (operators are told) and the batch goes on.
An infrastructure failure (the database) is retried in place with backoff, never nacked: a nacked batch would
come back after newer events, and a notice computed before the facts it needs (a dossier returned before it
was remembered as submitted) would reach nobody. The intake is idempotent, so events handled before the failure
are skipped by the checkpoint, or meet their notices' ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Annotated, Any

import nats.errors
from faststream import AckPolicy, Context
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from reform_notifications.application.intake import INFRASTRUCTURE, Arrived, Intake
from reform_notifications.settings import NotificationSettings
from reform_shared.ids import Clock
from reform_shared.nats_auth import connect_options
from reform_shared.provisioning import NOTIFICATIONS_CONSUMER
from reform_shared.registry import EventRegistry, MalformedEvent

log = logging.getLogger(__name__)


class BatchHandler:
    def __init__(self, registry: EventRegistry, intake: Intake, clock: Clock, first_delay: float = 0.5,
                 max_delay: float = 30.0) -> None:
        self._registry, self._intake, self._clock = registry, intake, clock
        self._first_delay, self._max_delay = first_delay, max_delay

    async def handle(self, messages: Sequence[Msg]) -> None:
        """Every message once handled or parked (one commit); retried in place while the database fails."""
        batch = [self._read(raw) for raw in messages]
        delay = self._first_delay
        while True:
            try:
                await self._intake.handle_batch(batch, self._clock.now())
                return
            except INFRASTRUCTURE as exc:
                log.warning("notifications: batch retried in %.1f s: %s: %s", delay, type(exc).__name__, exc)
                for raw in messages:
                    with contextlib.suppress(Exception):  # only extends the ack wait
                        await raw.in_progress()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay)

    def _read(self, raw: Msg) -> Arrived:
        seq = raw.metadata.sequence.stream
        try:
            return Arrived(raw.subject, seq, raw.data, self._registry.parse(raw.data))
        except MalformedEvent as exc:
            return Arrived(raw.subject, seq, raw.data, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - an upcaster's bug parks the event as unreadable
            return Arrived(raw.subject, seq, raw.data, error=f"{type(exc).__name__}: {exc}")


def _fetch_timeouts_typed() -> None:
    """nats-py 2.16's `fetch` raises a bare `asyncio.TimeoutError` when its deadline runs out between its two pull
    requests (nats.py #934), where it raised `nats.errors.TimeoutError` before; FastStream's pull loop catches
    only the latter, so the bare one escaped as an ERROR with a traceback in the log at every quiet start, and
    FastStream's supervisor restarted the loop. Here the bare timeout is the typed one again (both mean "nothing
    new"); the patch is idempotent and made once per process."""
    if getattr(JetStreamContext.PullSubscription.fetch, "_typed_timeouts", False):
        return
    untyped = JetStreamContext.PullSubscription.fetch

    async def fetch(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await untyped(self, *args, **kwargs)
        except nats.errors.TimeoutError:
            raise
        except TimeoutError as exc:
            raise nats.errors.TimeoutError from exc

    fetch._typed_timeouts = True  # type: ignore[attr-defined]
    JetStreamContext.PullSubscription.fetch = fetch  # type: ignore[method-assign]


def build_broker(settings: NotificationSettings, registry: EventRegistry, intake: Intake, clock: Clock) -> NatsBroker:
    _fetch_timeouts_typed()
    broker = NatsBroker(settings.nats_servers, logger=log, name=f"{settings.node_id}:notifications",
                        **connect_options(settings))
    stream = JStream(settings.stream_name, declare=False)
    handler = BatchHandler(registry, intake, clock)

    @broker.subscriber(
        f"{settings.consumed_prefixes[0]}.>", stream=stream, durable=NOTIFICATIONS_CONSUMER,
        pull_sub=PullSub(batch_size=settings.consumer_batch_size, timeout=0.5, batch=True),
        ack_policy=AckPolicy.MANUAL, title="notifications", description="Every event of the node, for notices.",
    )
    async def on_events(body: list[Any], msg: Annotated[NatsBatchMessage, Context("message")]) -> None:
        await handler.handle(msg.raw_message)
        await msg.ack()

    return broker
