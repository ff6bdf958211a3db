"""Contracts of the awards service: PAR rankings, proposals, decisions, basis claims (seed 004)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import Field

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
    form_name: str = ""
    """The form's name in the rules the proposal was judged by: what its certificate and the registers print
    (a form the city added has no name in the code; "" in proposals recorded before the name was)."""


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


class QuotaPlaceClaimed(EventPayload):
    """A proposal took one place of its form's quota for a commune and year (aggregate `quota`, one per place):
    the quota of a form whose proposals do not share an aggregate is held by its places."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "quota"

    place_id: str
    """<form>.<year or period>.<recipient kind>.<n> with '.' as '_': e.g. giay-khen-xa_2026_individual_3."""
    award_id: str
    form: str

    def aggregate_id(self) -> str:
        return self.place_id


class AwardFormRule(Contract):
    """One award form as the city sets it: who may receive it, its dossier deadline and its quota."""

    code: str
    name: str
    level: Literal["commune", "city"]
    kind: Literal["annual", "period", "adhoc"]
    recipients: tuple[Literal["individual", "collective"], ...]
    decided_by: Literal["chairman", "city_officer"]
    deadline_month: int | None = None
    deadline_day: int | None = None
    deadline_years_after: int = 0
    """The dossier deadline: before day/month of the award year plus this many years (None: no deadline)."""
    period: tuple[int, int] | None = None
    forwarded_month: int | None = None
    forwarded_day: int | None = None
    """The Department of Home Affairs proposes the dossiers to the city by this day (deadline's year)."""
    quota: dict[str, int] = Field(default_factory=dict)
    """Recipient kind -> at most this many proposals per commune and year (empty: no quota)."""


class AwardRulesSet(EventPayload):
    """The city set the award rules (seed 004): the forms, their recipients, deadlines and quotas, in force
    from `effective_from`. A proposal is judged by the rules in force for its year; the city's data, it
    flows back to every commune node."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "awardrules"

    effective_from: dt.date
    forms: tuple[AwardFormRule, ...]
    reason: str = ""

    def aggregate_id(self) -> str:
        return "city"
