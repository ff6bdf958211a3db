"""Command handlers of the awards service: gather the facts, assess, claim the basis, append."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reform_awards.domain import award as awards
from reform_awards.domain.catalogue import FORMS
from reform_awards.domain.eligibility import Eligibility, Facts, assess
from reform_awards.domain.sources import campaign_year, content_of, initiative_fact, par_rank
from reform_shared.commands import CommandBus, CommandContext
from reform_shared.envelope import EventPayload
from reform_shared.errors import NotFound, RuleViolation
from reform_shared.events import AwardProposed, BasisClaimed, ParRankingRecorded
from reform_shared.idempotency import CommandResult
from reform_shared.store import AggregateHistory, AppendOutcome

CITY = "city"
"""PAR rankings are the city's data, kept under this pseudo-commune on every node."""
SHORT = {"giay-khen-xa": "gkx", "bang-khen-tp": "bktp", "khen-giai-doan-2026-2030": "gd", "khen-dot-xuat": "dx"}
PENDING_CLAIM = dt.timedelta(minutes=5)


def payloads(history: AggregateHistory) -> list[EventPayload]:
    return [event.envelope.payload for event in history.events]


def award_aggregate(award_id: str) -> str:
    """City-level annual awards share their commune-year aggregate; the id says which year."""
    if award_id.startswith("bktp") and award_id[4:8].isdigit():
        return f"city-{award_id[4:8]}"
    return award_id


def new_award_id(form: str, year: int | None, suffix: str) -> str:
    return f"{SHORT.get(form, 'kt')}{year or ''}-{suffix}"


def done(outcome: AppendOutcome) -> dict[str, Any]:
    last = outcome.events[-1]
    payload = last.envelope.payload
    return {"award_id": getattr(payload, "award_id", None), "event_type": last.envelope.event_type,
            "event_id": last.envelope.event_id, "stream_sequence": last.stream_seq,
            "occurred_at": last.envelope.occurred_at.isoformat()}


class AwardCommands:
    def __init__(self, bus: CommandBus, directory: Any) -> None:
        self._bus = bus
        self._store = bus.store
        self._directory = directory

    async def facts(self, commune_id: str, proposed: AwardProposed, par_category: str) -> Facts:
        initiatives = []
        for initiative_id in proposed.basis.initiative_ids:
            content, campaign_id, ids = content_of((await self._store.load(commune_id, "initiative",
                                                                           initiative_id)).envelopes)
            if content is None or campaign_id is None:
                raise NotFound(f"Không tìm thấy sáng kiến {initiative_id}", f"no initiative {initiative_id}",
                               field="basis.initiative_ids", rule="known_initiative")
            year = campaign_year(payloads(await self._store.load(commune_id, "campaign", campaign_id)))
            evaluation = (await self._store.load(commune_id, "evaluation", initiative_id)).envelopes
            initiatives.append(initiative_fact(initiative_id, content, year or 0, ids, evaluation))
        rank, event_id = None, None
        par_year = proposed.basis.par_year or proposed.year
        if par_year is not None:
            par = await self._store.load(CITY, "par", f"{par_year}-{par_category}")
            rank, event_id = par_rank(par.envelopes, commune_id)
        return Facts(commune_id, tuple(initiatives), rank, par_category, event_id)

    async def assess(self, commune_id: str, proposed: AwardProposed, par_category: str) -> Eligibility:
        form = awards.form_of(proposed.form)
        return assess(form, proposed.recipient, proposed.basis, await self.facts(commune_id, proposed, par_category))

    async def commune_name(self, commune_id: str) -> str:
        return str(await self._directory.commune_name(commune_id))

    async def known(self, commune_id: str, proposed: AwardProposed, facts_authors: set[str]) -> bool:
        recipient = proposed.recipient
        if recipient.kind == "collective" and recipient.recipient_id == commune_id:
            return True
        if recipient.kind == "individual" and recipient.recipient_id in facts_authors:
            return True
        return bool(await self._directory.knows(commune_id, recipient.kind, recipient.recipient_id))

    async def propose(self, ctx: CommandContext, commune_id: str, proposed: AwardProposed, par_category: str,
                      request: Any) -> CommandResult:
        async def run(key: str | None) -> CommandResult:
            award = proposed.model_copy(update={"award_id": new_award_id(
                proposed.form, proposed.year, (key or proposed.award_id)[-36:])}) if key else proposed
            facts = await self.facts(commune_id, award, par_category)
            eligibility = assess(awards.form_of(award.form), award.recipient, award.basis, facts)
            authors = {a for f in facts.initiatives for a in f.author_ids}
            known = await self.known(commune_id, award, authors)
            now = ctx.clock.now()
            aggregate = award_aggregate(award.award_id)
            current = awards.fold(payloads(await self._store.load(commune_id, "award", aggregate)))
            awards.propose(current, award, eligibility, known, now, commune_id)  # refuse before claiming the basis
            for initiative_id in award.basis.initiative_ids:
                await self._claim_basis(ctx, commune_id, initiative_id, award, key)
            outcome = await self._bus.decide_and_append(
                ctx, commune_id=commune_id, aggregate_type="award", aggregate_id=aggregate, key=key, retries=5,
                decide=lambda h: awards.propose(awards.fold(payloads(h)), award, eligibility, known, now, commune_id))
            body = {**done(outcome), "eligibility": eligibility.explain()}
            return CommandResult(201, body, replayed=outcome.duplicate)

        return await self._bus.once(ctx, commune_id=commune_id, operation="propose_award", request=request, run=run)

    async def _claim_basis(self, ctx: CommandContext, commune_id: str, initiative_id: str, award: AwardProposed,
                           key: str | None) -> None:
        history = await self._store.load(commune_id, "basis", initiative_id)
        claims = [(e, e.envelope.payload) for e in history.events if isinstance(e.envelope.payload, BasisClaimed)]
        if claims:
            last, claim = claims[-1]
            holder_id = claim.award_id
            if holder_id != award.award_id:
                holder = awards.fold(payloads(await self._store.load(
                    commune_id, "award", award_aggregate(holder_id)))).get(holder_id)
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

        await self._bus.decide_and_append(ctx, commune_id=commune_id, aggregate_type="basis",
                                          aggregate_id=initiative_id, decide=decide,
                                          key=f"{key}b{initiative_id[:8]}" if key else None)

    async def _decide(self, ctx: CommandContext, commune_id: str, award_id: str, operation: str, request: Any,
                      decide: Any) -> CommandResult:
        return await self._bus.execute(
            ctx, operation=f"{operation}:{award_id}", request=request, commune_id=commune_id,
            aggregate_type="award", aggregate_id=award_aggregate(award_id), respond=done,
            decide=lambda h: decide(awards.fold(payloads(h))))

    async def level_of(self, commune_id: str, award_id: str) -> str:
        state = awards.fold(payloads(await self._store.load(commune_id, "award", award_aggregate(award_id))))
        if award_id not in state:
            raise NotFound(f"Không có đề nghị khen thưởng {award_id}", f"no award {award_id}", field="award_id")
        return FORMS[state[award_id].form].decided_by

    async def grant(self, ctx: CommandContext, commune_id: str, award_id: str, number: str, date: dt.date,
                    signer: str) -> CommandResult:
        return await self._decide(ctx, commune_id, award_id, "grant", {"n": number, "d": str(date), "s": signer},
                                  lambda state: awards.grant(state, award_id, number, date, signer))

    async def reject(self, ctx: CommandContext, commune_id: str, award_id: str, reason: str) -> CommandResult:
        return await self._decide(ctx, commune_id, award_id, "reject", {"reason": reason},
                                  lambda state: awards.reject(state, award_id, reason))

    async def revoke(self, ctx: CommandContext, commune_id: str, award_id: str, reason: str) -> CommandResult:
        return await self._decide(ctx, commune_id, award_id, "revoke", {"reason": reason},
                                  lambda state: awards.revoke(state, award_id, reason))

    async def record_par(self, ctx: CommandContext, ranking: ParRankingRecorded) -> CommandResult:
        """A new ranking of a year and category replaces the previous one (the last one counts)."""
        return await self._bus.execute(
            ctx, operation="par", request=ranking.model_dump(mode="json"), commune_id=CITY, aggregate_type="par",
            aggregate_id=ranking.aggregate_id(), status_code=201,
            respond=lambda o: {"event_id": o.events[-1].envelope.event_id, "stream_sequence": o.events[-1].stream_seq},
            decide=lambda h: [ranking])
