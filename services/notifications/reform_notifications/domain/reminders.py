"""Reminders from the rules' own dates, computed from what the campaigns' events said and the clock.

A reminder is due from `deadline - lead` until the deadline itself: whatever tick first sees it due sends it
(the outbox keeps each once), so a node that was down sends, once, what fell due meanwhile and is still
ahead of its deadline; a reminder whose deadline has passed is no longer useful and is not sent.
Deadlines that are days end with that day in Vietnam (UTC+7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reform_notifications.domain.dossiers import DossierRules, for_year
from reform_notifications.domain.facts import CampaignFacts
from reform_notifications.domain.notice import Notice, Person
from reform_notifications.domain.recipients import Known
from reform_shared.directory_view import DirectoryView

VIETNAM = dt.timezone(dt.timedelta(hours=7))
DAY = dt.timedelta(days=1)
SHORT_LEADS = (3, 1)
DOSSIER_LEADS = (7, 1)
LEGACY_NAMES = {"giay-khen-xa": "commune_award_dossiers", "bang-khen-tp": "city_award_dossiers"}
"""The reminders' names of seed 004's two forms (a reminder sent before the rules were data is not sent again)."""
RECOGNITION_AND_NOMINATION = (9, 30)
"""Recognition decision and nomination to the city by 30/9 when the campaign names no date (seeds 000, 001)."""
REPORT_DAY = 10
"""Quarterly reports before the 10th of the quarter's last month (seed 002); the annual one with the fourth."""


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + DAY, dt.time(), VIETNAM)


@dataclass(frozen=True)
class Deadline:
    name: str
    scope: str
    at: dt.datetime
    leads: tuple[int, ...]
    subject: str
    line: str

    def due_leads(self, now: dt.datetime) -> list[int]:
        return _due(self.at, self.leads, now)


def _due(at: dt.datetime, leads: tuple[int, ...], now: dt.datetime) -> list[int]:
    return [lead for lead in leads if at - lead * DAY <= now < at]


def needs_initiatives(c: CampaignFacts, now: dt.datetime) -> bool:
    """Whether a reminder due now looks at the campaign's initiatives (the units that proposed, the unscored): only
    then are they read, not at every tick."""
    closing = c.closes_at is not None and bool(_due(c.closes_at, SHORT_LEADS, now))
    scoring = bool(c.evaluation_deadline and c.scoring_opened and not c.decision_signed
                   and _due(end_of(c.evaluation_deadline), SHORT_LEADS, now))
    return closing or scoring


def _notices(commune_id: str, d: Deadline, people: Iterable[Person], now: dt.datetime) -> Iterator[Notice]:
    for lead in d.due_leads(now):
        cause = f"reminder:{commune_id}:{d.scope}:{d.name}:{d.at.date().isoformat()}:{lead}"
        for person in {p.user_id: p for p in people}.values():
            yield Notice("reminder", cause, commune_id, person, d.subject, (d.line,), facts={"reminder": d.name},
                         due_at=d.at - lead * DAY)


def campaign_reminders(c: CampaignFacts, directory: DirectoryView, now: dt.datetime) -> list[Notice]:
    k = Known(directory, c)
    today = now.astimezone(VIETNAM).date()
    found: list[Notice] = []
    title = c.title or c.campaign_id
    if c.closes_at is not None:
        d = Deadline("submissions_closing", c.campaign_id, c.closes_at, SHORT_LEADS,
                     f"Sắp hết hạn nộp sáng kiến: {title}",
                     f"Đơn vị của anh/chị chưa nộp sáng kiến nào cho đợt «{title}»; hạn nộp "
                     f"{c.closes_at.astimezone(VIETNAM):%H:%M ngày %d/%m/%Y}. "
                     "Mỗi đơn vị đề xuất ít nhất một sáng kiến.")
        units = c.expected_units or tuple(u.unit_id for u in directory.units(today) if not u.closed)
        silent = [unit for unit in units if unit not in c.units_with_initiatives()]
        found += _notices(c.commune_id, d, [p for unit in silent for p in k.head(unit, today)], now)
    if c.evaluation_deadline and c.scoring_opened and not c.decision_signed:
        d = Deadline("scoring_due", c.campaign_id, end_of(c.evaluation_deadline), SHORT_LEADS,
                     f"Còn sáng kiến chưa chấm: {title}",
                     f"Anh/chị còn sáng kiến chưa chấm điểm; hạn chấm {c.evaluation_deadline:%d/%m/%Y}.")
        found += _notices(c.commune_id, d, [k.person(m, on=today) for m in c.council if c.unscored_by(m)], now)
    if c.year is not None:
        found += _decision_reminders(c, k, today, now)
    return found


def _decision_reminders(c: CampaignFacts, k: Known, today: dt.date, now: dt.datetime) -> list[Notice]:
    assert c.year is not None
    title = c.title or c.campaign_id
    by_default = dt.date(c.year, *RECOGNITION_AND_NOMINATION)
    secretaries = k.with_role("secretary", today)
    found: list[Notice] = []
    if not c.decision_signed:
        day = c.recognition_deadline or by_default
        d = Deadline("recognition_due", c.campaign_id, end_of(day), SHORT_LEADS, f"Hạn quyết định công nhận: {title}",
                     f"Quyết định công nhận sáng kiến của đợt «{title}» cần ký trước {day:%d/%m/%Y}.")
        found += _notices(c.commune_id, d, [*secretaries, *k.with_role("chairman", today)], now)
    if not c.nominated:
        day = c.nomination_deadline or by_default
        d = Deadline("nomination_due", c.campaign_id, end_of(day), SHORT_LEADS, f"Hạn đề nghị cấp thành phố: {title}",
                     f"Đề nghị 1–2 sáng kiến tiêu biểu lên thành phố trước {day:%d/%m/%Y}.")
        found += _notices(c.commune_id, d, secretaries, now)
    return found


def dossier_deadlines(rules: DossierRules, year: int) -> list[Deadline]:
    """A deadline per annual form of the year's rules: its dossiers are due by the end of the day before."""
    found = []
    for form in rules.forms:
        day = form.day(year)
        level = "cấp xã" if form.level == "commune" else "cấp thành phố"
        name = LEGACY_NAMES.get(form.code, f"award_dossiers_{form.code}")
        found.append(Deadline(name, str(year), end_of(day - DAY), DOSSIER_LEADS,
                              f"Hạn hồ sơ khen thưởng {level} năm {year}: {form.name}",
                              f"Hồ sơ đề nghị {form.name} năm {year} cần gửi trước ngày {day:%d/%m/%Y}."))
    return found


def commune_reminders(commune_id: str, directory: DirectoryView, now: dt.datetime,
                      rule_sets: Iterable[DossierRules] = ()) -> list[Notice]:
    """Award dossiers (by the award rules in force for each year) and reports, for the commune's secretaries."""
    today = now.astimezone(VIETNAM).date()
    secretaries = Known(directory).with_role("secretary", today)
    found: list[Notice] = []
    for year in (today.year - 1, today.year):
        for d in dossier_deadlines(for_year(list(rule_sets), year), year):
            found += _notices(commune_id, d, secretaries, now)
    for quarter in range(1, 5):
        day = dt.date(today.year, quarter * 3, REPORT_DAY)
        d = Deadline("quarterly_report", f"{today.year}-q{quarter}", end_of(day - DAY), SHORT_LEADS,
                     f"Hạn báo cáo cải cách hành chính quý {quarter}/{today.year}",
                     f"Báo cáo cải cách hành chính quý {quarter} cần gửi trước ngày {day:%d/%m/%Y}.")
        found += _notices(commune_id, d, secretaries, now)
    annual = dt.date(today.year, 12, REPORT_DAY)
    d = Deadline("annual_report", str(today.year), end_of(annual - DAY), SHORT_LEADS,
                 f"Hạn báo cáo cải cách hành chính năm {today.year}",
                 f"Báo cáo cải cách hành chính năm {today.year} cần gửi trước ngày {annual:%d/%m/%Y}.")
    return found + list(_notices(commune_id, d, secretaries, now))
