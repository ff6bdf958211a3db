"""Crash bookkeeping: an event that kills the process is found by counting restarts at one checkpoint.

A handler that raises is retried and parked in-process; one that kills the process (a segfault in a
native library, an out-of-memory kill) leaves nothing but a consumer with messages in flight. Such
unclean starts at the same checkpoint are counted next to it: after `max_deliver` of them the runner
applies one event at a time (so the culprit is alone in its batch), after one more it parks it."""

from __future__ import annotations

import logging
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.projection.contracts import CHECKPOINTS

log = logging.getLogger("reform_shared.projection")


class CrashLedger:
    """Counts unclean starts at one checkpoint, and says what the runner does about them."""

    def __init__(self, *, db: AsyncDatabase[dict[str, Any]], projection: str, consumer: str, max_deliver: int) -> None:
        self._db = db
        self._projection = projection
        self._consumer = consumer
        self._max_deliver = max_deliver
        self.isolate = False
        """Apply one event per batch: the next one may be the event that kills the process."""
        self.park_first = False
        """Park the next event unapplied: it stopped the process once more than `max_deliver` allows."""

    async def count(self, checkpoint_doc: dict[str, Any], checkpoint: int, unclean: bool) -> None:
        """Read the crashes recorded at this checkpoint, add this start's if it is unclean."""
        same_place = checkpoint_doc.get("crash_seq") == checkpoint
        crashes = int(checkpoint_doc.get("crashes", 0)) if same_place else 0
        if unclean:
            crashes += 1
            await self._db[CHECKPOINTS].update_one(
                {"_id": self._projection},
                {"$set": {"crash_seq": checkpoint, "crashes": crashes}},
                upsert=True,
            )
            log.warning("projection %s: unclean stop at sequence %s (%s in a row)", self._consumer, checkpoint, crashes)
        self.isolate = crashes >= self._max_deliver
        self.park_first = crashes > self._max_deliver

    def crash_loop_reason(self) -> str:
        return f"the process stopped {self._max_deliver + 1} times in a row while applying it"

    def moved_on(self) -> None:
        """A batch committed past the crash point: only the first event after it was suspect."""
        self.park_first = False
