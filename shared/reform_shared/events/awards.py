"""Contracts of the awards service: proposals and grants."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from reform_shared.envelope import EventPayload


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["individual", "collective"]
    recipient_id: str
    name: str


class AwardProposed(EventPayload):
    """The secretariat proposed an award for a recipient, with its basis."""

    event_type: ClassVar[str] = "AwardProposed"
    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "award"

    award_id: str
    recipient: Recipient
    form: str
    year: int | None = None
    period: str | None = None
    basis_initiative_ids: tuple[str, ...] = ()
    basis_text: str = ""

    def aggregate_id(self) -> str:
        return self.award_id


class AwardGranted(EventPayload):
    """The competent authority granted an award (decision number, date, signer)."""

    event_type: ClassVar[str] = "AwardGranted"
    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "award"

    award_id: str
    recipient: Recipient
    form: str
    year: int | None = None
    period: str | None = None
    decision_number: str
    decision_date: dt.date
    signer: str

    def aggregate_id(self) -> str:
        return self.award_id
