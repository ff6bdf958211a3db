"""A commune for the notification tests: its directory, a campaign, and events written straight to the stream."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from nats.js import JetStreamContext

from reform_node.servers import free_port
from reform_notifications.settings import NotificationSettings
from reform_shared.envelope import Actor, EventEnvelope, EventPayload
from reform_shared.events import (
    AuthorRef,
    CampaignLaunched,
    CouncilMember,
    Criterion,
    InitiativeContent,
    InitiativeSubmitted,
    Rubric,
    ScoreResult,
    UnitRef,
)
from reform_shared.events.directory import OfficialEntry, OfficialRegistered, UnitAdded, UnitEntry, UnitHeadAppointed
from reform_shared.provisioning import NOTIFICATIONS_CONSUMER
from reform_shared.settings import Settings
from reform_shared.subjects import event_subject

VN = dt.timezone(dt.timedelta(hours=7))
COMMUNE = "ninh-giang"
JAN = dt.date(2026, 1, 1)
PEOPLE = {
    # official id: (name, unit, e-mail, roles)
    "lan": ("Nguyễn Thị Lan", "vh-xh", "lan@ninhgiang.gov.vn", ("secretary",)),
    "hung": ("Trần Văn Hùng", "ubnd", "hung@ninhgiang.gov.vn", ("chairman",)),
    "minh": ("Đỗ Minh", "vh-xh", "minh@ninhgiang.gov.vn", ("council_member",)),
    "thu": ("Hoàng Thị Thu", "kinh-te", "thu@ninhgiang.gov.vn", ("council_member",)),
    "an": ("Phạm Văn An", "kinh-te", "an@ninhgiang.gov.vn", ("submitter",)),
    "binh": ("Lê Thị Bình", "tu-phap", "binh@ninhgiang.gov.vn", ("submitter",)),
    "khoa": ("Vũ Đăng Khoa", "ubnd", "khoa@ninhgiang.gov.vn", ("operator",)),
}
UNITS = {"vh-xh": "Phòng Văn hóa – Xã hội", "kinh-te": "Phòng Kinh tế", "tu-phap": "Phòng Tư pháp",
         "ubnd": "Văn phòng UBND"}
HEADS = {"kinh-te": "thu", "tu-phap": "binh", "vh-xh": "lan"}


def directory_events() -> list[EventPayload]:
    events: list[EventPayload] = [UnitAdded(effective=JAN, unit=UnitEntry(unit_id=u, name=n)) for u, n in UNITS.items()]
    events += [OfficialRegistered(effective=JAN, official=OfficialEntry(
        official_id=o, full_name=n, unit_id=u, email=e, roles=r)) for o, (n, u, e, r) in PEOPLE.items()]
    events += [UnitHeadAppointed(effective=JAN, unit_id=u, official_id=o) for u, o in HEADS.items()]
    return events


@dataclass
class Writer:
    js: JetStreamContext
    settings: Settings
    versions: dict[tuple[str, str], int] = field(default_factory=dict)

    async def write(self, payload: EventPayload, at: dt.datetime | None = None, commune: str = COMMUNE
                    ) -> EventEnvelope:
        key = (payload.aggregate_type, payload.aggregate_id())
        self.versions[key] = self.versions.get(key, 0) + 1
        envelope = EventEnvelope(
            event_id=uuid.uuid4().hex, event_type=payload.event_type, schema_version=payload.schema_version,
            commune_id=commune, aggregate_type=key[0], aggregate_id=key[1], aggregate_version=self.versions[key],
            occurred_at=at or dt.datetime(2026, 6, 1, 9, tzinfo=VN),
            actor=Actor(user_id="lan", name="Nguyễn Thị Lan", commune_id=COMMUNE, roles=("secretary",)),
            correlation_id=uuid.uuid4().hex, payload=payload)
        await self.js.publish(event_subject(self.settings.subject_prefix, envelope), envelope.to_json(),
                              stream=self.settings.stream_name)
        return envelope

    async def raw(self, subject_tail: str, data: bytes) -> None:
        await self.js.publish(f"{self.settings.subject_prefix}.{COMMUNE}.{subject_tail}", data,
                              stream=self.settings.stream_name)

    async def settled(self) -> None:
        """Until the notifications' consumer has handled and acknowledged everything written (a fetch that
        timed out on a loaded machine loses its messages to the client: redelivered after the ack wait)."""
        for _ in range(3000):
            info = await self.js.consumer_info(self.settings.stream_name, NOTIFICATIONS_CONSUMER)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"consumer not settled: {info}")


class Mailbox:
    """A real SMTP server (aiosmtpd) on a free port; what it received, parsed."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.refuse = False
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    @classmethod
    @contextlib.contextmanager
    def running(cls) -> Iterator[Mailbox]:
        """A mailbox listening until the block ends (what a fixture yields)."""
        box = cls()
        box.controller.start()
        try:
            yield box
        finally:
            box.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]

    def subjects(self, address: str) -> list[str]:
        return [str(m["Subject"]) for m in self.to(address)]


TEST_SECRET = "test-secret-0123456789-0123456789-0123456789"
"""The root conftest's test secret."""


def token(user: str, roles: tuple[str, ...] = ("submitter",)) -> dict[str, str]:
    from reform_shared.auth.tokens import issue_token

    bearer = issue_token(TEST_SECRET, subject=user, name=user, commune_id=COMMUNE, roles=list(roles),
                         issuer="reform-node", audience="reform")
    return {"Authorization": f"Bearer {bearer}"}


CAMPAIGN = "cc-2026"
RESULT = ScoreResult(mean_total=78.5, median_total=78.5, spread=3, scored=2, eligible=2, criterion_means={},
                     conditions={"novelty": True})


def campaign() -> CampaignLaunched:
    return CampaignLaunched(
        campaign_id=CAMPAIGN, year=2026, title="Sáng kiến cải cách hành chính năm 2026", fields=("c",),
        submission_opens_at=dt.datetime(2026, 3, 1, tzinfo=VN),
        submission_closes_at=dt.datetime(2026, 9, 25, 17, tzinfo=VN),
        evaluation_deadline=dt.date(2026, 9, 28),
        expected_units=(UnitRef(unit_id="kinh-te", name="Phòng Kinh tế"),
                        UnitRef(unit_id="tu-phap", name="Phòng Tư pháp")))


def submitted(initiative_id: str, title: str, unit: str, authors: tuple[str, ...]) -> InitiativeSubmitted:
    kind = "individual" if authors else "collective"
    return InitiativeSubmitted(initiative_id=initiative_id, campaign_id=CAMPAIGN, content=InitiativeContent(
        title=title, unit=UnitRef(unit_id=unit, name=unit), author_kind=kind, field="c", summary="Tóm tắt",
        authors=tuple(AuthorRef(user_id=a, name=a) for a in authors)))


def council(*members: str) -> tuple[CouncilMember, ...]:
    return tuple(CouncilMember(user_id=m, name=m) for m in members)


RUBRIC = Rubric(criteria=(Criterion(code="n", label="Tính mới", weight=1, max_points=100),))


def notification_settings(settings: Settings, mailbox: Mailbox) -> NotificationSettings:
    return NotificationSettings(**{**settings.model_dump(), "service_name": "notifications"}, smtp_host="127.0.0.1",
                                smtp_port=mailbox.port,
                                portal_url="http://portal.test")
