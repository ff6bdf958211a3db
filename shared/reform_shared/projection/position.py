"""Where a projection stands in the stream: the checkpoint this process applied up to, and the durable
consumer positioned just after it.

JetStream redelivers a NAKed or abandoned message after newer ones, which the checkpoint would then
skip; so the consumer is never asked to redeliver, it is recreated at checkpoint + 1 instead."""

from __future__ import annotations

from collections.abc import Callable

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy
from nats.js.errors import NotFoundError


class Position:
    """The in-memory checkpoint and the durable pull consumer that follows it."""

    def __init__(
        self,
        *,
        js: JetStreamContext,
        stream: str,
        consumer: str,
        description: str,
        filters: Callable[[], list[str]],
        ack_wait: float,
        catch_up_batch_size: int,
    ) -> None:
        self._js = js
        self._stream = stream
        self.consumer = consumer
        self._description = description
        self._filters = filters
        self._ack_wait = ack_wait
        self._catch_up_batch_size = catch_up_batch_size
        self.checkpoint = 0
        """The last stream sequence this process applied (the database's checkpoint is the truth)."""
        self.committed = 0
        """The checkpoint this process last read from, or committed to, the database: behind `checkpoint` by events
        that wrote nothing, whose checkpoint waits for the next batch that writes (or for the runner to be idle)."""
        self.sub: JetStreamContext.PullSubscription | None = None
        self.generation = 0
        """Raised at every subscription: a batch fetched from an older one belongs to a consumer gone."""

    def config(self) -> ConsumerConfig:
        """The durable consumer, positioned just after what the projection already holds."""
        filters = self._filters()
        resume = self.checkpoint > 0
        return ConsumerConfig(
            durable_name=self.consumer,
            description=self._description,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._ack_wait,
            max_ack_pending=max(1000, self._catch_up_batch_size * 2),
            filter_subjects=filters if len(filters) > 1 else None,
            filter_subject=filters[0] if len(filters) == 1 else None,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if resume else DeliverPolicy.ALL,
            opt_start_seq=self.checkpoint + 1 if resume else None,
        )

    async def info(self) -> ConsumerInfo | None:
        """The consumer as the server holds it, None if there is none."""
        try:
            info: ConsumerInfo = await self._js.consumer_info(self._stream, self.consumer)
        except NotFoundError:
            return None
        return info

    async def lag(self) -> ConsumerInfo:
        """The consumer as the server holds it (raises if it is gone)."""
        info: ConsumerInfo = await self._js.consumer_info(self._stream, self.consumer)
        return info

    def filters_changed(self, info: ConsumerInfo) -> bool:
        """It reads other subjects than the projection does now."""
        wanted = self.config()
        current = sorted(info.config.filter_subjects or [info.config.filter_subject or ""])
        return current != sorted(wanted.filter_subjects or [wanted.filter_subject or ""])

    def settings_changed(self, info: ConsumerInfo) -> bool:
        """Delivery settings other than the filters (created by an older version): recreated at the checkpoint."""
        wanted = self.config()
        return (info.config.ack_policy, info.config.max_ack_pending) != (wanted.ack_policy, wanted.max_ack_pending)

    def has_leftovers(self, info: ConsumerInfo) -> bool:
        """Messages in flight, or delivered past the checkpoint: the process died mid-batch, or the database
        lost commits (restored from an older copy), or events that wrote nothing were acknowledged before their
        checkpoint was committed: in every case it starts again after the checkpoint."""
        delivered = info.delivered.stream_seq if info.delivered is not None else 0
        return self.died_mid_batch(info) or (delivered or 0) > self.checkpoint

    @staticmethod
    def died_mid_batch(info: ConsumerInfo) -> bool:
        """Messages delivered and never acknowledged: the process stopped while it held a batch (what the crash
        ledger counts; a checkpoint behind what was delivered alone is not a crash)."""
        return bool(info.num_ack_pending)

    async def subscribe(self, recreate: bool = False) -> None:
        """Bind to the consumer, created after the checkpoint if missing (or if `recreate`)."""
        await self._drop_subscription()
        exists = await self.info() is not None
        if exists and recreate:
            await self._js.delete_consumer(self._stream, self.consumer)
            exists = False
        if not exists:
            await self._js.add_consumer(self._stream, self.config())
        self.sub = await self._js.pull_subscribe_bind(self.consumer, stream=self._stream)
        self.generation += 1

    async def fetch(self, size: int, timeout: float) -> list[Msg]:  # noqa: ASYNC109 - the fetch's own wait
        assert self.sub is not None
        return await self.sub.fetch(size, timeout=timeout)

    async def unsubscribe(self) -> None:
        await self._drop_subscription()
        self.sub = None

    async def _drop_subscription(self) -> None:
        if self.sub is not None:
            try:
                await self.sub.unsubscribe()
            except Exception:  # noqa: BLE001 - the old subscription may already be gone
                pass

    async def delete(self) -> None:
        """The consumer is removed (the projection is built again from the stream's start)."""
        try:
            await self._js.delete_consumer(self._stream, self.consumer)
        except NotFoundError:
            pass
