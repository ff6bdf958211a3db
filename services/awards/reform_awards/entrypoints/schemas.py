"""Request schemas of the awards API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from reform_shared.http.schemas import Reason, Strict, Text, Token
from reform_shared.text import Printable


class RecipientIn(Strict):
    kind: Literal["individual", "collective"]
    recipient_id: Token
    name: Text
    unit_id: Token | None = None


class AchievementIn(Strict):
    kind: Literal["advisory", "responsibility", "outstanding_year", "direct_reform_work", "movement_leader", "other"]
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=2000), Printable]
    year: int | None = Field(default=None, ge=2000, le=2100)


class BasisIn(Strict):
    initiative_ids: list[Token] = Field(default_factory=list, max_length=20)
    par_year: int | None = Field(default=None, ge=2000, le=2100)
    achievements: list[AchievementIn] = Field(default_factory=list, max_length=20)


class ProposalIn(Strict):
    form: Annotated[str, StringConstraints(max_length=40), Printable]
    recipient: RecipientIn
    year: int | None = Field(default=None, ge=2000, le=2100)
    period: Annotated[str, StringConstraints(max_length=9), Printable] | None = None
    basis: BasisIn = BasisIn()
    par_category: Literal["commune", "ward", "department"] = "commune"


DecisionNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), Printable]


class GrantIn(Strict):
    decision_number: DecisionNumber
    decision_date: dt.date
    signer: Text


class RevokeIn(Strict):
    """A revocation is a decision: its number, date and signer, and why."""

    reason: Annotated[Reason, Field(min_length=5)]
    decision_number: DecisionNumber
    decision_date: dt.date
    signer: Text


class ReasonIn(Strict):
    reason: Annotated[Reason, Field(min_length=5)]


class ParRankingIn(Strict):
    year: int = Field(ge=2000, le=2100)
    category: Literal["commune", "ward", "department"]
    ranks: dict[Token, Annotated[int, Field(ge=1, le=10_000)]] = Field(min_length=1, max_length=5_000)
