"""The basis claim flow: an initiative's recognition grounds at most one award, across forms, levels and nodes."""

from __future__ import annotations

import datetime as dt

from reform_awards.application.record import Record, award_aggregate
from reform_awards.domain import award as awards
from reform_shared.commands import CommandBus, CommandContext, Target
from reform_shared.envelope import EventPayload
from reform_shared.errors import RuleViolation
from reform_shared.events import AwardProposed, BasisClaimed
from reform_shared.ports import AggregateHistory

PENDING_CLAIM = dt.timedelta(minutes=5)
"""A claim whose award is not (yet) in the record is another proposal being sent: it holds for this long."""


class BasisClaims:
    """Claims each initiative of an award's basis (aggregate `basis`, one per initiative) before it is appended."""

    def __init__(self, bus: CommandBus, record: Record) -> None:
        self._bus = bus
        self._store = bus.store
        self._record = record

    async def claim(self, ctx: CommandContext, commune_id: str, award: AwardProposed, key: str | None) -> None:
        for initiative_id in award.basis.initiative_ids:
            await self._claim_one(ctx, commune_id, initiative_id, award, key)

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

    async def _claim_one(self, ctx: CommandContext, commune_id: str, initiative_id: str, award: AwardProposed,
                         key: str | None) -> None:
        await self._claimed_on_the_other_side(commune_id, initiative_id, award)
        history = await self._store.load(commune_id, "basis", initiative_id)
        claims = [(e, e.envelope.payload) for e in history.events if isinstance(e.envelope.payload, BasisClaimed)]
        if claims:
            last, claim = claims[-1]
            holder_id = claim.award_id
            if holder_id != award.award_id:
                holder = awards.fold((await self._store.load(
                    commune_id, "award", award_aggregate(holder_id))).payloads).get(holder_id)
                if holder is None and ctx.clock.now() - last.envelope.occurred_at < PENDING_CLAIM:
                    raise RuleViolation("Sáng kiến này đang được dùng cho một đề nghị khác vừa gửi",
                                        "this initiative grounds another proposal being sent right now",
                                        field="basis.initiative_ids", rule="one_award_per_achievement")
                awards.one_award_per_achievement(holder, initiative_id)
            else:
                return

        def decide(latest: AggregateHistory) -> list[EventPayload]:
            if len(latest.events) != len(history.events):
                raise RuleViolation("Sáng kiến vừa được dùng làm căn cứ cho khen thưởng khác",
                                    "the initiative was just claimed by another award",
                                    field="basis.initiative_ids", rule="one_award_per_achievement")
            return [BasisClaimed(initiative_id=initiative_id, award_id=award.award_id, form=award.form)]

        await self._bus.decide_and_append(
            ctx, Target(commune_id, "basis", initiative_id), decide, key=f"{key}b{initiative_id[:8]}" if key else None
        )
