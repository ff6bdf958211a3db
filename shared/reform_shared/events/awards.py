"""Contracts of the awards service: PAR rankings, proposals, decisions, basis claims (seed 004)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from reform_shared.envelope import Contract, EventPayload


class Recipient(Contract):
    kind: Literal["individual", "collective"]
    recipient_id: str
    name: str
    unit_id: str | None = None
    """The unit of an individual; for a collective, the unit itself (or None for the commune)."""


class Achievement(Contract):
    """A described achievement grounding an award (advisory work, responsibility, outstanding year)."""

    kind: Literal["advisory", "responsibility", "outstanding_year", "direct_reform_work", "movement_leader", "other"]
    description: str
    year: int | None = None


class Basis(Contract):
    """What an award rests on: recognised initiatives, a PAR ranking, described achievements."""

    initiative_ids: tuple[str, ...] = ()
    par_year: int | None = None
    achievements: tuple[Achievement, ...] = ()


class ParRankingRecorded(EventPayload):
    """The city published (or a city officer entered) the PAR Index ranking of a year."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "par"

    year: int
    category: Literal["commune", "ward", "department"]
    ranks: dict[str, int]
    """Unit (commune, ward, department) id -> rank, 1 being the best."""

    def aggregate_id(self) -> str:
        return f"{self.year}-{self.category}"


class _AwardEvent(EventPayload):
    """City-level annual awards of one commune and year share one aggregate: the quota's."""

    aggregate_type: ClassVar[str] = "award"

    award_id: str
    level: Literal["commune", "city"] = "commune"
    year: int | None = None
    form: str = ""

    def aggregate_id(self) -> str:
        if self.level == "city" and self.year is not None and self.form == "bang-khen-tp":
            return f"city-{self.year}"
        return self.award_id


class AwardProposed(_AwardEvent):
    """The secretariat proposed an award for a recipient, with its basis."""

    schema_version: ClassVar[int] = 1

    recipient: Recipient
    period: str | None = None
    basis: Basis = Basis()


class AwardGranted(_AwardEvent):
    """The competent authority granted an award (decision number, date, signer)."""

    schema_version: ClassVar[int] = 1

    recipient: Recipient
    period: str | None = None
    decision_number: str
    decision_date: dt.date
    signer: str


class AwardRejected(_AwardEvent):
    """The competent authority refused a proposal, with the reason."""

    schema_version: ClassVar[int] = 1

    reason: str


class AwardRevoked(_AwardEvent):
    """A granted award was revoked by a decision of its own (number, date, signer), with the reason.

    Revocations recorded before they carried their decision have none: the three fields are optional."""

    schema_version: ClassVar[int] = 1

    reason: str
    decision_number: str | None = None
    decision_date: dt.date | None = None
    signer: str = ""


class BasisClaimed(EventPayload):
    """An initiative's recognition grounds this award: never two awards for one achievement."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "basis"

    initiative_id: str
    award_id: str
    form: str

    def aggregate_id(self) -> str:
        return self.initiative_id
