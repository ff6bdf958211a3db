"""A service's heap handed back after a catch-up: the batches of 10,000 parsed events it held are freed, but glibc
keeps the pages of its heap for the next allocation; a service that caught up once would hold them for good."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # the process's own symbols: glibc's, if glibc
        return trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to hand back this way
        return None


def release_free_heap() -> None:
    """`malloc_trim(0)`: the free pages of every glibc arena back to the system (what is in use is untouched)."""
    trim = _trim()
    if trim is not None:
        trim(0)


def release_free_heap_soon(delay: float = 1.0) -> None:
    """`release_free_heap()` in a worker thread after `delay` (it walks the whole heap; the loop goes on meanwhile)."""
    loop = asyncio.get_running_loop()

    def start() -> None:
        with contextlib.suppress(RuntimeError):  # the loop's executor shut down meanwhile: the process is ending
            loop.run_in_executor(None, release_free_heap)

    loop.call_later(delay, start)
