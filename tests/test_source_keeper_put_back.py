"""The source keeper re-attaches a stalled source by removing it and adding it back, in two stream updates. When the
second one fails (it timed out on a hub loaded by 114 reconnecting nodes, bench section 10), the next round adds the
source back: the stream never stays without it. Real nats-server; the failure injected on the second update only."""

from __future__ import annotations

import uuid
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig, StreamSource

from reform_shared.settings import Settings
from reform_shared.source_keeper import restart_stalled_sources


class SecondUpdateTimesOut:
    """The real JetStream context, but the stream update that would add the sources back fails once."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js
        self.updates = 0

    async def stream_info(self, name: str) -> Any:
        return await self._js.stream_info(name)

    async def update_stream(self, config: StreamConfig) -> Any:
        self.updates += 1
        if self.updates == 2:
            raise TimeoutError("nats: timeout")
        return await self._js.update_stream(config)


async def test_a_source_removed_but_not_added_back_is_added_back_at_the_next_round(
    js: JetStreamContext, settings: Settings
) -> None:
    name, scope = f"COPY_{uuid.uuid4().hex[:8]}", f"test-{uuid.uuid4().hex[:8]}"
    # A source on a stream that does not exist never becomes active: the keeper sees it stalled at once.
    source = StreamSource(name=f"ABSENT_{uuid.uuid4().hex[:8]}")
    await js.add_stream(StreamConfig(name=name, subjects=[], sources=[source], retention=RetentionPolicy.LIMITS,
                                     storage=StorageType.FILE))
    try:
        failing = SecondUpdateTimesOut(js)
        try:
            await restart_stalled_sources(failing, name, stalled_ns=0, scope=scope)  # type: ignore[arg-type]
        except TimeoutError:
            pass
        assert not (await js.stream_info(name)).config.sources  # removed, not added back

        again = await restart_stalled_sources(js, name, stalled_ns=0, scope=scope)

        assert again == [source.name]
        assert [s.name for s in (await js.stream_info(name)).config.sources or []] == [source.name]
    finally:
        await js.delete_stream(name)
