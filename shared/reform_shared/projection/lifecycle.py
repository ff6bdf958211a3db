"""The runner's background task: prepared with retries, then stepped until asked to stop.

Preparing needs the database and NATS; either may be away when a service starts (or a transaction
a killed process left open may hold the checkpoint for a while). That delays the projection, never
the process's readiness to answer — so preparing is retried in the background, not awaited."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger("reform_shared.projection")


class Background:
    """One task that prepares, then steps; `stop` lets the batch in hand finish rather than cancel it."""

    def __init__(self, consumer: str, report: Callable[[str | None], None]) -> None:
        self._consumer = consumer
        self._report = report
        """Where the last error goes (the runner's `last_error`)."""
        self.stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        self.stopping = False
        self._task = asyncio.create_task(work, name=f"projection:{self._consumer}")

    async def prepare_then_loop(
        self, prepare: Callable[[], Awaitable[None]], loop: Callable[[], Awaitable[None]]
    ) -> None:
        """Prepare, retried with backoff until it succeeds (or the runner stops), then loop."""
        delay = 0.2
        while not self.stopping:
            try:
                await prepare()
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - retried: nothing is applied before it succeeds
                error = f"preparing: {type(exc).__name__}: {exc}"
                self._report(error)
                log.warning("projection %s: %s; retrying in %.1fs", self._consumer, error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        if not self.stopping:
            self._report(None)
            await loop()

    async def loop(self, step: Callable[[], Awaitable[int]], in_hand: Callable[[], bool]) -> None:
        """Step until stopped; a batch in hand is finished, not dropped. Errors are logged and retried."""
        while not self.stopping or in_hand():
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._report(f"{type(exc).__name__}: {exc}")
                log.exception("projection %s: loop error", self._consumer)
                await asyncio.sleep(1.0)

    async def stop(self, timeout: float) -> None:  # noqa: ASYNC109 - how long the batch in hand may take
        """Ask the task to stop and wait for it; cancelled if it does not finish within `timeout`."""
        self.stopping = True
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=timeout)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
                try:
                    await self._task
                except asyncio.CancelledError:
                    pass
            self._task = None
