"""Claiming an aggregate: a rule that spans aggregates ("one title per unit and campaign", "an initiative grounds
one award") gets an aggregate of its own, which a claimant claims before it appends its own events.

Two concurrent claimants race on the claim's aggregate and the store lets one win. The flow, the same for
every such rule: load the claim; if another holds it, load that holder — a holder not in the record yet is a
command in flight, and holds the claim for `PENDING_CLAIM` — and let the rule judge whether it still holds;
then append the claim on the state just loaded, a lost race being the rule's refusal, not a bare 409.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Generic, NoReturn, TypeVar

from reform_shared.causation import follows
from reform_shared.commands import CommandBus, CommandContext, Options, Target
from reform_shared.envelope import EventPayload
from reform_shared.errors import ConcurrencyConflict
from reform_shared.ports import AggregateHistory

PENDING_CLAIM = dt.timedelta(minutes=5)
"""A claim whose holder is not in the record yet belongs to a command in flight: it holds for this long."""

H = TypeVar("H")


class ClaimRule(ABC, Generic[H]):
    """One claim of one kind: what is claimed (`target`), by whom (`claimant_id`), and how its rule judges."""

    claimed: ClassVar[type[EventPayload]]
    """The event that claims (its last one names the holder)."""

    def __init__(self, target: Target, claimant_id: str) -> None:
        self.target = target
        self.claimant_id = claimant_id

    @abstractmethod
    def holder_in(self, event: EventPayload) -> str:
        """Whom a claim event names as the holder."""

    @abstractmethod
    async def load_holder(self, holder_id: str) -> H | None:
        """The holder as the record has it (None: not in it yet)."""

    @abstractmethod
    def decide(self, holder_id: str | None, holder: H | None) -> Sequence[EventPayload]:
        """The claim's events: none when the claimant holds it already; refused while another holder keeps it."""

    @abstractmethod
    def refuse_pending(self) -> NoReturn:
        """Refuse the claimant while the holder is a command in flight."""

    @abstractmethod
    def refuse_lost_race(self) -> NoReturn:
        """Refuse a claimant another one overtook between its load and its append."""


async def claim(bus: CommandBus, ctx: CommandContext, rule: ClaimRule[H], key: str | None,
                loaded: AggregateHistory | None = None) -> None:
    """Claim `rule.target` for `rule.claimant_id`, appending under `key` (so a retry recognises its claim).

    `loaded`: the claim's aggregate as the caller just read it (beside its other reads); a stale read costs
    nothing but the race it would lose anyway: the append checks the sequence it was read at."""
    history = loaded if loaded is not None else await bus.store.load(*rule.target)
    claims = [event.envelope for event in history.events if isinstance(event.envelope.payload, rule.claimed)]
    holder_id: str | None = None
    holder: H | None = None
    if claims:
        holder_id = rule.holder_in(claims[-1].payload)
        if holder_id != rule.claimant_id:
            holder = await rule.load_holder(holder_id)
            if holder is None and ctx.clock.now() - claims[-1].occurred_at < PENDING_CLAIM:
                rule.refuse_pending()
    try:
        outcome = await bus.decide_and_append(ctx, rule.target, lambda _: rule.decide(holder_id, holder), key=key,
                                              options=Options(allow_no_change=True), loaded=history)
    except ConcurrencyConflict:
        rule.refuse_lost_race()
    # What the claimant appends next follows from the claim it made (a claim it already held made nothing new:
    # a revision keeping its title follows what came before it on its own aggregate).
    made = [e.envelope for e in outcome.events if isinstance(e.envelope.payload, rule.claimed)]
    if made:
        follows(made[-1].event_id)
