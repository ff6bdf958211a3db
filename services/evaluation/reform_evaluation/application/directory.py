"""The evaluation service's copy of the commune's directory: the directory events' dated facts, one document
per commune (`reform_shared.directory_view`), kept by the board like its other documents.

It says who heads the author's unit on the day of the scoring (`domain.conflicts.Heads`). The queries (a
member's queue, the progress) read the board's copy; the commands (recording a score, finalising) fold the
directory from the record itself, as they read the submission service's events, so a rule never acts on a
copy that has not caught up with an appointment just made.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_evaluation.domain.conflicts import Heads
from reform_shared.directory_copy import directory_of, recorded_directory
from reform_shared.ports import EventStore


async def copied_heads(db: AsyncDatabase[dict[str, Any]], commune_id: str, on: dt.date) -> Heads:
    """The directory on a day, as the board's copy holds it."""
    return Heads(await directory_of(db, commune_id), on)


async def recorded_heads(store: EventStore, commune_id: str, on: dt.date) -> Heads:
    """The directory on a day, folded from the record."""
    return Heads(await recorded_directory(store, commune_id), on)
