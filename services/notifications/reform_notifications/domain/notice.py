"""What is told to whom: a notice (one kind, one person, one cause) and the kinds with their Vietnamese names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Channel = Literal["inbox", "email"]
CHANNELS: tuple[Channel, ...] = ("inbox", "email")

KINDS: dict[str, str] = {
    "council_assigned": "Được phân công vào hội đồng đánh giá",
    "scoring_opened": "Hội đồng mở chấm điểm",
    "dossier_returned": "Hồ sơ sáng kiến bị trả lại",
    "recognised": "Sáng kiến được công nhận",
    "not_recognised": "Sáng kiến không được công nhận",
    "nominated": "Sáng kiến được đề nghị cấp thành phố",
    "city_decision": "Quyết định của thành phố",
    "award_granted": "Khen thưởng được quyết định",
    "award_rejected": "Đề nghị khen thưởng không được chấp thuận",
    "mentioned": "Được nhắc đến trong thảo luận của hội đồng",
    "question_asked": "Hội đồng hỏi tác giả",
    "question_answered": "Tác giả trả lời câu hỏi của hội đồng",
    "event_parked": "Sự kiện bị tạm giữ (vận hành)",
    "delivery_failed": "Gửi thông báo thất bại (vận hành)",
    "reminder": "Nhắc hạn",
}
"""Every kind a person may turn off, with the name shown on the preferences form."""


@dataclass(frozen=True)
class Person:
    """A recipient: an official of the commune's directory (the id is the sign-in user id)."""

    user_id: str
    name: str = ""
    email: str | None = None


@dataclass(frozen=True)
class Notice:
    """One thing to tell one person. `cause` is the event id (or the reminder's key): with the person and the
    channel it names the notification once, whatever redelivers the cause."""

    kind: str
    cause: str
    commune_id: str
    person: Person
    subject: str
    lines: tuple[str, ...]
    link: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    due_at: dt.datetime | None = None
    """When a reminder fell due (its deadline minus its lead); None for a notice about an event."""
    history: bool = False
    """Told before the node was restored from a backup (`domain/horizon.py`): the inbox gets it, no e-mail."""

    def key(self, channel: Channel) -> str:
        return f"{self.cause}:{self.person.user_id}:{channel}"
