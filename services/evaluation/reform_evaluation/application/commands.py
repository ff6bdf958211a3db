"""Command handlers of the evaluation service: load what the rules need, decide, append.

The submission service's events (campaign, initiative) are read from the stream itself, not from
a projection, so a rule never acts on a stale copy (a withdrawal that is not projected yet).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

from reform_evaluation.domain import council as councils
from reform_evaluation.domain import evaluation as evaluations
from reform_evaluation.domain import slate as slates
from reform_evaluation.domain.commands import (
    ChangeMembers,
    ConstituteCouncil,
    DeclareConflict,
    Finalise,
    Nominate,
    OpenScoring,
    RecordScore,
    SetRubric,
    SignDecision,
    WithdrawNomination,
)
from reform_evaluation.domain.scoring import record_score, scoresheet_id
from reform_evaluation.domain.sources import CampaignView, Candidate, campaign_view, candidate_view
from reform_shared.commands import Command, CommandBus, CommandContext, Decide
from reform_shared.envelope import EventPayload
from reform_shared.errors import NotFound
from reform_shared.events import (
    CouncilConstituted,
    CouncilMembershipChanged,
    RecognitionDecisionSigned,
    ScoreRecorded,
)
from reform_shared.idempotency import CommandResult
from reform_shared.store import AppendOutcome

S = TypeVar("S")
P = ParamSpec("P")


def deciding(fold: Callable[[list[EventPayload]], S], rule: Callable[Concatenate[S, P], Sequence[EventPayload]],
             *args: P.args, **kwargs: P.kwargs) -> Decide:
    """A rule decided on the aggregate as its fold makes it from the history the bus loaded."""
    return lambda history: rule(fold(history.payloads), *args, **kwargs)


def request_of(command: Command, *path_fields: str) -> dict[str, Any]:
    """What a retry must repeat to be the same request: the command without the fields the operation's
    name carries already (the idempotency scope)."""
    return command.model_dump(mode="json", exclude=set(path_fields))


def done(outcome: AppendOutcome) -> dict[str, Any]:
    if not outcome.events:
        return {"changed": False}
    last = outcome.events[-1]
    return {"id": last.envelope.aggregate_id, "version": last.envelope.aggregate_version,
            "event_id": last.envelope.event_id, "event_type": last.envelope.event_type,
            "stream_sequence": last.stream_seq, "occurred_at": last.envelope.occurred_at.isoformat()}


class EvaluationCommands:
    def __init__(self, bus: CommandBus) -> None:
        self._bus = bus
        self._store = bus.store

    # -- what the rules read ----------------------------------------------------------------
    async def campaign(self, commune_id: str, campaign_id: str) -> CampaignView:
        view = campaign_view((await self._store.load(commune_id, "campaign", campaign_id)).payloads)
        if view is None:
            raise NotFound(f"Không tìm thấy đợt phát động {campaign_id}", f"no campaign {campaign_id}",
                           field="campaign_id")
        return view

    async def candidate(self, commune_id: str, initiative_id: str) -> Candidate:
        view = candidate_view((await self._store.load(commune_id, "initiative", initiative_id)).envelopes)
        if view is None:
            raise NotFound(f"Không tìm thấy sáng kiến {initiative_id}", f"no initiative {initiative_id}",
                           field="initiative_id")
        return view

    async def council(self, commune_id: str, campaign_id: str) -> councils.Council | None:
        return councils.fold((await self._store.load(commune_id, "council", campaign_id)).payloads)

    async def evaluation(self, commune_id: str, initiative_id: str) -> evaluations.EvaluationState:
        return evaluations.fold((await self._store.load(commune_id, "evaluation", initiative_id)).payloads)

    async def scores(self, commune_id: str, council: councils.Council, initiative_id: str) -> list[ScoreRecorded]:
        histories = await asyncio.gather(*[
            self._store.load(commune_id, "scoresheet", scoresheet_id(initiative_id, m.user_id))
            for m in council.members
        ])
        return [p for h in histories for p in h.payloads if isinstance(p, ScoreRecorded)]

    async def last_score(self, commune_id: str, initiative_id: str, member_id: str
                         ) -> tuple[ScoreRecorded | None, dt.datetime | None]:
        """A member's latest sheet on an initiative, and when it was recorded."""
        history = await self._store.load(commune_id, "scoresheet", scoresheet_id(initiative_id, member_id))
        for event in reversed(history.events):
            if isinstance(event.envelope.payload, ScoreRecorded):
                return event.envelope.payload, event.envelope.occurred_at
        return None, None

    # -- council ----------------------------------------------------------------------------
    async def constitute(self, ctx: CommandContext, commune_id: str, command: ConstituteCouncil) -> CommandResult:
        await self.campaign(commune_id, command.campaign_id)
        constituted = CouncilConstituted(**dict(command))
        return await self._bus.execute(
            ctx, operation="constitute_council", request=constituted.model_dump(mode="json"), commune_id=commune_id,
            aggregate_type="council", aggregate_id=command.campaign_id, respond=done, status_code=201,
            decide=deciding(councils.fold, councils.constitute, constituted),
        )

    async def change_members(self, ctx: CommandContext, commune_id: str, command: ChangeMembers) -> CommandResult:
        changed = CouncilMembershipChanged(**dict(command))
        return await self._bus.execute(
            ctx, operation="change_members", request=changed.model_dump(mode="json"), commune_id=commune_id,
            aggregate_type="council", aggregate_id=command.campaign_id, respond=done,
            decide=deciding(councils.fold, councils.change_members, changed),
        )

    async def set_rubric(self, ctx: CommandContext, commune_id: str, command: SetRubric) -> CommandResult:
        return await self._bus.execute(
            ctx, operation="set_rubric", request=command.rubric.model_dump(mode="json"), commune_id=commune_id,
            aggregate_type="council", aggregate_id=command.campaign_id, respond=done,
            decide=deciding(councils.fold, councils.set_rubric, command.campaign_id, command.rubric),
        )

    async def open_scoring(self, ctx: CommandContext, commune_id: str, command: OpenScoring) -> CommandResult:
        campaign = await self.campaign(commune_id, command.campaign_id)
        return await self._bus.execute(
            ctx, operation="open_scoring", request=request_of(command), commune_id=commune_id,
            aggregate_type="council", aggregate_id=command.campaign_id, respond=done, allow_no_change=True,
            decide=deciding(councils.fold, councils.open_scoring, command.campaign_id, ctx.clock.now(),
                            campaign.closes_at),
        )

    # -- scoring ----------------------------------------------------------------------------
    async def declare_conflict(self, ctx: CommandContext, commune_id: str, command: DeclareConflict
                               ) -> CommandResult:
        candidate = await self.candidate(commune_id, command.initiative_id)
        council = councils.council_exists(await self.council(commune_id, candidate.campaign_id),
                                          candidate.campaign_id)
        return await self._bus.execute(
            ctx, operation=f"conflict:{command.initiative_id}", request=request_of(command, "initiative_id"),
            commune_id=commune_id, aggregate_type="evaluation", aggregate_id=command.initiative_id, respond=done,
            allow_no_change=True, decide=deciding(evaluations.fold, evaluations.declare_conflict, council, candidate,
                                                  ctx.actor.user_id, command.reason),
        )

    async def record_score(self, ctx: CommandContext, commune_id: str, command: RecordScore) -> CommandResult:
        candidate = await self.candidate(commune_id, command.initiative_id)
        campaign = await self.campaign(commune_id, candidate.campaign_id)
        council = await self.council(commune_id, candidate.campaign_id)
        evaluation = await self.evaluation(commune_id, command.initiative_id)
        member_id = ctx.actor.user_id
        return await self._bus.execute(
            ctx, operation=f"score:{command.initiative_id}", request=request_of(command, "initiative_id"),
            commune_id=commune_id, aggregate_type="scoresheet",
            aggregate_id=scoresheet_id(command.initiative_id, member_id), respond=done,
            decide=deciding(list, record_score, council, campaign, candidate, evaluation, member_id, command.points,
                            command.comment, ctx.clock.now()),
        )

    async def finalise(self, ctx: CommandContext, commune_id: str, command: Finalise) -> CommandResult:
        candidate = await self.candidate(commune_id, command.initiative_id)
        council = councils.council_exists(await self.council(commune_id, candidate.campaign_id),
                                          candidate.campaign_id)
        scores = await self.scores(commune_id, council, command.initiative_id)
        return await self._bus.execute(
            ctx, operation=f"finalise:{command.initiative_id}", request=request_of(command, "initiative_id"),
            commune_id=commune_id, aggregate_type="evaluation", aggregate_id=command.initiative_id, respond=done,
            decide=deciding(evaluations.fold, evaluations.finalise, council, candidate, scores),
        )

    # -- recognition decision and nomination ------------------------------------------------
    async def sign_decision(self, ctx: CommandContext, commune_id: str, command: SignDecision) -> CommandResult:
        signed = RecognitionDecisionSigned(**dict(command))
        outcomes = await asyncio.gather(*[self.evaluation(commune_id, i) for i in signed.initiative_ids])
        recognised = {i for i, state in zip(signed.initiative_ids, outcomes, strict=True)
                      if state.outcome is not None and state.outcome.event_type == "InitiativeRecognized"}
        return await self._bus.execute(
            ctx, operation="sign_decision", request=signed.model_dump(mode="json"), commune_id=commune_id,
            aggregate_type="council", aggregate_id=signed.campaign_id, respond=done, status_code=201,
            decide=deciding(councils.fold, councils.sign_decision, signed, recognised),
        )

    async def nominate(self, ctx: CommandContext, commune_id: str, command: Nominate) -> CommandResult:
        candidate = await self.candidate(commune_id, command.initiative_id)
        campaign = await self.campaign(commune_id, candidate.campaign_id)
        outcome = (await self.evaluation(commune_id, command.initiative_id)).outcome
        council = await self.council(commune_id, candidate.campaign_id)
        decision = council.decision if council else None
        return await self._bus.execute(
            ctx, operation=f"nominate:{command.initiative_id}", request=request_of(command, "initiative_id"),
            commune_id=commune_id, aggregate_type="slate", aggregate_id=str(campaign.year), respond=done,
            status_code=201, retries=5,
            decide=deciding(list, slates.nominate, campaign, candidate, outcome, decision, ctx.clock.now()),
        )

    async def withdraw_nomination(self, ctx: CommandContext, commune_id: str, command: WithdrawNomination
                                  ) -> CommandResult:
        candidate = await self.candidate(commune_id, command.initiative_id)
        campaign = await self.campaign(commune_id, candidate.campaign_id)
        return await self._bus.execute(
            ctx, operation=f"withdraw_nomination:{command.initiative_id}",
            request=request_of(command, "initiative_id"), commune_id=commune_id, aggregate_type="slate",
            aggregate_id=str(campaign.year), respond=done,
            decide=deciding(list, slates.withdraw_nomination, campaign, command.initiative_id, ctx.clock.now(),
                            command.reason),
        )
