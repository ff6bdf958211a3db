"""The award rules as dated data the city sets (AwardRulesSet): the rules in force on a day, for a year.

Until the city sets any, today's seed 004 constants (catalogue.FORMS) are in force: nothing changes
for a node or a proposal that never saw an AwardRulesSet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from reform_awards.domain.catalogue import FORMS, AwardForm
from reform_shared.dated import in_force as latest_in_force
from reform_shared.envelope import EventEnvelope
from reform_shared.errors import RuleViolation
from reform_shared.events import AwardFormRule, AwardRulesSet

SHARED_QUOTA_FORMS = ("bang-khen-tp",)
"""Forms whose proposals of a commune-year share one aggregate, which holds their quota; every other form's
quota is held by places of its own (application/quota.py)."""


@dataclass(frozen=True)
class AwardRules:
    """One set of rules: its forms by code, from when, and the event that set it (None: the defaults)."""

    forms: dict[str, AwardForm]
    effective_from: dt.date | None = None
    event_id: str | None = None
    set_at: str | None = None
    reason: str = ""


DEFAULT_RULES = AwardRules(dict(FORMS))


def form_of_rule(rule: AwardFormRule) -> AwardForm:
    deadline = (rule.deadline_month, rule.deadline_day, rule.deadline_years_after) \
        if rule.deadline_month and rule.deadline_day else None
    forwarded = (rule.forwarded_month, rule.forwarded_day, rule.deadline_years_after) \
        if rule.forwarded_month and rule.forwarded_day else None
    return AwardForm(rule.code, rule.name, rule.level, rule.kind, tuple(rule.recipients), rule.decided_by,
                     deadline=deadline, period=rule.period, forwarded_by=forwarded,
                     quota=tuple(sorted(rule.quota.items())))


def rule_of_form(form: AwardForm) -> AwardFormRule:
    month, day, after = form.deadline or (None, None, 0)
    fwd_month, fwd_day, _ = form.forwarded_by or (None, None, 0)
    return AwardFormRule(code=form.code, name=form.name, level=form.level, kind=form.kind,  # type: ignore[arg-type]
                         recipients=form.recipients, decided_by=form.decided_by,  # type: ignore[arg-type]
                         deadline_month=month, deadline_day=day, deadline_years_after=after, period=form.period,
                         forwarded_month=fwd_month, forwarded_day=fwd_day, quota=dict(form.quota))


def history(envelopes: Iterable[EventEnvelope]) -> list[AwardRules]:
    """Every set of rules the city recorded, in the order it set them (the defaults not included)."""
    return [AwardRules({r.code: form_of_rule(r) for r in e.payload.forms}, e.payload.effective_from,
                       e.event_id, e.occurred_at.isoformat(), e.payload.reason)
            for e in envelopes if isinstance(e.payload, AwardRulesSet)]


def in_force(sets: list[AwardRules], on: dt.date) -> AwardRules:
    """The rules in force on a day: the latest effective on or before it (the last set wins a tie)."""
    return latest_in_force(sets, on, lambda r: r.effective_from) or DEFAULT_RULES


def for_year(sets: list[AwardRules], year: int | None, today: dt.date) -> AwardRules:
    """The rules a proposal of an award year is judged by: those in force in that year (on its last day);
    a period proposal (no year) by those in force today."""
    return in_force(sets, dt.date(year, 12, 31) if year is not None else today)


def _refuse(vi: str, en: str, field: str, rule: str) -> RuleViolation:
    return RuleViolation(vi, en, field=field, rule=rule)


def valid_rules(command: AwardRulesSet) -> None:
    """What the city sets must make sense: known kinds, real dates, a period for a period form, quotas by
    recipient kind."""
    if not command.forms:
        raise _refuse("Cần ít nhất một hình thức khen thưởng", "at least one award form", "forms", "rules_have_forms")
    codes = [f.code for f in command.forms]
    if len(set(codes)) != len(codes):
        raise _refuse("Một hình thức khen thưởng được khai hai lần", "a form is listed twice", "forms",
                      "form_listed_once")
    for i, f in enumerate(command.forms):
        where = f"forms.{i}"
        if not f.recipients:
            raise _refuse(f"Hình thức '{f.name}' cần ít nhất một đối tượng (cá nhân/tập thể)",
                          "a form needs at least one kind of recipient", f"{where}.recipients", "form_has_recipients")
        for month, day, name in ((f.deadline_month, f.deadline_day, "deadline"),
                                 (f.forwarded_month, f.forwarded_day, "forwarded")):
            if (month is None) != (day is None) or (month and day and not _real_day(month, day)):
                raise _refuse(f"Hạn của hình thức '{f.name}' không phải ngày có thật ({day}/{month})",
                              f"the {name} day of '{f.code}' is not a real day", f"{where}.{name}_day", "real_day")
        if f.kind == "period" and (f.period is None or f.period[0] > f.period[1]):
            raise _refuse(f"Hình thức giai đoạn '{f.name}' cần giai đoạn (năm đầu ≤ năm cuối)",
                          "a period form needs its period", f"{where}.period", "period_form_has_period")
        if any(k not in ("individual", "collective") or n < 0 for k, n in f.quota.items()):
            raise _refuse("Chỉ tiêu: cá nhân/tập thể, số không âm", "quota: individual/collective, not negative",
                          f"{where}.quota", "quota_by_kind")


def _real_day(month: int, day: int) -> bool:
    try:
        dt.date(2028, month, day)  # a leap year: 29/2 is a real day
    except ValueError:
        return False
    return True
