"""Award dossier deadlines from the award rules in force for each year (the city's AwardRulesSet, dated), so a
reminder names the day the awards service will judge the proposal by, never a constant of the code.

Until the city sets any rules, seed 004's deadlines are in force: Giấy khen dossiers before 20/11, Bằng khen
dossiers before 10/3 of the next year (the awards service's defaults too)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from reform_shared.dated import in_force
from reform_shared.events import AwardRulesSet


@dataclass(frozen=True)
class DossierForm:
    """An annual award form with a dossier deadline: (month, day, years after the award year)."""

    code: str
    name: str
    level: str
    deadline: tuple[int, int, int]

    def day(self, year: int) -> dt.date:
        month, day, after = self.deadline
        return dt.date(year + after, month, day)


@dataclass(frozen=True)
class DossierRules:
    effective_from: dt.date | None
    forms: tuple[DossierForm, ...]


SEED_004 = DossierRules(None, (
    DossierForm("giay-khen-xa", "Giấy khen của Chủ tịch UBND xã", "commune", (11, 20, 0)),
    DossierForm("bang-khen-tp", "Bằng khen của Chủ tịch UBND thành phố", "city", (3, 10, 1)),
))


def rules_doc(event_id: str, occurred_at: dt.datetime, p: AwardRulesSet) -> dict[str, Any]:
    """What the service remembers of an AwardRulesSet: the annual forms with a deadline."""
    forms = [{"code": f.code, "name": f.name, "level": f.level,
              "deadline": [f.deadline_month, f.deadline_day, f.deadline_years_after]}
             for f in p.forms if f.kind == "annual" and f.deadline_month and f.deadline_day]
    return {"_id": event_id, "occurred_at": occurred_at, "effective_from": p.effective_from.isoformat(),
            "forms": forms}


def rules_of(doc: dict[str, Any]) -> DossierRules:
    return DossierRules(dt.date.fromisoformat(doc["effective_from"]),
                        tuple(DossierForm(f["code"], f["name"], f["level"], tuple(f["deadline"]))
                              for f in doc["forms"]))


def for_year(sets: list[DossierRules], year: int) -> DossierRules:
    """The rules a year's proposals are judged by: those in force on its last day (as the awards service does)."""
    return in_force(sets, dt.date(year, 12, 31), lambda r: r.effective_from) or SEED_004
