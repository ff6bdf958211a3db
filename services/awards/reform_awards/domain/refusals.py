"""The rules that refuse a proposal whatever its merits (form, year, deadline, quota), as conditions of its
eligibility: the "why" names every rule that will refuse it, so eligible means it will be accepted."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from reform_awards.domain import award as awards
from reform_awards.domain.catalogue import AwardForm
from reform_awards.domain.eligibility import Condition, Eligibility
from reform_shared.errors import RuleViolation
from reform_shared.events import AwardProposed

LABELS = {
    "form_fits_recipient": "Hình thức khen thưởng phù hợp với người nhận",
    "year_required": "Có năm khen thưởng",
    "period_matches_form": "Đúng giai đoạn của hình thức",
    "dossier_deadline": "Nộp hồ sơ trước hạn",
    "city_quota": "Trong chỉ tiêu số lượng của xã trong năm",
}


def _refusal(check: Callable[[], None]) -> RuleViolation | None:
    try:
        check()
    except RuleViolation as refused:
        return refused
    return None


def refusals(form: AwardForm, proposed: AwardProposed, existing: awards.Awards, now: dt.datetime,
             commune_id: str) -> list[Condition]:
    """A failed condition for each rule (of the rules in force for the proposal's year) that refuses it."""
    checks = (
        lambda: awards.form_fits_recipient(form, proposed.recipient, commune_id),
        lambda: awards.dated_for_the_form(form, proposed, now),
        lambda: awards.within_city_quota(form, existing, proposed),
    )
    found = [refused for refused in (_refusal(check) for check in checks) if refused is not None]
    return [Condition(LABELS.get(r.rule or "", r.rule or ""), False, (), f"Chưa đạt: {r.message_vi}", r.rule or "",
                      r.field or "") for r in found]


def judged(eligibility: Eligibility, refused: list[Condition]) -> Eligibility:
    """The merits' conditions and, after them, every rule that will refuse the proposal."""
    if not refused:
        return eligibility
    return dataclasses.replace(eligibility, eligible=False, conditions=(*eligibility.conditions, *refused))
