"""The award forms of seed 004, as data: level, kind, recipients, who decides, dossier deadline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from reform_shared.ids import VIETNAM


@dataclass(frozen=True)
class AwardForm:
    code: str
    name: str
    level: Literal["commune", "city"]
    kind: str  # "annual" | "period" | "adhoc"
    recipients: tuple[str, ...]
    decided_by: str  # the role that grants or rejects
    deadline: tuple[int, int, int] | None = None
    """(month, day, years after the award year): dossiers before that day; None: no deadline."""
    period: tuple[int, int] | None = None
    forwarded_by: tuple[int, int, int] | None = None
    """(month, day, years after): the Department of Home Affairs proposes the dossiers to the city by then."""
    quota: tuple[tuple[str, int], ...] = ()
    """(recipient kind, at most this many proposals per commune and year); empty: no quota."""

    @property
    def quota_per_commune_year(self) -> bool:
        return bool(self.quota)

    def quota_for(self, kind: str) -> int | None:
        """How many proposals of this recipient kind a commune may make a year (None: no limit)."""
        return dict(self.quota).get(kind) if self.quota else None

    def deadline_for(self, year: int) -> dt.datetime | None:
        if self.deadline is None:
            return None
        month, day, offset = self.deadline
        return dt.datetime(year + offset, month, day, tzinfo=VIETNAM)


FORMS: dict[str, AwardForm] = {
    form.code: form
    for form in (
        AwardForm("giay-khen-xa", "Giấy khen của Chủ tịch UBND xã", "commune", "annual",
                  ("individual", "collective"), "chairman", deadline=(11, 20, 0)),
        AwardForm("bang-khen-tp", "Bằng khen của Chủ tịch UBND thành phố", "city", "annual",
                  ("individual", "collective"), "city_officer", deadline=(3, 10, 1), forwarded_by=(3, 31, 1),
                  quota=(("collective", 1), ("individual", 1))),
        AwardForm("khen-giai-doan-2026-2030", "Khen thưởng giai đoạn 2026–2030", "city", "period",
                  ("individual", "collective"), "city_officer", period=(2026, 2030)),
        AwardForm("khen-dot-xuat", "Khen thưởng đột xuất", "commune", "adhoc",
                  ("individual", "collective"), "chairman"),
    )
}
"""Commune annual dossiers before 20/11; city ones before 10/3 of the next year; ad-hoc awards exempt.
The rules in force when the city has set none (domain/rules.py): the city may change them, dated."""

PAR_TOP = {"commune": 5, "ward": 5, "department": 3}
"""City-level collectives need a PAR Index rank within these (seed 004)."""
