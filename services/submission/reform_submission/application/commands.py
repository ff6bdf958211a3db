"""Command handlers of the submission service: load, decide (domain), append."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from reform_shared.commands import CommandBus, CommandContext, Recovery
from reform_shared.envelope import EventPayload
from reform_shared.errors import ConcurrencyConflict, RuleViolation
from reform_shared.events import (
    CampaignAmended,
    CampaignLaunched,
    InitiativeContent,
    InitiativeSubmitted,
)
from reform_shared.idempotency import CommandResult
from reform_shared.ids import new_id
from reform_shared.store import AggregateHistory, AppendOutcome
from reform_submission.domain import campaign as campaigns
from reform_submission.domain import initiative as initiatives
from reform_submission.domain import title as titles

PENDING_CLAIM = dt.timedelta(minutes=5)
"""A claim whose initiative is not stored yet is held this long (the submission may be in flight)."""


def created(outcome: AppendOutcome) -> dict[str, Any]:
    last = outcome.events[-1]
    return {
        "id": last.envelope.aggregate_id,
        "version": last.envelope.aggregate_version,
        "event_id": last.envelope.event_id,
        "stream_sequence": last.stream_seq,
        "occurred_at": last.envelope.occurred_at.isoformat(),
    }


def answered(status_code: int) -> Callable[[AppendOutcome], Awaitable[CommandResult]]:
    """The answer of a command whose events are `outcome` (its first answer, rebuilt for a retry)."""

    async def respond(outcome: AppendOutcome) -> CommandResult:
        return CommandResult(status_code, created(outcome), replayed=outcome.duplicate)

    return respond


def initiative_id_of(key: str) -> str:
    """The id a keyed submission gives its initiative: the same for every retry of the command."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"reform:{key}"))


def payloads(history: AggregateHistory) -> list[EventPayload]:
    return [event.envelope.payload for event in history.events]


class SubmissionCommands:
    def __init__(self, bus: CommandBus) -> None:
        self._bus = bus
        self._store = bus.store

    # -- reads of aggregates ----------------------------------------------------------------
    async def load_campaign(self, commune_id: str, campaign_id: str) -> campaigns.Campaign | None:
        return campaigns.fold(payloads(await self._store.load(commune_id, "campaign", campaign_id)))

    async def load_initiative(self, commune_id: str, initiative_id: str) -> initiatives.Initiative | None:
        return initiatives.fold((await self._store.load(commune_id, "initiative", initiative_id)).envelopes)

    async def initiative_history(self, commune_id: str, initiative_id: str) -> AggregateHistory:
        return await self._store.load(commune_id, "initiative", initiative_id)

    # -- campaigns --------------------------------------------------------------------------
    async def launch_campaign(self, ctx: CommandContext, commune_id: str, launched: CampaignLaunched) -> CommandResult:
        return await self._bus.execute(
            ctx, operation="launch_campaign", request=launched.model_dump(mode="json"), commune_id=commune_id,
            aggregate_type="campaign", aggregate_id=launched.campaign_id,
            decide=lambda h: campaigns.launch(campaigns.fold(payloads(h)), launched),
            respond=created, status_code=201,
        )

    async def amend_campaign(self, ctx: CommandContext, commune_id: str, amended: CampaignAmended) -> CommandResult:
        now = ctx.clock.now()
        return await self._bus.execute(
            ctx, operation="amend_campaign", request=amended.model_dump(mode="json"), commune_id=commune_id,
            aggregate_type="campaign", aggregate_id=amended.campaign_id,
            decide=lambda h: campaigns.amend(campaigns.fold(payloads(h)), amended, now),
            respond=created,
        )

    async def close_submissions(
        self, ctx: CommandContext, commune_id: str, campaign_id: str, reason: str
    ) -> CommandResult:
        now = ctx.clock.now()
        return await self._bus.execute(
            ctx, operation="close_submissions", request={"campaign_id": campaign_id, "reason": reason},
            commune_id=commune_id, aggregate_type="campaign", aggregate_id=campaign_id,
            decide=lambda h: campaigns.close_early(campaigns.fold(payloads(h)), campaign_id, now, reason),
            respond=created,
        )

    # -- initiatives ------------------------------------------------------------------------
    async def submit_initiative(
        self, ctx: CommandContext, commune_id: str, campaign_id: str, content: InitiativeContent, request: Any
    ) -> CommandResult:
        async def run(key: str | None) -> CommandResult:
            # A retried command keeps its initiative id, so its title claim is recognised as its own.
            initiative_id = initiative_id_of(key) if key else new_id()
            submitted = InitiativeSubmitted(initiative_id=initiative_id, campaign_id=campaign_id, content=content)
            campaign = await self.load_campaign(commune_id, campaign_id)
            now = ctx.clock.now()
            initiatives.submit(None, campaign, submitted, now, ctx.actor)  # refuse before claiming the title
            await self._claim_title(ctx, commune_id, campaign_id, content, initiative_id, key)
            outcome = await self._bus.decide_and_append(
                ctx, commune_id=commune_id, aggregate_type="initiative", aggregate_id=initiative_id, key=key,
                decide=lambda h: initiatives.submit(initiatives.fold(h.envelopes), campaign, submitted, now, ctx.actor),
            )
            return CommandResult(201, created(outcome), replayed=outcome.duplicate)

        key = self._bus.key_of(ctx, commune_id, "submit_initiative")
        recover = Recovery("initiative", initiative_id_of(key), answered(201)) if key else None
        return await self._bus.once(ctx, commune_id=commune_id, operation="submit_initiative", request=request,
                                    run=run, recover=recover)

    async def revise_initiative(
        self, ctx: CommandContext, commune_id: str, initiative_id: str, content: InitiativeContent, note: str,
        request: Any,
    ) -> CommandResult:
        async def run(key: str | None) -> CommandResult:
            current = await self.load_initiative(commune_id, initiative_id)
            campaign = await self.load_campaign(commune_id, current.campaign_id) if current else None
            now = ctx.clock.now()
            initiatives.revise(current, initiative_id, campaign, content, now, ctx.actor, note)  # refuse early
            assert current is not None
            await self._claim_title(ctx, commune_id, current.campaign_id, content, initiative_id, key)
            outcome = await self._bus.decide_and_append(
                ctx, commune_id=commune_id, aggregate_type="initiative", aggregate_id=initiative_id, key=key,
                decide=lambda h: initiatives.revise(initiatives.fold(h.envelopes), initiative_id, campaign, content,
                                                    now, ctx.actor, note),
            )
            return CommandResult(200, created(outcome), replayed=outcome.duplicate)

        return await self._bus.once(ctx, commune_id=commune_id, operation=f"revise:{initiative_id}", request=request,
                                    run=run, recover=Recovery("initiative", initiative_id, answered(200)))

    async def return_initiative(
        self, ctx: CommandContext, commune_id: str, initiative_id: str, reason: str
    ) -> CommandResult:
        return await self._bus.execute(
            ctx, operation=f"return:{initiative_id}", request={"reason": reason}, commune_id=commune_id,
            aggregate_type="initiative", aggregate_id=initiative_id,
            decide=lambda h: initiatives.return_to_author(initiatives.fold(h.envelopes), initiative_id, reason),
            respond=created,
        )

    async def withdraw_initiative(
        self, ctx: CommandContext, commune_id: str, initiative_id: str, reason: str
    ) -> CommandResult:
        return await self._bus.execute(
            ctx, operation=f"withdraw:{initiative_id}", request={"reason": reason}, commune_id=commune_id,
            aggregate_type="initiative", aggregate_id=initiative_id,
            decide=lambda h: initiatives.withdraw(initiatives.fold(h.envelopes), initiative_id, ctx.actor, reason),
            respond=created,
        )

    # -- the title rule ---------------------------------------------------------------------
    async def _claim_title(
        self, ctx: CommandContext, commune_id: str, campaign_id: str, content: InitiativeContent,
        claimant_id: str, key: str | None,
    ) -> None:
        claim_id = titles.claim_id(campaign_id, content.unit.unit_id, content.title)
        history = await self._store.load(commune_id, "title", claim_id)
        current = titles.holder_of(payloads(history))
        holder = None
        if current is not None and current != claimant_id:
            holder = await self.load_initiative(commune_id, current)
            if holder is None and ctx.clock.now() - history.events[-1].envelope.occurred_at < PENDING_CLAIM:
                raise RuleViolation(
                    "Một sáng kiến cùng tên của đơn vị đang được nộp; vui lòng thử lại sau ít phút",
                    "an initiative with this title from this unit is being submitted right now; retry shortly",
                    field="title", rule="unique_title_per_unit",
                )

        def decide(latest: AggregateHistory) -> list[EventPayload]:
            if titles.holder_of(payloads(latest)) != current:
                raise ConcurrencyConflict("Tên sáng kiến vừa được đơn vị khác đăng ký", "the title was just claimed",
                                          field="title", rule="unique_title_per_unit")
            return titles.claim(payloads(latest), holder, campaign_id=campaign_id, unit_id=content.unit.unit_id,
                                title=content.title, claimant_id=claimant_id)

        try:
            await self._bus.decide_and_append(
                ctx, commune_id=commune_id, aggregate_type="title", aggregate_id=claim_id, decide=decide,
                key=f"{key}t" if key else None, allow_no_change=True,
            )
        except ConcurrencyConflict as exc:
            raise RuleViolation(
                "Một sáng kiến cùng tên của đơn vị vừa được nộp trước",
                "an initiative with this title from this unit was submitted first",
                field="title", rule="unique_title_per_unit",
            ) from exc

