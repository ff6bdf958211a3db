"""The pull loop's quiet timeouts on a real nats-server: once the notifications' broker is built, a fetch that finds
nothing new raises `nats.errors.TimeoutError` — the one FastStream's pull loop treats as "nothing new" — never a
bare `asyncio.TimeoutError`, which escaped that loop as an ERROR with a traceback at every quiet start."""

from __future__ import annotations

import nats.errors
import pytest
from nats.js import JetStreamContext

from reform_notifications.entrypoints.subscriber import _fetch_timeouts_typed
from reform_shared.settings import Settings

pytestmark = pytest.mark.service


async def test_a_fetch_that_finds_nothing_raises_the_typed_timeout(js: JetStreamContext, settings: Settings) -> None:
    _fetch_timeouts_typed()
    _fetch_timeouts_typed()  # once per process, whoever asks twice
    sub = await js.pull_subscribe(f"{settings.subject_prefix}.quiet.>", durable="quiet-fetch",
                                  stream=settings.stream_name)
    raised: list[type[BaseException]] = []
    for timeout in (0.001, 0.005, 0.02, 0.05) * 5:  # short deadlines reach the path that raised the bare one
        try:
            await sub.fetch(batch=10, timeout=timeout)
        except TimeoutError as exc:  # the typed one is an asyncio.TimeoutError too
            raised.append(type(exc))
    assert raised and all(issubclass(kind, nats.errors.TimeoutError) for kind in raised), raised
