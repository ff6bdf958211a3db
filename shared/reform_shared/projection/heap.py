"""A service's heap handed back after a catch-up: the batches of 10,000 parsed events it held are freed, but glibc
keeps the pages of its heap for the next allocation; a service that caught up once would hold them for good."""

from __future__ import annotations

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
