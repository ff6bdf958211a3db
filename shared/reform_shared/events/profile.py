"""Contracts of a commune's profile: who the commune is on its documents, and who signs them, with history.

One aggregate per commune (`profile`/`main`), kept by the directory service beside the commune's directory:
like the directory it is the commune's own reference data, changed rarely by its administrator, and every
other service reads it from the record (a document is printed with the names in force on its date).

Dates are the dates a change takes effect. `CommuneProfileSet` carries the whole profile (name, level,
address, secretariat, number suffixes, default deadlines) as it stands from `effective`, so the profile in
force on a day is the last one set on or before it. Signers have terms of their own: `SignerAppointed` starts
a term on `effective` (a new chairman ends the previous chairman's term the day before), `SignerLeftOffice`
ends one (from `effective` they sign nothing).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import Field

from reform_shared.envelope import Contract, EventPayload

CommuneLevel = Literal["xa", "phuong", "dac_khu"]
"""xã, phường, đặc khu."""
LEVEL_LABELS: dict[str, str] = {"xa": "xã", "phuong": "phường", "dac_khu": "đặc khu"}
SignerRole = Literal["chairman", "vice_chairman"]
"""Chủ tịch, Phó Chủ tịch UBND."""
MONTH_DAY = r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class DefaultDeadlines(Contract):
    """The commune's usual campaign dates, as month-day ("09-25"): they prefill the campaign form."""

    submission_deadline: str | None = Field(default=None, pattern=MONTH_DAY)
    evaluation_deadline: str | None = Field(default=None, pattern=MONTH_DAY)
    recognition_deadline: str | None = Field(default=None, pattern=MONTH_DAY)
    nomination_deadline: str | None = Field(default=None, pattern=MONTH_DAY)


class ProfileEntry(Contract):
    """The commune as its documents name it."""

    name: str = Field(min_length=1, max_length=120)
    """The place name without its level: "Ninh Giang" (printed "xã Ninh Giang", "UBND XÃ NINH GIANG")."""
    level: CommuneLevel = "xa"
    address: str = Field(default="", max_length=300)
    secretariat: str = Field(default="Phòng Văn hóa - Xã hội", min_length=1, max_length=120)
    decision_suffix: str = Field(default="QĐ-UBND", min_length=1, max_length=40)
    """What follows the number of the chairman's decisions: "215/QĐ-UBND"."""
    letter_suffix: str = Field(default="UBND-VHXH", min_length=1, max_length=40)
    """What follows the number of the secretariat's letters: "120/UBND-VHXH"."""
    deadlines: DefaultDeadlines = DefaultDeadlines()


class SignerEntry(Contract):
    """A member of the People's Committee who signs its documents."""

    signer_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    full_name: str = Field(min_length=1, max_length=120)
    role: SignerRole = "chairman"
    title: str = Field(default="", max_length=120)
    """As printed under the signature ("Chủ tịch", "Phó Chủ tịch"); empty: the role's usual title."""


class _ProfileEvent(EventPayload):
    aggregate_type: ClassVar[str] = "profile"

    effective: dt.date
    """The day the change takes effect."""

    def aggregate_id(self) -> str:
        return "main"


class CommuneProfileSet(_ProfileEvent):
    """The whole profile (signers aside) as it stands from `effective`."""

    profile: ProfileEntry


class SignerAppointed(_ProfileEvent):
    """`signer` holds office from `effective`; a new chairman ends the previous chairman's term the day before."""

    signer: SignerEntry


class SignerLeftOffice(_ProfileEvent):
    """From `effective` the signer holds office no more (their last day is the day before)."""

    signer_id: str
    reason: str = ""


PROFILE_PAYLOADS = (CommuneProfileSet, SignerAppointed, SignerLeftOffice)
