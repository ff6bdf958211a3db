"""Identifiers and time, injected into the domain rather than read inside it."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import uuid_utils

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
"""Vietnam's time (UTC+7, no daylight saving): deadlines, dates on documents and years are read in it."""


def new_id() -> str:
    """A new UUIDv7 (time-ordered) as a string."""
    return str(uuid_utils.uuid7())


class Clock(Protocol):
    """Source of the current, timezone-aware time."""

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        self.at = self.at + delta
