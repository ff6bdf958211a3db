"""Command handlers of the council's deliberation: notes, the chair's mark, questions to the author and their
answers, the pre-check's decisions, reopening scoring. Each appends to the initiative's evaluation record."""

from __future__ import annotations

from reform_evaluation.application.deciding import deciding, done, request_of
from reform_evaluation.application.record import EvaluationRecord
from reform_evaluation.domain import deliberation as rules
from reform_evaluation.domain import evaluation as evaluations
from reform_evaluation.domain.commands import (
    AddNote,
    AnswerQuestion,
    AskAuthor,
    DecidePrecheck,
    KeepNoteFromMinutes,
    ReopenScoring,
)
from reform_evaluation.domain.council import Council, council_exists
from reform_shared.commands import CommandBus, CommandContext, Operation, Options, Target
from reform_shared.idempotency import CommandResult
from reform_shared.ids import new_id

SECRETARIAT = ("secretary",)
"""The commune's secretariat (VH-XH): sees every note, asks the author, decides the pre-check."""


def _target(commune_id: str, initiative_id: str) -> Target:
    return Target(commune_id, "evaluation", initiative_id)


class DeliberationCommands:
    def __init__(self, bus: CommandBus, record: EvaluationRecord) -> None:
        self._bus = bus
        self._record = record

    async def _council(self, commune_id: str, campaign_id: str) -> Council:
        return council_exists(await self._record.council(commune_id, campaign_id), campaign_id)

    async def add_note(self, ctx: CommandContext, commune_id: str, command: AddNote) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        council = await self._council(commune_id, candidate.campaign_id)
        member_id = ctx.actor.user_id
        scored, _ = await self._record.last_score(commune_id, command.initiative_id, member_id)
        return await self._bus.execute(
            ctx, _target(commune_id, command.initiative_id),
            Operation(f"note:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(evaluations.fold, rules.add_note, council, candidate, member_id,
                            ctx.actor.has_any(*SECRETARIAT), scored is not None, new_id(), command.text,
                            command.reply_to, command.mentions),
            respond=done,
        )

    async def keep_from_minutes(self, ctx: CommandContext, commune_id: str, command: KeepNoteFromMinutes
                                ) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        council = await self._council(commune_id, candidate.campaign_id)
        return await self._bus.execute(
            ctx, _target(commune_id, command.initiative_id),
            Operation(f"note_private:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(evaluations.fold, rules.keep_from_minutes, council, ctx.actor.user_id, command.note_id,
                            command.reason),
            respond=done, options=Options(allow_no_change=True),
        )

    async def ask(self, ctx: CommandContext, commune_id: str, command: AskAuthor) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        await self._council(commune_id, candidate.campaign_id)
        return await self._bus.execute(
            ctx, _target(commune_id, command.initiative_id),
            Operation(f"ask:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(evaluations.fold, rules.ask_question, candidate, new_id(), command.text,
                            ctx.actor.user_id, ctx.clock.now()),
            respond=done,
        )

    async def answer(self, ctx: CommandContext, commune_id: str, command: AnswerQuestion) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        return await self._bus.execute(
            ctx, _target(commune_id, command.initiative_id),
            Operation(f"answer:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(evaluations.fold, rules.answer_question, candidate, command.question_id, command.text,
                            ctx.actor.user_id, ctx.clock.now()),
            respond=done,
        )

    async def decide_precheck(self, ctx: CommandContext, commune_id: str, command: DecidePrecheck) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        return await self._bus.execute(
            ctx, _target(commune_id, command.initiative_id),
            Operation(f"precheck:{command.initiative_id}:{command.member_id}",
                      request_of(command, "initiative_id", "member_id")),
            decide=deciding(evaluations.fold, rules.decide_precheck, candidate, command.member_id,
                            command.member_name, command.kinds, command.decision, command.reason),
            respond=done, options=Options(allow_no_change=True),
        )

    async def reopen(self, ctx: CommandContext, commune_id: str, command: ReopenScoring) -> CommandResult:
        candidate = await self._record.candidate(commune_id, command.initiative_id)
        council = await self._council(commune_id, candidate.campaign_id)
        scores = await self._record.scores(commune_id, council, command.initiative_id)
        return await self._bus.execute(
            ctx, _target(commune_id, command.initiative_id),
            Operation(f"reopen:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(evaluations.fold, rules.reopen_scoring, council, candidate, scores, command.reason),
            respond=done,
        )
