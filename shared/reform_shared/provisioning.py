"""Explicit, idempotent provisioning of the node's stream and buckets.

Run once at node start-up (and safe to run again): services never declare streams themselves,
unlike FastStream's declare-on-start, which merges and updates stream configs behind one's back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    ExternalStream,
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamSource,
)
from nats.js.errors import BadRequestError, BucketNotFoundError, NotFoundError

from reform_shared.replicas import connected_replicas
from reform_shared.settings import Settings


@dataclass(frozen=True)
class ProvisionReport:
    stream: str
    stream_created: bool
    bucket: str
    bucket_created: bool
    attachments_bucket: str
    attachments_bucket_created: bool


def account_of(node_id: str) -> str:
    """The hub account (and stream-name suffix) of a commune node: ninh-giang -> NINH_GIANG."""
    return node_id.upper().replace("-", "_")


def federation_sources(settings: Settings) -> list[StreamSource]:
    """A federated commune node's stream also sources the city's decisions about its communes:
    OUT_<NODE> in its hub account, reached through the city's JetStream domain (reform_shared.federation)."""
    if settings.federation_role != "commune":
        return []
    return [StreamSource(name=f"OUT_{account_of(settings.node_id)}",
                         external=ExternalStream(api=f"$JS.{settings.city_domain}.API"))]


def event_stream_config(settings: Settings) -> StreamConfig:
    return StreamConfig(
        name=settings.stream_name,
        description="Domain events of the administrative-reform initiative system (the legal record)",
        subjects=settings.node_stream_subjects,
        sources=federation_sources(settings) or None,
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=0,
        max_msgs=-1,
        max_bytes=-1,
        duplicate_window=120.0,
        allow_direct=True,
        deny_delete=True,
        deny_purge=True,
        num_replicas=max(1, settings.stream_replicas),
    )


def with_replicas(js: JetStreamContext, settings: Settings) -> Settings:
    """`settings` with the replicas of the server `js` reached: 3 on the city's cluster, 1 on a single server."""
    replicas = connected_replicas(getattr(js, "_nc", None), settings.stream_replicas)
    return settings if replicas == settings.stream_replicas else settings.model_copy(
        update={"stream_replicas": replicas})


def _source_key(source: StreamSource) -> tuple[str, str | None, str | None]:
    return source.name, source.filter_subject, source.external.api if source.external else None


async def ensure_stream(js: JetStreamContext, config: StreamConfig) -> Literal["created", "updated", "unchanged"]:
    """Create the stream, or align it when its subjects, sources or duplicate window differ."""
    try:
        info = await js.stream_info(config.name or "")
    except NotFoundError:
        await js.add_stream(config)
        return "created"
    current = info.config
    same_subjects = sorted(current.subjects or []) == sorted(config.subjects or [])
    same_sources = sorted(map(_source_key, current.sources or [])) == sorted(map(_source_key, config.sources or []))
    same_replicas = (current.num_replicas or 1) == (config.num_replicas or 1)  # a hub grown into a cluster: R1 -> R3
    if same_subjects and same_sources and same_replicas and current.duplicate_window == config.duplicate_window:
        return "unchanged"
    await js.update_stream(config)
    return "updated"


async def ensure_bucket(js: JetStreamContext, settings: Settings) -> bool:
    """The idempotency bucket, created if missing. True if it was created."""
    try:
        await js.key_value(settings.idempotency_bucket)
        return False
    except (BucketNotFoundError, NotFoundError, BadRequestError):
        await js.create_key_value(
            KeyValueConfig(
                bucket=settings.idempotency_bucket,
                description="First results of commands sent with an Idempotency-Key",
                history=1,
                ttl=settings.idempotency_ttl_seconds,
                storage=StorageType.FILE,
                replicas=max(1, settings.stream_replicas),
            )
        )
        return True


async def ensure_attachments_bucket(js: JetStreamContext, settings: Settings) -> bool:
    """The object store of the dossiers' attachments, created if missing. True if it was created.

    File storage on the node's nats-server, which fsyncs every write before its ack (sync_interval:
    always): an acknowledged upload is as durable as an acknowledged event, and backed up with them."""
    try:
        await js.object_store(settings.attachments_bucket)
        return False
    except (BucketNotFoundError, NotFoundError):
        await js.create_object_store(
            settings.attachments_bucket,
            ObjectStoreConfig(description="Attachments of initiative dossiers (the evidence beside the events)",
                              storage=StorageType.FILE, replicas=max(1, settings.stream_replicas)),
        )
        return True


NOTIFICATIONS_CONSUMER = "notifications"
"""The durable pull consumer of the notifications service (FastStream binds it as it is, never declares it)."""


def notifications_consumer_config(settings: Settings) -> ConsumerConfig:
    """Every event the node reads, from the start, acknowledged one batch at a time by the handler. A short ack
    wait: a pull whose client gave up waiting (a loaded machine) leaves its messages unacknowledged until then;
    the handler is idempotent, so their redelivery after newer ones is harmless."""
    return ConsumerConfig(
        durable_name=NOTIFICATIONS_CONSUMER, deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT,
        ack_wait=10, max_deliver=-1, max_ack_pending=1000,
        filter_subjects=[f"{prefix}.>" for prefix in settings.consumed_prefixes] + [f"{settings.ops_prefix}.>"],
    )


async def ensure_consumer(js: JetStreamContext, stream: str, config: ConsumerConfig) -> bool:
    """A durable consumer, created if missing (an existing one keeps its position). True if created.

    An existing one whose filters differ (the node's operational events added to the notifications' consumer)
    gets the new filters, keeping its position (nats-server 2.10+ updates a durable's `filter_subjects`)."""
    try:
        info = await js.consumer_info(stream, config.durable_name or "")
    except NotFoundError:
        await js.add_consumer(stream, config)
        return True
    current = info.config.filter_subjects or ([info.config.filter_subject] if info.config.filter_subject else [])
    wanted = config.filter_subjects or ([config.filter_subject] if config.filter_subject else [])
    if sorted(current) != sorted(wanted):
        updated = replace(info.config, filter_subject=None, filter_subjects=wanted)
        await js.add_consumer(stream, updated)
    return False


async def provision(js: JetStreamContext, settings: Settings) -> ProvisionReport:
    """Create or align the node's event stream, the idempotency and attachments buckets and the notifications'
    consumer; safe to repeat. Three replicas of each on a JetStream cluster, one on a single server."""
    settings = with_replicas(js, settings)
    stream_created = await ensure_stream(js, event_stream_config(settings)) == "created"
    await ensure_consumer(js, settings.stream_name, notifications_consumer_config(settings))
    bucket_created = await ensure_bucket(js, settings)
    attachments_created = await ensure_attachments_bucket(js, settings)
    return ProvisionReport(settings.stream_name, stream_created, settings.idempotency_bucket, bucket_created,
                           settings.attachments_bucket, attachments_created)
