"""Explicit, idempotent provisioning of the node's stream and buckets.

Run once at node start-up (and safe to run again): services never declare streams themselves,
unlike FastStream's declare-on-start, which merges and updates stream configs behind one's back.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, BucketNotFoundError, NotFoundError

from reform_shared.settings import Settings


@dataclass(frozen=True)
class ProvisionReport:
    stream: str
    stream_created: bool
    bucket: str
    bucket_created: bool


def event_stream_config(settings: Settings) -> StreamConfig:
    return StreamConfig(
        name=settings.stream_name,
        description="Domain events of the administrative-reform initiative system (the legal record)",
        subjects=list(settings.stream_subjects),
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
        num_replicas=1,
    )


async def provision(js: JetStreamContext, settings: Settings) -> ProvisionReport:
    """Create or align the event stream and the idempotency bucket; safe to repeat."""
    config = event_stream_config(settings)
    stream_created = False
    try:
        info = await js.stream_info(settings.stream_name)
        current = info.config
        if sorted(current.subjects or []) != sorted(config.subjects or []) or current.duplicate_window != 120.0:
            await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)
        stream_created = True

    bucket_created = False
    try:
        await js.key_value(settings.idempotency_bucket)
    except (BucketNotFoundError, NotFoundError, BadRequestError):
        await js.create_key_value(
            KeyValueConfig(
                bucket=settings.idempotency_bucket,
                description="First results of commands sent with an Idempotency-Key",
                history=1,
                ttl=settings.idempotency_ttl_seconds,
                storage=StorageType.FILE,
            )
        )
        bucket_created = True
    return ProvisionReport(settings.stream_name, stream_created, settings.idempotency_bucket, bucket_created)
