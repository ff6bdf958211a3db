"""What a restore left as history: the notices the node gave before its backup are not e-mailed again.

A restored node's consumer starts again from the first event (its database is rebuilt), so it computes every
notice of the history once more. The restore marked itself in the record (`NodeRestored`, reform_shared.restores):
an event at or below its `up_to_seq` was told before, and so was a reminder that fell due before `restored_at`.
Those notices go to the inbox as ever (the inbox is whole again) and to the outbox as `history`, which the
dispatcher never sends and no digest gathers; what comes after the horizon is mailed as before. The outbox keeps
each history e-mail's id, so the same event copied into the stream again later (a federation source read from its
start) finds it there and sends nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from reform_notifications.domain.notice import Notice
from reform_shared.events import NodeRestored

HISTORY = "history"
"""The outbox status of an e-mail that is never sent: history from before the node's restore."""
HISTORY_NOTE = "không gửi lại: lịch sử trước khi khôi phục — not sent again: history from before the restore"


@dataclass(frozen=True)
class Horizon:
    """The last restore's horizon: the stream up to `up_to_seq`, the moments before `restored_at`."""

    up_to_seq: int = 0
    restored_at: dt.datetime | None = None

    @classmethod
    def of(cls, restored: NodeRestored | None) -> Horizon:
        """The horizon of the node's last restore; none for a node never restored."""
        return cls(restored.up_to_seq, restored.restored_at) if restored is not None else NEVER_RESTORED

    def told_before(self, seq: int | None) -> bool:
        """An event at this stream sequence was in the backup (None: handed in outside the stream, new)."""
        return seq is not None and seq <= self.up_to_seq

    def fell_due_before(self, due_at: dt.datetime | None) -> bool:
        """A reminder due at this moment fell due before the restore."""
        return due_at is not None and self.restored_at is not None and due_at < self.restored_at

    def mark(self, notices: Iterable[Notice], seq: int | None = None) -> list[Notice]:
        """The notices, those of history marked so (the event's sequence, or each reminder's due moment)."""
        past = self.told_before(seq)
        return [dataclasses.replace(n, history=True) if past or self.fell_due_before(n.due_at) else n
                for n in notices]


NEVER_RESTORED = Horizon()
