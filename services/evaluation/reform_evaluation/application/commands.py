"""Command handlers of the evaluation service: load what the rules need, decide, append."""

from __future__ import annotations

import asyncio

from reform_evaluation.application.deciding import deciding, done, request_of
from reform_evaluation.application.record import EvaluationRecord
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
from reform_shared.commands import CommandBus, CommandContext, Operation, Options, Target
from reform_shared.commune_profile import require_signer
from reform_shared.events import CouncilConstituted, CouncilMembershipChanged, RecognitionDecisionSigned
from reform_shared.idempotency import CommandResult


class EvaluationCommands:
    """One method per command: what the rules need is read from the record, the bus decides once per key."""

    def __init__(self, bus: CommandBus, record: EvaluationRecord) -> None:
        self._bus = bus
        self._record = record

    # -- council ----------------------------------------------------------------------------
    async def constitute(self, ctx: CommandContext, commune_id: str, command: ConstituteCouncil) -> CommandResult:
        await self._record.campaign(commune_id, command.campaign_id)
        constituted = CouncilConstituted(**dict(command))
        return await self._bus.execute(
            ctx,
            Target(commune_id, "council", command.campaign_id),
            Operation("constitute_council", constituted.model_dump(mode="json")),
            decide=deciding(councils.fold, councils.constitute, constituted),
            respond=done,
        )

    async def change_members(self, ctx: CommandContext, commune_id: str, command: ChangeMembers) -> CommandResult:
        changed = CouncilMembershipChanged(**dict(command))
        return await self._bus.execute(
            ctx,
            Target(commune_id, "council", command.campaign_id),
            Operation("change_members", changed.model_dump(mode="json")),
            decide=deciding(councils.fold, councils.change_members, changed),
            respond=done,
        )

    async def set_rubric(self, ctx: CommandContext, commune_id: str, command: SetRubric) -> CommandResult:
        return await self._bus.execute(
            ctx,
            Target(commune_id, "council", command.campaign_id),
            Operation("set_rubric", command.rubric.model_dump(mode="json")),
            decide=deciding(councils.fold, councils.set_rubric, command.campaign_id, command.rubric),
            respond=done,
        )

    async def open_scoring(self, ctx: CommandContext, commune_id: str, command: OpenScoring) -> CommandResult:
        campaign = await self._record.campaign(commune_id, command.campaign_id)
        return await self._bus.execute(
            ctx,
            Target(commune_id, "council", command.campaign_id),
            Operation("open_scoring", request_of(command)),
            decide=deciding(
                councils.fold, councils.open_scoring, command.campaign_id, ctx.clock.now(), campaign.closes_at
            ),
            respond=done,
            options=Options(allow_no_change=True),
        )

    # -- scoring ----------------------------------------------------------------------------
    async def declare_conflict(self, ctx: CommandContext, commune_id: str, command: DeclareConflict) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        council = councils.council_exists(
            await self._record.council(commune_id, candidate.campaign_id), candidate.campaign_id
        )
        return await self._bus.execute(
            ctx,
            Target(commune_id, "evaluation", command.initiative_id),
            Operation(f"conflict:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(
                evaluations.fold, evaluations.declare_conflict, council, candidate, ctx.actor.user_id, command.reason
            ),
            respond=done,
            options=Options(allow_no_change=True),
        )

    async def record_score(self, ctx: CommandContext, commune_id: str, command: RecordScore) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        campaign = await self._record.campaign(commune_id, candidate.campaign_id)
        council = await self._record.council(commune_id, candidate.campaign_id)
        evaluation = await self._record.evaluation(commune_id, command.initiative_id)
        now = ctx.clock.now()
        heads = await self._record.heads(commune_id, now)
        member_id = ctx.actor.user_id
        return await self._bus.execute(
            ctx,
            Target(commune_id, "scoresheet", scoresheet_id(command.initiative_id, member_id)),
            Operation(f"score:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(
                list,
                record_score,
                council,
                campaign,
                candidate,
                evaluation,
                member_id,
                command.points,
                command.comment,
                now,
                heads,
            ),
            respond=done,
        )

    async def finalise(self, ctx: CommandContext, commune_id: str, command: Finalise) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        council = councils.council_exists(
            await self._record.council(commune_id, candidate.campaign_id), candidate.campaign_id
        )
        scores, last_sheet = await self._record.scores_and_last(commune_id, council, command.initiative_id)
        heads = await self._record.heads(commune_id, ctx.clock.now())
        return await self._bus.execute(
            ctx.caused_by(last_sheet),
            Target(commune_id, "evaluation", command.initiative_id),
            Operation(f"finalise:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(evaluations.fold, evaluations.finalise, council, candidate, scores, heads),
            respond=done,
        )

    # -- recognition decision and nomination ------------------------------------------------
    async def sign_decision(self, ctx: CommandContext, commune_id: str, command: SignDecision) -> CommandResult:
        term = require_signer(await self._record.profile(commune_id), command.signer, command.decision_date)
        signed = RecognitionDecisionSigned(**{**dict(command), "signer": term.signer.full_name if term else
                                              command.signer})  # the name as the commune's profile writes it
        outcomes = await asyncio.gather(*[self._record.evaluation_and_outcome(commune_id, i)
                                          for i in signed.initiative_ids])
        recognised = {
            i
            for i, (state, _) in zip(signed.initiative_ids, outcomes, strict=True)
            if state.outcome is not None and state.outcome.event_type == "InitiativeRecognized"
        }
        # The decision follows from the last recognition it lists.
        last = max((event for _, event in outcomes if event is not None), key=lambda e: e.stream_seq, default=None)
        return await self._bus.execute(
            ctx.caused_by(last.envelope.event_id if last else None),
            Target(commune_id, "council", signed.campaign_id),
            Operation("sign_decision", signed.model_dump(mode="json")),
            decide=deciding(councils.fold, councils.sign_decision, signed, recognised),
            respond=done,
        )

    async def nominate(self, ctx: CommandContext, commune_id: str, command: Nominate) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        campaign = await self._record.campaign(commune_id, candidate.campaign_id)
        evaluation, outcome_event = await self._record.evaluation_and_outcome(commune_id, command.initiative_id)
        outcome = evaluation.outcome
        council = await self._record.council(commune_id, candidate.campaign_id)
        decision = council.decision if council else None
        return await self._bus.execute(
            ctx.caused_by(outcome_event.envelope.event_id if outcome_event else None),  # follows the recognition
            Target(commune_id, "slate", str(campaign.year)),
            Operation(f"nominate:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(list, slates.nominate, campaign, candidate, outcome, decision, ctx.clock.now(),
                            command.reason),
            respond=done,
            options=Options(retries=5),
        )

    async def withdraw_nomination(
        self, ctx: CommandContext, commune_id: str, command: WithdrawNomination
    ) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        campaign = await self._record.campaign(commune_id, candidate.campaign_id)
        return await self._bus.execute(
            ctx,
            Target(commune_id, "slate", str(campaign.year)),
            Operation(f"withdraw_nomination:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(
                list, slates.withdraw_nomination, campaign, command.initiative_id, ctx.clock.now(), command.reason
            ),
            respond=done,
        )
