"""HTTP routes of the council's deliberation on one initiative: private notes and the chair's mark, questions
to the author (asked by the secretary, answered by the author), the conflict pre-check of the council set-up,
and reopening scoring before finalising."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import Field, StringConstraints

from reform_evaluation.application.deliberation import DeliberationCommands
from reform_evaluation.application.deliberation_views import DeliberationViews
from reform_evaluation.domain.commands import (
    AddNote,
    AnswerQuestion,
    AskAuthor,
    DecidePrecheck,
    KeepNoteFromMinutes,
    ReopenScoring,
)
from reform_evaluation.domain.scoring import local_date
from reform_evaluation.entrypoints.schemas import MemberIn
from reform_evaluation.wiring import EvaluationWiring
from reform_shared.envelope import Actor
from reform_shared.events import CouncilMember
from reform_shared.events.deliberation import ConflictKind
from reform_shared.http.deps import (
    ActorDep,
    ClockDep,
    CommandContextDep,
    CommuneId,
    PathId,
    answer,
    part_of,
    require_commune,
    require_role,
)
from reform_shared.http.schemas import Reason, Strict, Text, Token
from reform_shared.text import Printable

CommandsDep = Annotated[DeliberationCommands, Depends(part_of(EvaluationWiring, lambda w: w.deliberation))]
ViewsDep = Annotated[DeliberationViews, Depends(part_of(EvaluationWiring, lambda w: w.deliberation_views))]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), Printable]
COUNCIL = ("council_member", "council_chair")


class NoteIn(Strict):
    text: Body
    reply_to: Token | None = None
    mentions: list[Token] = Field(default_factory=list, max_length=20)


class QuestionIn(Strict):
    text: Body


class PrivateIn(Strict):
    reason: Reason = ""


class ReasonRequiredIn(Strict):
    reason: Annotated[Reason, Field(min_length=3)]


class PrecheckIn(Strict):
    members: list[MemberIn] = Field(min_length=1, max_length=50)


class PrecheckDecisionIn(Strict):
    member_id: Token
    member_name: Text | None = None
    kinds: list[ConflictKind] = Field(default_factory=list, max_length=5)
    decision: Literal["keep", "exclude"]
    reason: Annotated[Reason, Field(min_length=3)]


def allowed(actor: Actor, commune_id: str, *roles: str) -> None:
    require_commune(actor, commune_id)
    require_role(actor, *roles)


router = APIRouter(prefix="/api/v1/communes/{commune_id}", tags=["deliberation"])


@router.get("/initiatives/{initiative_id}/deliberation")
async def thread(commune_id: CommuneId, initiative_id: PathId, actor: ActorDep, views: ViewsDep) -> dict[str, Any]:
    """The private notes (blind for a member until he or she has scored), questions and reopenings."""
    allowed(actor, commune_id, *COUNCIL, "secretary")
    return await views.thread(commune_id, initiative_id, actor)


@router.post("/initiatives/{initiative_id}/notes", status_code=201)
async def add_note(commune_id: CommuneId, initiative_id: PathId, body: NoteIn, commands: CommandsDep,
                   ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    allowed(ctx.actor, commune_id, *COUNCIL, "secretary")
    command = AddNote(initiative_id=initiative_id, text=body.text, reply_to=body.reply_to,
                      mentions=tuple(body.mentions))
    return answer(await commands.add_note(ctx, commune_id, command), response)


@router.post("/initiatives/{initiative_id}/notes/{note_id}/not-for-minutes")
async def keep_from_minutes(commune_id: CommuneId, initiative_id: PathId, note_id: PathId, body: PrivateIn,
                            commands: CommandsDep, ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """The chair marks a note as a personal remark, left out of the minutes."""
    allowed(ctx.actor, commune_id, "council_chair")
    command = KeepNoteFromMinutes(initiative_id=initiative_id, note_id=note_id, reason=body.reason)
    return answer(await commands.keep_from_minutes(ctx, commune_id, command), response)


@router.get("/initiatives/{initiative_id}/questions")
async def questions(commune_id: CommuneId, initiative_id: PathId, actor: ActorDep, views: ViewsDep
                    ) -> dict[str, Any]:
    require_commune(actor, commune_id)
    return await views.questions(commune_id, initiative_id, actor)


@router.post("/initiatives/{initiative_id}/questions", status_code=201)
async def ask(commune_id: CommuneId, initiative_id: PathId, body: QuestionIn, commands: CommandsDep,
              ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """The secretary asks the author, for the council, a clarification or a missing piece of evidence."""
    allowed(ctx.actor, commune_id, "secretary")
    return answer(await commands.ask(ctx, commune_id, AskAuthor(initiative_id=initiative_id, text=body.text)),
                  response)


@router.post("/initiatives/{initiative_id}/questions/{question_id}/answer", status_code=201)
async def answer_question(commune_id: CommuneId, initiative_id: PathId, question_id: PathId, body: QuestionIn,
                          commands: CommandsDep, ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """The author answers in the dossier."""
    require_commune(ctx.actor, commune_id)
    command = AnswerQuestion(initiative_id=initiative_id, question_id=question_id, text=body.text)
    return answer(await commands.answer(ctx, commune_id, command), response)


@router.post("/campaigns/{campaign_id}/council/precheck")
async def precheck(commune_id: CommuneId, campaign_id: PathId, body: PrecheckIn, actor: ActorDep, views: ViewsDep,
                   clock: ClockDep) -> dict[str, Any]:
    """Which proposed member is an author, a co-author, heads (or headed) an author's unit, or shares it."""
    allowed(actor, commune_id, "secretary")
    proposed = tuple(CouncilMember(**m.model_dump()) for m in body.members)
    return await views.precheck(commune_id, campaign_id, proposed, local_date(clock.now()))


@router.post("/initiatives/{initiative_id}/precheck-decisions")
async def decide_precheck(commune_id: CommuneId, initiative_id: PathId, body: PrecheckDecisionIn,
                          commands: CommandsDep, ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """The secretary keeps or excludes a proposed member on this initiative, with the reason recorded."""
    allowed(ctx.actor, commune_id, "secretary")
    command = DecidePrecheck(initiative_id=initiative_id, member_id=body.member_id,
                             member_name=body.member_name or "", kinds=tuple(body.kinds), decision=body.decision,
                             reason=body.reason)
    return answer(await commands.decide_precheck(ctx, commune_id, command), response)


@router.post("/initiatives/{initiative_id}/reopen-scoring")
async def reopen(commune_id: CommuneId, initiative_id: PathId, body: ReasonRequiredIn, commands: CommandsDep,
                 ctx: CommandContextDep, response: Response) -> dict[str, Any]:
    """Before finalising, the chair sets the sheets aside with a reason: the members score it again."""
    allowed(ctx.actor, commune_id, "council_chair")
    command = ReopenScoring(initiative_id=initiative_id, reason=body.reason)
    return answer(await commands.reopen(ctx, commune_id, command), response)
