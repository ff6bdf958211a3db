"""What the evaluation service is asked to do, in the imperative: one command per route that writes.

A route builds one from its request schema; the commune it acts in and who sends it travel beside it
(the path and the `CommandContext`), since they scope every command alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from reform_shared.commands import Command
from reform_shared.events import CouncilMember, Rubric
from reform_shared.events.deliberation import ConflictKind

# -- the commune's council ----------------------------------------------------------------------


class ConstituteCouncil(Command):
    campaign_id: str
    decision_number: str
    decision_date: dt.date
    members: tuple[CouncilMember, ...]
    rubric: Rubric


class ChangeMembers(Command):
    campaign_id: str
    members: tuple[CouncilMember, ...]
    reason: str = ""


class SetRubric(Command):
    campaign_id: str
    rubric: Rubric


class OpenScoring(Command):
    campaign_id: str


class DeclareConflict(Command):
    initiative_id: str
    reason: str


class RecordScore(Command):
    initiative_id: str
    points: dict[str, float]
    comment: str = ""


class Finalise(Command):
    initiative_id: str


class SignDecision(Command):
    campaign_id: str
    decision_number: str
    decision_date: dt.date
    signer: str
    initiative_ids: tuple[str, ...]


# -- the commune's slate of nominations to the city ------------------------------------------------


class Nominate(Command):
    initiative_id: str
    reason: str = ""


class WithdrawNomination(Command):
    initiative_id: str
    reason: str = ""


# -- the city council ----------------------------------------------------------------------------


class ScoreCityAppraisal(Command):
    initiative_id: str
    effectiveness: float
    replicability: float
    comment: str = ""


class DecideCityRecognition(Command):
    initiative_id: str
    recognised: bool
    decision_number: str
    decision_date: dt.date
    decided_by: str
    reason: str = ""


# -- the council's deliberation on one initiative ----------------------------------------------------


class AddNote(Command):
    initiative_id: str
    text: str
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()


class KeepNoteFromMinutes(Command):
    initiative_id: str
    note_id: str
    reason: str = ""


class AskAuthor(Command):
    initiative_id: str
    text: str


class AnswerQuestion(Command):
    initiative_id: str
    question_id: str
    text: str


class DecidePrecheck(Command):
    initiative_id: str
    member_id: str
    member_name: str = ""
    kinds: tuple[ConflictKind, ...] = ()
    decision: Literal["keep", "exclude"]
    reason: str


class ReopenScoring(Command):
    initiative_id: str
    reason: str
