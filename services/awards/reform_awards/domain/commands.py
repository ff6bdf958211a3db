"""The awards service's commands: what a secretary, a chairman or a city officer asks of the record.

A route builds one from its request schema; the application decides it on the aggregate it names.
`request` is what a retry with the same idempotency key must repeat (the fingerprint of the command):
it is the request as it was before commands existed, so keys stored then still recognise their retries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from reform_shared.commands import Command
from reform_shared.events import AwardFormRule, Basis, Recipient

ParCategory = Literal["commune", "ward", "department"]


class ProposeAward(Command):
    """Propose an award for a recipient of the commune, on its basis (also: assess it, appending nothing)."""

    commune_id: str
    award_id: str
    """Chosen by the route; a keyed proposal takes its id from the idempotency key instead."""
    form: str
    recipient: Recipient
    year: int | None = None
    period: str | None = None
    basis: Basis = Basis()
    par_category: ParCategory = "commune"

    def request(self) -> dict[str, Any]:
        return {"form": self.form, "recipient": self.recipient.model_dump(mode="json"), "year": self.year,
                "period": self.period, "basis": self.basis.model_dump(mode="json"),
                "par_category": self.par_category}


class GrantAward(Command):
    """Grant a pending proposal by a decision (its number, date and signer)."""

    commune_id: str
    award_id: str
    decision_number: str
    decision_date: dt.date
    signer: str

    def request(self) -> dict[str, Any]:
        return {"n": self.decision_number, "d": str(self.decision_date), "s": self.signer}


class RejectAward(Command):
    """Reject a pending proposal, saying why."""

    commune_id: str
    award_id: str
    reason: str

    def request(self) -> dict[str, Any]:
        return {"reason": self.reason}


class RevokeAward(Command):
    """Revoke a granted award by a decision (its number, date and signer), saying why."""

    commune_id: str
    award_id: str
    reason: str
    decision_number: str
    decision_date: dt.date
    signer: str

    def request(self) -> dict[str, Any]:
        return {"reason": self.reason, "n": self.decision_number, "d": str(self.decision_date), "s": self.signer}


class RecordParRanking(Command):
    """Record the PAR Index ranking of a year and category (the last one recorded counts)."""

    year: int
    category: ParCategory
    ranks: dict[str, int]

    def request(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class SetAwardRules(Command):
    """Set the award rules (forms, recipients, deadlines, quotas) in force from a date (the city's data)."""

    effective_from: dt.date
    forms: tuple[AwardFormRule, ...]
    reason: str = ""

    def request(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
