"""Contracts of the evaluation service: scores and nominations to the city."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from reform_shared.envelope import EventPayload


class ScoreRecorded(EventPayload):
    """A council member recorded (or revised) points for an initiative."""

    event_type: ClassVar[str] = "ScoreRecorded"
    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "scoresheet"

    scoresheet_id: str
    initiative_id: str
    campaign_id: str
    member_id: str
    points: dict[str, float]
    comment: str = ""
    revision: int = 1

    def aggregate_id(self) -> str:
        return self.scoresheet_id


class Nominated(EventPayload):
    """A recognised initiative was nominated to the city; carries what the city needs."""

    event_type: ClassVar[str] = "Nominated"
    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "slate"

    slate_id: str
    initiative_id: str
    campaign_id: str
    year: int
    title: str
    summary: str
    field: str
    mean_score: float | None = None
    decision_number: str | None = None
    decision_date: dt.date | None = None

    def aggregate_id(self) -> str:
        return self.slate_id
