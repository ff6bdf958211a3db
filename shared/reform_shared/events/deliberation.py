"""Contracts of the council's deliberation on one initiative: private notes, questions to the author, the
conflict pre-check's decisions and the reopening of scoring.

Every one is an event of the initiative's evaluation record (aggregate `evaluation`, keyed by the initiative),
so the record of how the council reached its conclusion is kept with the conclusion itself.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import Field

from reform_shared.envelope import EventPayload


class _OnEvaluation(EventPayload):
    """An event of an initiative's evaluation record."""

    aggregate_type: ClassVar[str] = "evaluation"
    initiative_id: str

    def aggregate_id(self) -> str:
        return self.initiative_id


class NoteAdded(_OnEvaluation):
    """A council member wrote a private deliberation note (or a reply to one), possibly mentioning members.
    Seen by the council and the secretary only, and by a member only once he or she has recorded a score."""

    schema_version: ClassVar[int] = 1

    campaign_id: str
    note_id: str
    member_id: str
    member_name: str = ""
    text: str
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()


class NoteKeptFromMinutes(_OnEvaluation):
    """The chair marked a note "not for the minutes" (a personal remark): the minutes' summary leaves it out."""

    schema_version: ClassVar[int] = 1

    note_id: str
    reason: str = ""


class QuestionAsked(_OnEvaluation):
    """The council, through the secretary, asked the author for a clarification or a missing piece of evidence."""

    schema_version: ClassVar[int] = 1

    campaign_id: str
    question_id: str
    text: str
    asked_by: str
    asked_at: dt.datetime


class QuestionAnswered(_OnEvaluation):
    """The author answered a question in the dossier; `seconds_taken` from the question to the answer."""

    schema_version: ClassVar[int] = 1

    campaign_id: str
    question_id: str
    text: str
    answered_by: str
    asked_at: dt.datetime
    answered_at: dt.datetime
    seconds_taken: int


ConflictKind = Literal["author", "co_author", "heads_unit_now", "headed_unit_then", "shares_unit"]


class ProposedMemberConflictDecided(_OnEvaluation):
    """Before the council is constituted, the secretary decided on a conflict the pre-check found (from the
    directory and the dossiers) between a proposed member and this initiative: keep the member on it, or
    exclude him or her from scoring it; the reason is recorded either way."""

    schema_version: ClassVar[int] = 1

    campaign_id: str
    member_id: str
    member_name: str = ""
    kinds: tuple[ConflictKind, ...] = ()
    decision: Literal["keep", "exclude"]
    reason: str


class ScoringReopened(_OnEvaluation):
    """The chair reopened scoring of this initiative before finalising it, with a reason: the sheets recorded
    so far (`superseded`: member -> last revision) no longer count; the members score it again."""

    schema_version: ClassVar[int] = 1

    campaign_id: str
    reason: str
    round: int
    superseded: dict[str, int] = Field(default_factory=dict)


DELIBERATION_PAYLOADS = (
    NoteAdded,
    NoteKeptFromMinutes,
    QuestionAsked,
    QuestionAnswered,
    ProposedMemberConflictDecided,
    ScoringReopened,
)
