"""Contracts of the evaluation service: council, rubric, scores, recognition, nomination."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from reform_shared.envelope import Contract, EventPayload


class _Part(Contract):
    """A part of an event: strict when produced, tolerant when read."""


class CouncilMember(_Part):
    user_id: str
    name: str
    unit_id: str | None = None
    role: Literal["chair", "secretary", "member"] = "member"
    heads_unit: bool = False
    """True when the member heads `unit_id`: conflicted on that unit's initiatives."""


class Criterion(_Part):
    code: str
    label: str
    weight: float
    max_points: float


class Rubric(_Part):
    """How initiatives are scored; versioned and fixed once scoring opens."""

    version: int = 1
    criteria: tuple[Criterion, ...]
    required_conditions: tuple[str, ...] = ("novelty", "effectiveness")
    condition_threshold: float = 0.5
    """A required condition is met when its mean points reach this share of its maximum."""
    pass_threshold: float = 50.0
    """The mean weighted total (out of 100) an initiative needs to be recognised."""
    quorum: float = 2 / 3
    """Share of an initiative's non-conflicted members who must have scored it before it is finalised."""
    disagreement_spread: float = 25.0
    """A spread of weighted totals above this flags the initiative for discussion."""


class CouncilConstituted(EventPayload):
    """The chairman's decision setting up the evaluation council of a campaign."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "council"

    campaign_id: str
    decision_number: str
    decision_date: dt.date
    members: tuple[CouncilMember, ...]
    rubric: Rubric

    def aggregate_id(self) -> str:
        return self.campaign_id


class CouncilMembershipChanged(EventPayload):
    """Members changed; after scoring opened only with a stated reason (never silently)."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "council"

    campaign_id: str
    members: tuple[CouncilMember, ...]
    reason: str = ""
    after_scoring_opened: bool = False

    def aggregate_id(self) -> str:
        return self.campaign_id


class RubricSet(EventPayload):
    """A new version of the rubric, before scoring opens."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "council"

    campaign_id: str
    rubric: Rubric

    def aggregate_id(self) -> str:
        return self.campaign_id


class ScoringOpened(EventPayload):
    """Scoring opened: from now the rubric is fixed and membership changes are recorded with reasons."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "council"

    campaign_id: str
    rubric_version: int

    def aggregate_id(self) -> str:
        return self.campaign_id


class ConflictDeclared(EventPayload):
    """A member declared a conflict of interest on an initiative (beyond the automatic ones)."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "evaluation"

    initiative_id: str
    campaign_id: str
    member_id: str
    reason: str

    def aggregate_id(self) -> str:
        return self.initiative_id


class ScoreRecorded(EventPayload):
    """A council member recorded (or revised) points for an initiative."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "scoresheet"

    scoresheet_id: str
    initiative_id: str
    campaign_id: str
    member_id: str
    points: dict[str, float]
    comment: str = ""
    revision: int = 1
    rubric_version: int = 1
    weighted_total: float = 0.0

    def aggregate_id(self) -> str:
        return self.scoresheet_id


class ScoreResult(_Part):
    """What the council concluded on one initiative: the snapshot kept with the decision."""

    mean_total: float
    median_total: float
    spread: float
    scored: int
    eligible: int
    criterion_means: dict[str, float]
    conditions: dict[str, bool]


class InitiativeRecognized(EventPayload):
    """The chair finalised the initiative: recognised (công nhận)."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "evaluation"

    initiative_id: str
    campaign_id: str
    result: ScoreResult

    def aggregate_id(self) -> str:
        return self.initiative_id


class InitiativeNotRecognized(EventPayload):
    """The chair finalised the initiative: not recognised, with the reason for each unmet condition."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "evaluation"

    initiative_id: str
    campaign_id: str
    result: ScoreResult
    reasons: tuple[str, ...]

    def aggregate_id(self) -> str:
        return self.initiative_id


class RecognitionDecisionSigned(EventPayload):
    """The chairman signed the recognition decision (Quyết định công nhận sáng kiến) with its annex."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "council"

    campaign_id: str
    decision_number: str
    decision_date: dt.date
    signer: str
    initiative_ids: tuple[str, ...]

    def aggregate_id(self) -> str:
        return self.campaign_id


class Nominated(EventPayload):
    """A recognised initiative was nominated to the city; carries what the city needs."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "slate"

    slate_id: str
    initiative_id: str
    campaign_id: str
    year: int
    title: str
    summary: str
    field: str
    fields: tuple[str, ...] = ()
    unit_name: str = ""
    author_names: tuple[str, ...] = ()
    result: ScoreResult | None = None
    mean_score: float | None = None
    decision_number: str | None = None
    decision_date: dt.date | None = None
    reason: str = ""
    """Why the commune puts it forward (optional; absent from events recorded before it existed)."""

    def aggregate_id(self) -> str:
        return self.slate_id


class NominationWithdrawn(EventPayload):
    """A nomination to the city was withdrawn before the nomination deadline."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "slate"

    slate_id: str
    initiative_id: str
    reason: str = ""

    def aggregate_id(self) -> str:
        return self.slate_id


class CityAppraisalScored(EventPayload):
    """A member of the city council scored a nominated initiative for city-level recognition:
    applied effectiveness and replicability (each out of 10); revisable by the same member until
    the city decides. Written at the city, under the initiative's commune, so it flows back there."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "cityappraisal"

    initiative_id: str
    campaign_id: str
    year: int
    member_id: str
    member_name: str = ""
    effectiveness: float
    """Applied effectiveness (hiệu quả áp dụng), 0–10."""
    replicability: float
    """Replicability across communes (khả năng nhân rộng), 0–10."""
    comment: str = ""
    revision: int = 1

    def aggregate_id(self) -> str:
        return self.initiative_id


class CityRecognitionDecided(EventPayload):
    """The city decided whether a nominated initiative is recognised at city level (decision number
    and date, the city council's mean scores and how many appraised it, the reason, who signed)."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "cityappraisal"

    initiative_id: str
    campaign_id: str
    year: int
    title: str = ""
    recognised: bool
    decision_number: str
    decision_date: dt.date
    mean_effectiveness: float
    mean_replicability: float
    appraisals: int
    reason: str = ""
    decided_by: str

    def aggregate_id(self) -> str:
        return self.initiative_id
