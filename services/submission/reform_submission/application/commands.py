"""Command handlers of the submission service: thin glue between HTTP and the domain."""

from __future__ import annotations

from typing import Any

from reform_shared.commands import CommandBus, CommandContext
from reform_shared.events import CampaignLaunched, InitiativeSubmitted
from reform_shared.idempotency import CommandResult
from reform_shared.store import AppendOutcome, JetStreamEventStore
from reform_submission.domain import campaign as campaigns
from reform_submission.domain import initiative as initiatives


def _created(outcome: AppendOutcome) -> dict[str, Any]:
    first = outcome.events[0]
    return {
        "id": first.envelope.aggregate_id,
        "version": first.envelope.aggregate_version,
        "event_id": first.envelope.event_id,
        "stream_sequence": first.stream_seq,
        "occurred_at": first.envelope.occurred_at.isoformat(),
    }


class SubmissionCommands:
    def __init__(self, store: JetStreamEventStore, bus: CommandBus) -> None:
        self._store = store
        self._bus = bus

    async def launch_campaign(self, ctx: CommandContext, commune_id: str, launched: CampaignLaunched) -> CommandResult:
        return await self._bus.execute(
            ctx,
            operation="launch_campaign",
            request=launched.model_dump(mode="json"),
            commune_id=commune_id,
            aggregate_type="campaign",
            aggregate_id=launched.campaign_id,
            decide=lambda history: campaigns.launch(campaigns.fold([e.payload for e in history.envelopes]), launched),
            respond=_created,
            status_code=201,
        )

    async def load_campaign(self, commune_id: str, campaign_id: str) -> campaigns.Campaign | None:
        history = await self._store.load(commune_id, "campaign", campaign_id)
        return campaigns.fold([e.payload for e in history.envelopes])

    async def submit_initiative(
        self, ctx: CommandContext, commune_id: str, submitted: InitiativeSubmitted, request: dict[str, Any]
    ) -> CommandResult:
        campaign = await self.load_campaign(commune_id, submitted.campaign_id)
        now = ctx.clock.now()
        return await self._bus.execute(
            ctx,
            operation="submit_initiative",
            request=request,
            commune_id=commune_id,
            aggregate_type="initiative",
            aggregate_id=submitted.initiative_id,
            decide=lambda history: initiatives.submit(
                [e.payload for e in history.envelopes], campaign, submitted, now
            ),
            respond=_created,
            status_code=201,
        )
