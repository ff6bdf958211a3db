"""The event consumer, on FastStream: one durable pull consumer (provisioned beforehand, bound as it is), one
batch per call in stream order, acknowledged by the handler itself (`AckPolicy.MANUAL`, never the default that
terminates a failing message).

The batch's bodies are read from `raw_message` (FastStream's validation of `list[bytes]` refuses them) and
parsed by the shared registry into the typed event models the intake's rules take. An event that cannot be
read is parked and the batch goes on; an infrastructure failure naks the whole batch, redelivered and handled
again without effect on what was already done (the intake is idempotent).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from faststream import AckPolicy, Context
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage

from reform_notifications.application.intake import Intake
from reform_notifications.settings import NotificationSettings
from reform_shared.ids import Clock
from reform_shared.provisioning import NOTIFICATIONS_CONSUMER
from reform_shared.registry import EventRegistry, MalformedEvent

log = logging.getLogger(__name__)


def build_broker(settings: NotificationSettings, registry: EventRegistry, intake: Intake, clock: Clock) -> NatsBroker:
    broker = NatsBroker(settings.nats_url, logger=log, name=f"{settings.node_id}:notifications")
    stream = JStream(settings.stream_name, declare=False)

    @broker.subscriber(
        f"{settings.consumed_prefixes[0]}.>", stream=stream, durable=NOTIFICATIONS_CONSUMER,
        pull_sub=PullSub(batch_size=settings.consumer_batch_size, timeout=0.5, batch=True),
        ack_policy=AckPolicy.MANUAL, title="notifications", description="Every event of the node, for notices.",
    )
    async def on_events(body: list[Any], msg: Annotated[NatsBatchMessage, Context("message")]) -> None:
        try:
            for raw in msg.raw_message:
                now = clock.now()
                try:
                    envelope = registry.parse(raw.data)
                except MalformedEvent as exc:
                    await intake.park(raw.subject, raw.metadata.sequence.stream, raw.data, str(exc), now)
                    continue
                await intake.handle(envelope, now)
        except Exception:
            log.exception("notifications: batch not handled; it will be redelivered")
            await msg.nack(delay=1)
            return
        await msg.ack()

    return broker
