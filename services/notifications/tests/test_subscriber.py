"""The consumer's batch handling on a fake intake (application tier): an unreadable message goes to the intake
in its place, to be parked, and the rest goes on; a database failure is retried in place (the ack wait extended),
never parked or skipped. (A rule failing on one event: `test_batched_intake.py`, on the real intake.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from nt_scene import COMMUNE, VN
from pymongo.errors import AutoReconnect

from reform_notifications.application.intake import Arrived
from reform_notifications.entrypoints.subscriber import BatchHandler
from reform_shared.envelope import Actor, EventEnvelope
from reform_shared.events import InitiativeReturned, build_registry
from reform_shared.ids import FixedClock

pytestmark = pytest.mark.application


@dataclass
class FakeMsg:
    data: bytes
    seq: int
    subject: str = f"reform.{COMMUNE}.initiative.i1.InitiativeReturned"
    extended: int = 0

    @property
    def metadata(self) -> Any:
        return SimpleNamespace(sequence=SimpleNamespace(stream=self.seq))

    async def in_progress(self) -> None:
        self.extended += 1


@dataclass
class FakeIntake:
    outages: int = 0
    handled: list[str] = field(default_factory=list)
    parked: list[tuple[int | None, str]] = field(default_factory=list)

    async def handle_batch(self, batch: list[Arrived], now: dt.datetime) -> int:
        if self.outages:
            self.outages -= 1
            raise AutoReconnect("database restarting")
        for a in batch:
            if a.envelope is None:
                self.parked.append((a.seq, a.error))
            else:
                self.handled.append(a.envelope.event_id)
        return len(batch)


def message(seq: int) -> FakeMsg:
    envelope = EventEnvelope(
        event_id=f"e{seq}", event_type="InitiativeReturned", schema_version=1, commune_id=COMMUNE,
        aggregate_type="initiative", aggregate_id="i1", aggregate_version=seq,
        occurred_at=dt.datetime(2026, 6, 1, tzinfo=VN), actor=Actor(user_id="lan", commune_id=COMMUNE),
        correlation_id="c", payload=InitiativeReturned(initiative_id="i1", campaign_id="c1", reason="x"))
    return FakeMsg(envelope.to_json(), seq)


def handler(intake: FakeIntake) -> BatchHandler:
    clock = FixedClock(dt.datetime(2026, 6, 1, tzinfo=VN))
    return BatchHandler(build_registry(), intake, clock, first_delay=0.01, max_delay=0.01)  # type: ignore[arg-type]


async def test_an_unreadable_message_goes_to_the_intake_in_its_place_and_the_batch_goes_on() -> None:
    intake = FakeIntake()
    await handler(intake).handle([message(1), FakeMsg(b"{", 2), message(3)])  # type: ignore[list-item]
    assert intake.handled == ["e1", "e3"]
    assert [seq for seq, _ in intake.parked] == [2] and "not JSON" in intake.parked[0][1]


async def test_a_database_outage_is_retried_in_place_with_the_ack_wait_extended() -> None:
    intake = FakeIntake(outages=2)
    batch = [message(1), message(2)]
    await handler(intake).handle(batch)  # type: ignore[arg-type]
    assert intake.handled == ["e1", "e2"] and intake.parked == []
    assert [m.extended for m in batch] == [2, 2]
