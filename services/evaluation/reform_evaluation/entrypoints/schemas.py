"""Request schemas of the evaluation API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from reform_shared.http.schemas import Reason, Strict, Text, Token
from reform_shared.text import Printable


class MemberIn(Strict):
    user_id: Token
    name: Text
    unit_id: Token | None = None
    role: Literal["chair", "secretary", "member"] = "member"
    heads_unit: bool = False


class CriterionIn(Strict):
    code: Token
    label: Text
    weight: float = Field(gt=0, le=100)
    max_points: float = Field(gt=0, le=1000)


class RubricIn(Strict):
    criteria: list[CriterionIn] = Field(min_length=1, max_length=20)
    required_conditions: list[Token] = Field(default_factory=lambda: ["novelty", "effectiveness"])
    condition_threshold: float = Field(default=0.5, gt=0, le=1)
    pass_threshold: float = Field(default=50.0, ge=0, le=100)
    quorum: float = Field(default=2 / 3, gt=0, le=1)
    disagreement_spread: float = Field(default=25.0, ge=0, le=100)


class CouncilIn(Strict):
    decision_number: Text
    decision_date: dt.date
    members: list[MemberIn] = Field(min_length=1, max_length=50)
    rubric: RubricIn | None = None


class MembersIn(Strict):
    members: list[MemberIn] = Field(min_length=1, max_length=50)
    reason: Reason = ""


class ScoreIn(Strict):
    points: dict[Token, Annotated[float, Field(ge=0, le=1000)]] = Field(min_length=1, max_length=20)
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), Printable] = ""


class ReasonIn(Strict):
    reason: Annotated[Reason, Field(min_length=3)]


class OptionalReasonIn(Strict):
    reason: Reason = ""


class DecisionIn(Strict):
    decision_number: Text
    decision_date: dt.date
    signer: Text
    initiative_ids: list[Token] = Field(min_length=1, max_length=200)


class NominationIn(Strict):
    initiative_id: Token
    reason: Reason = ""


class CityScoreIn(Strict):
    effectiveness: float = Field(ge=0, le=100, description="applied effectiveness, 0–10 (city rubric)")
    replicability: float = Field(ge=0, le=100, description="replicability, 0–10 (city rubric)")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), Printable] = ""


class CityDecisionIn(Strict):
    recognised: bool
    decision_number: Text
    decision_date: dt.date
    decided_by: Text
    reason: Reason = ""
