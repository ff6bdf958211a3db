"""Request schemas of the replication API (checked before any command is built)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from reform_shared.envelope import TOKEN_PATTERN
from reform_shared.text import Printable

Token = Annotated[str, StringConstraints(pattern=TOKEN_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Printable]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), Printable]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), Printable]


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit_id: Token
    name: Name


class AdoptionIn(BaseModel):
    """Who leads it (name and position), which unit applies it, since when, how it was adapted."""

    model_config = ConfigDict(extra="forbid")
    entry_id: Token
    unit: UnitIn
    responsible: Name
    since: dt.date
    adaptation: Text
    decision_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), Printable] = ""


class IndicatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), Printable] = ""
    before: float | None = None
    after: float | None = None


class ResultsIn(BaseModel):
    """The original's indicators, measured before and after the adoption, on a day."""

    model_config = ConfigDict(extra="forbid")
    measured_on: dt.date
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=20)
    note: Note = ""
