"""Data that takes effect on a date (the city's award rules, a commune's profile): which version is in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def in_force(versions: Sequence[T], on: dt.date, effective: Callable[[T], dt.date | None]) -> T | None:
    """The version in force on a day: the latest effective on or before it, the one recorded last winning a tie;
    None when none is (a version without a date is never in force by itself)."""
    dated = [(day, i, v) for i, v in enumerate(versions) if (day := effective(v)) is not None and day <= on]
    return max(dated, key=lambda t: (t[0], t[1]))[2] if dated else None
