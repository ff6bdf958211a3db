"""The quota of a form whose proposals do not share an aggregate (any form but Bằng khen, whose commune-year
aggregate holds its quota itself): at most N proposals of a recipient kind per commune and year, held by N
places (aggregate `quota`, one per place), each claimed by one active proposal.

A proposal claims the first place that is free or whose holder is no longer active (rejected, revoked); two
concurrent proposals race on a place and the store lets one win, the other trying the next place. A retry
finds the place it holds (the claim names its award). When every place is held, the refusal is the quota's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NoReturn

from reform_awards.application.basis import AwardClaim
from reform_awards.application.record import award_aggregate
from reform_awards.domain import award as awards
from reform_awards.domain.catalogue import AwardForm
from reform_awards.domain.rules import SHARED_QUOTA_FORMS
from reform_shared.claims import claim
from reform_shared.commands import CommandBus, CommandContext, Target
from reform_shared.envelope import EventPayload
from reform_shared.errors import RuleViolation
from reform_shared.events import AwardProposed, QuotaPlaceClaimed
from reform_shared.ids import VIETNAM
from reform_shared.ports import EventStore


class PlaceTaken(RuleViolation):
    """This place is held by an active proposal: the claimant tries the next one."""


def held_by_places(form: AwardForm) -> bool:
    return bool(form.quota) and form.code not in SHARED_QUOTA_FORMS


def scope_of(proposed: AwardProposed, now: dt.datetime) -> str:
    """The year a quota counts in: the award's year, its period, or (an ad-hoc award) the year of the proposal."""
    return str(proposed.year) if proposed.year is not None else proposed.period or str(now.astimezone(VIETNAM).year)


def place_ids(form: AwardForm, proposed: AwardProposed, now: dt.datetime) -> list[str]:
    limit = form.quota_for(proposed.recipient.kind) or 0
    return [f"{form.code}_{scope_of(proposed, now)}_{proposed.recipient.kind}_{n}" for n in range(1, limit + 1)]


class QuotaPlaces:
    """Reads and claims the places of a form's quota (only for forms `held_by_places`)."""

    def __init__(self, bus: CommandBus) -> None:
        self._bus = bus
        self._store = bus.store

    async def holders(self, commune_id: str, form: AwardForm, proposed: AwardProposed,
                      now: dt.datetime) -> awards.Awards:
        """The active proposals holding the places, by award id: what `within_city_quota` counts."""
        found: awards.Awards = {}
        for place_id in place_ids(form, proposed, now):
            holder_id = await self._holder_id(commune_id, place_id)
            holder = await self._award(commune_id, holder_id) if holder_id else None
            if holder is not None and holder.status in awards.ACTIVE:
                found[holder.award_id] = holder
        return found

    async def claim(self, ctx: CommandContext, commune_id: str, form: AwardForm, proposed: AwardProposed,
                    key: str | None) -> None:
        if form.quota_for(proposed.recipient.kind) is None:
            return  # no quota on this kind of recipient
        now = ctx.clock.now()
        for n, place_id in enumerate(place_ids(form, proposed, now), 1):
            try:
                await claim(self._bus, ctx, QuotaPlace(self._store, commune_id, place_id, proposed),
                            f"{key}q{n}" if key else None)
                return
            except PlaceTaken:
                continue
        awards.within_city_quota(form, await self.holders(commune_id, form, proposed, now), proposed)
        raise awards.quota_refusal(form, [], proposed)

    async def _holder_id(self, commune_id: str, place_id: str) -> str | None:
        claims = [p for p in (await self._store.load(commune_id, "quota", place_id)).payloads
                  if isinstance(p, QuotaPlaceClaimed)]
        return claims[-1].award_id if claims else None

    async def _award(self, commune_id: str, award_id: str) -> awards.AwardState | None:
        return awards.fold((await self._store.load(commune_id, "award", award_aggregate(award_id))).payloads
                           ).get(award_id)


class QuotaPlace(AwardClaim):
    """One place of a form's quota, claimed by the proposal that takes it."""

    claimed = QuotaPlaceClaimed

    def __init__(self, store: EventStore, commune_id: str, place_id: str, award: AwardProposed) -> None:
        super().__init__(store, Target(commune_id, "quota", place_id), award)

    def decide(self, holder_id: str | None, holder: awards.AwardState | None) -> Sequence[EventPayload]:
        if holder_id == self.claimant_id:
            return []
        if holder is not None and holder.status in awards.ACTIVE:
            self.refuse_lost_race()
        return [QuotaPlaceClaimed(place_id=self.target.aggregate_id, award_id=self._award.award_id,
                                  form=self._award.form)]

    def refuse_pending(self) -> NoReturn:
        raise PlaceTaken("Chỉ tiêu này đang được một đề nghị vừa gửi sử dụng",
                         "this place of the quota is held by a proposal being sent right now", rule="city_quota")

    def refuse_lost_race(self) -> NoReturn:
        raise PlaceTaken("Chỉ tiêu này đã có đề nghị khác", "this place of the quota is held by another proposal",
                         rule="city_quota")
