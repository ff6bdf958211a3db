"""Causation ids from the command bus: what an event follows from (shared/reform_shared/causation.py), on the
in-memory store — the same bus the services run on JetStream."""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

import pytest

from reform_shared.claims import ClaimRule, claim
from reform_shared.commands import CommandBus, CommandContext, Operation, Target
from reform_shared.envelope import Actor, EventEnvelope, EventPayload
from reform_shared.events import SubmissionsClosed, TitleClaimed, build_registry
from reform_shared.idempotency import CommandResult, IdempotencyRecords
from reform_shared.ids import FixedClock
from reform_shared.memory_store import InMemoryEventStore, InMemoryRecordBucket
from reform_shared.ports import AppendOutcome

pytestmark = pytest.mark.application
NOW = dt.datetime(2026, 9, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
COMMUNE = "ninh-giang"
CAMPAIGN = Target(COMMUNE, "campaign", "cchc-2026")


class Title(ClaimRule[str]):
    claimed = TitleClaimed

    def holder_in(self, event: EventPayload) -> str:
        assert isinstance(event, TitleClaimed)
        return event.initiative_id

    async def load_holder(self, holder_id: str) -> str | None:
        return holder_id

    def decide(self, holder_id: str | None, holder: str | None) -> list[EventPayload]:
        if holder_id == self.claimant_id:
            return []
        return [TitleClaimed(claim_id="t-1", campaign_id="cchc-2026", unit_id="vh-xh", folded_title="so hoa",
                             initiative_id=self.claimant_id)]

    def refuse_pending(self) -> NoReturn:
        raise AssertionError("pending")

    def refuse_lost_race(self) -> NoReturn:
        raise AssertionError("lost")


@pytest.fixture
def bus() -> CommandBus:
    return CommandBus(InMemoryEventStore(build_registry()), IdempotencyRecords(InMemoryRecordBucket()))


def ctx() -> CommandContext:
    return CommandContext(actor=Actor(user_id="ha", name="Hà", commune_id=COMMUNE, roles=("secretary",)),
                          clock=FixedClock(NOW), correlation_id="corr-1")


def closed(reason: str, campaign_id: str = "cchc-2026") -> list[EventPayload]:
    return [SubmissionsClosed(campaign_id=campaign_id, closed_at=NOW, reason=reason)]


async def close(bus: CommandBus, context: CommandContext, reason: str) -> EventEnvelope:
    await bus.execute(context, CAMPAIGN, Operation("close", reason), lambda _: closed(reason), lambda o: {})
    return (await bus.store.load(*CAMPAIGN)).envelopes[-1]


async def test_a_first_event_follows_nothing_and_a_later_one_the_aggregates_last(bus: CommandBus) -> None:
    first = await close(bus, ctx(), "một")
    second = await close(bus, ctx(), "hai")
    assert first.causation_id is None
    assert second.causation_id == first.event_id


async def test_the_event_a_handler_names_wins(bus: CommandBus) -> None:
    await close(bus, ctx(), "một")
    named = await close(bus, ctx().caused_by("01-the-recognition"), "hai")
    assert named.causation_id == "01-the-recognition"
    plain = ctx()
    assert plain.caused_by(None) is plain, "no cause named: the context is unchanged"


async def test_a_claimants_events_follow_its_claim_and_the_next_command_does_not(bus: CommandBus) -> None:
    initiative = Target(COMMUNE, "campaign", "other")

    async def run(key: str | None) -> CommandResult:
        await claim(bus, ctx(), Title(Target(COMMUNE, "title", "t-1"), "i-1"), key)
        outcome: AppendOutcome = await bus.decide_and_append(ctx(), initiative, lambda _: closed("x", "other"),
                                                                 key=key)
        return CommandResult({"seq": outcome.events[-1].stream_seq})

    await bus.once(ctx(), COMMUNE, Operation("submit", {}), run)
    claimed = (await bus.store.load(COMMUNE, "title", "t-1")).envelopes[-1]
    follower = (await bus.store.load(*initiative)).envelopes[-1]
    assert follower.causation_id == claimed.event_id
    after = await close(bus, ctx(), "sau")
    assert after.causation_id is None, "the claim's cause does not leak into the next command"
