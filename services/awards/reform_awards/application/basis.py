"""The basis claim: an initiative's recognition grounds at most one award, across forms, levels and nodes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from reform_awards.application.record import Record, award_aggregate
from reform_awards.domain import award as awards
from reform_shared.claims import ClaimRule, claim
from reform_shared.commands import CommandBus, CommandContext, Target
from reform_shared.envelope import EventPayload
from reform_shared.errors import RuleViolation
from reform_shared.events import AwardProposed, BasisClaimed
from reform_shared.ports import EventStore


class BasisClaims:
    """Claims each initiative of an award's basis (aggregate `basis`, one per initiative) before it is appended."""

    def __init__(self, bus: CommandBus, record: Record) -> None:
        self._bus = bus
        self._record = record

    async def claim(self, ctx: CommandContext, commune_id: str, award: AwardProposed, key: str | None) -> None:
        for initiative_id in award.basis.initiative_ids:
            await self._claimed_on_the_other_side(commune_id, initiative_id, award)
            await claim(self._bus, ctx, BasisClaim(self._bus.store, commune_id, initiative_id, award),
                        f"{key}b{initiative_id[:8]}" if key else None)

    async def _claimed_on_the_other_side(self, commune_id: str, initiative_id: str, award: AwardProposed) -> None:
        """An initiative that grounds an award decided on the other node (a commune's Giấy khen seen at the
        city, a city Bằng khen seen at the commune) grounds no second one. Read from what has arrived."""
        claims = [e.envelope.payload for e in await self._record.foreign(commune_id, "basis", initiative_id)
                  if isinstance(e.envelope.payload, BasisClaimed)]
        if not claims or claims[-1].award_id == award.award_id:
            return
        holder_id = claims[-1].award_id
        holder = awards.fold([e.payload for e in await self._record.load(
            commune_id, "award", award_aggregate(holder_id))]).get(holder_id)
        awards.one_award_per_achievement(holder, initiative_id)


class AwardClaim(ClaimRule[awards.AwardState]):
    """A claim an award holds: its claim event names the award, and the holder is that award as the record has it
    (the basis of an award, a place of a form's quota)."""

    def __init__(self, store: EventStore, target: Target, award: AwardProposed) -> None:
        super().__init__(target, award.award_id)
        self._store = store
        self._award = award

    def holder_in(self, event: EventPayload) -> str:
        assert isinstance(event, self.claimed)
        return str(getattr(event, "award_id"))  # noqa: B009 - every award claim event names its award

    async def load_holder(self, holder_id: str) -> awards.AwardState | None:
        history = await self._store.load(self.target.commune_id, "award", award_aggregate(holder_id))
        return awards.fold(history.payloads).get(holder_id)


class BasisClaim(AwardClaim):
    """One initiative of a basis, claimed by the award it grounds."""

    claimed = BasisClaimed

    def __init__(self, store: EventStore, commune_id: str, initiative_id: str, award: AwardProposed) -> None:
        super().__init__(store, Target(commune_id, "basis", initiative_id), award)

    def decide(self, holder_id: str | None, holder: awards.AwardState | None) -> Sequence[EventPayload]:
        if holder_id == self.claimant_id:
            return []
        if holder_id is not None:
            awards.one_award_per_achievement(holder, self.target.aggregate_id)
        return [BasisClaimed(initiative_id=self.target.aggregate_id, award_id=self._award.award_id,
                             form=self._award.form)]

    def refuse_pending(self) -> NoReturn:
        raise RuleViolation("Sáng kiến này đang được dùng cho một đề nghị khác vừa gửi",
                            "this initiative grounds another proposal being sent right now",
                            field="basis.initiative_ids", rule="one_award_per_achievement")

    def refuse_lost_race(self) -> NoReturn:
        raise RuleViolation("Sáng kiến vừa được dùng làm căn cứ cho khen thưởng khác",
                            "the initiative was just claimed by another award",
                            field="basis.initiative_ids", rule="one_award_per_achievement")
