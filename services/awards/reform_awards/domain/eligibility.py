"""Eligibility computed from the record: every condition, met or not, with the events that show it."""

from __future__ import annotations

from dataclasses import dataclass, field

from reform_awards.domain.catalogue import PAR_TOP, AwardForm
from reform_shared.events import Basis, Recipient


@dataclass(frozen=True)
class InitiativeFact:
    """A recognised (or not) initiative, as the events tell it."""

    initiative_id: str
    title: str
    unit_id: str
    author_ids: tuple[str, ...]
    campaign_year: int
    recognised: bool
    replicable: bool
    effective: bool
    event_ids: tuple[str, ...]
    city_recognised: bool = False
    """The city recognised it at city level after its council appraised applied effectiveness and
    replicability (CityRecognitionDecided): it counts as recognised, effective and replicable."""
    adoptions: int = 0
    """How many other communes adopted it (the city's catalogue): one is proof it is replicable."""


@dataclass(frozen=True)
class Facts:
    commune_id: str
    initiatives: tuple[InitiativeFact, ...] = ()
    par_rank: int | None = None
    par_category: str = "commune"
    par_event_id: str | None = None


@dataclass(frozen=True)
class Condition:
    label: str
    met: bool
    evidence: tuple[str, ...] = ()
    why: str = ""
    """Why it is met or not, in words a commune secretary understands (which initiative, which year)."""
    rule: str = ""
    """The rule that will refuse the proposal (its `rule` in the 422), for the rules beside the merits."""
    field: str = ""
    """The field that rule names (its `field` in the 422), so a form can show it beside that input."""


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    conditions: tuple[Condition, ...]
    rule: str = field(default="")

    def explain(self) -> list[dict[str, object]]:
        return [{"condition": c.label, "met": c.met, "evidence": list(c.evidence), "why": c.why,
                 **({"rule": c.rule} if c.rule else {}), **({"field": c.field} if c.field else {})}
                for c in self.conditions]


def _belongs(fact: InitiativeFact, recipient: Recipient, commune_id: str) -> bool:
    if recipient.kind == "individual":
        return recipient.recipient_id in fact.author_ids
    return recipient.recipient_id in (fact.unit_id, commune_id)


def _initiatives(facts: Facts, recipient: Recipient, *, replicable: bool = False, effective: bool = False,
                 years: tuple[int, int] | None = None) -> list[InitiativeFact]:
    return [f for f in facts.initiatives if (f.recognised or f.city_recognised)
            and _belongs(f, recipient, facts.commune_id)
            and (f.replicable or f.city_recognised or not replicable)
            and (f.effective or f.city_recognised or not effective)
            and (years is None or years[0] <= f.campaign_year <= years[1])]


def _evidence(items: list[InitiativeFact]) -> tuple[str, ...]:
    return tuple(e for f in items for e in f.event_ids)


def _achieved(basis: Basis, *kinds: str, years: tuple[int, int] | None = None) -> list[int | None]:
    return [a.year for a in basis.achievements if a.kind in kinds and a.description.strip()
            and (years is None or (a.year is not None and years[0] <= a.year <= years[1]))]


ACHIEVEMENT_VI = {"advisory": "tham mưu xuất sắc", "responsibility": "tinh thần trách nhiệm cao",
                  "outstanding_year": "năm xuất sắc", "direct_reform_work": "trực tiếp làm công tác CCHC",
                  "movement_leader": "dẫn đầu phong trào", "other": "thành tích khác"}


def _not_counted(fact: InitiativeFact, recipient: Recipient, commune_id: str, replicable: bool, effective: bool,
                 years: tuple[int, int] | None) -> str:
    """Why one initiative of the basis does not count for this condition."""
    recognised = fact.recognised or fact.city_recognised
    reasons = [
        (not recognised, "chưa được công nhận"),
        (not _belongs(fact, recipient, commune_id),
         "người nhận không phải tác giả" if recipient.kind == "individual" else "không phải của tập thể này"),
        (recognised and replicable and not (fact.replicable or fact.city_recognised),
         "không được đánh giá có khả năng nhân rộng"),
        (recognised and effective and not (fact.effective or fact.city_recognised),
         "chưa được đánh giá áp dụng hiệu quả"),
        (years is not None and not years[0] <= fact.campaign_year <= years[1],
         f"thuộc năm {fact.campaign_year}, ngoài giai đoạn {years[0]}–{years[1]}" if years else ""),
    ]
    return f"«{fact.title}»: " + ", ".join(text for broken, text in reasons if broken)


def _by_initiatives(label: str, facts: Facts, recipient: Recipient, *, replicable: bool = False,
                    effective: bool = False, years: tuple[int, int] | None = None, at_least: int = 1) -> Condition:
    """A condition met by the basis's initiatives, with which ones count, or why they do not."""
    items = _initiatives(facts, recipient, replicable=replicable, effective=effective, years=years)
    others = [f for f in facts.initiatives if f not in items]
    met = len(items) >= at_least
    counted = "; ".join(f"sáng kiến «{f.title}» (năm {f.campaign_year}) đã được công nhận"
                        + (f", được {f.adoptions} xã/phường khác áp dụng" if f.adoptions else "") for f in items)
    if met:
        why = f"Đạt nhờ {counted}"
    elif not facts.initiatives:
        why = "Chưa chọn sáng kiến nào làm căn cứ"
    else:
        short = f"mới có {len(items)} sáng kiến được tính ({counted}), cần ít nhất {at_least}; " if items else ""
        why = "Chưa đạt: " + short + "; ".join(
            _not_counted(f, recipient, facts.commune_id, replicable, effective, years) for f in others)
    return Condition(label, met, _evidence(items), why.rstrip("; "))


def _by_achievement(label: str, basis: Basis, *kinds: str) -> Condition:
    found = [a for a in basis.achievements if a.kind in kinds and a.description.strip()]
    if found:
        why = "Đạt: " + "; ".join(f"{ACHIEVEMENT_VI[a.kind]}: {a.description}" for a in found)
    else:
        why = "Chưa mô tả thành tích " + " hoặc ".join(ACHIEVEMENT_VI[k] for k in kinds)
    return Condition(label, bool(found), (), why)


def _by_years(label: str, years: set[int], period: tuple[int, int], needed: int = 3) -> Condition:
    listed = ", ".join(str(y) for y in sorted(years)) or "chưa có năm nào"
    verdict = "Đạt" if len(years) >= needed else "Chưa đạt"
    return Condition(label, len(years) >= needed, (),
                     f"{verdict}: {len(years)} năm ({listed}); cần ít nhất {needed} năm của giai đoạn "
                     f"{period[0]}–{period[1]}")


def _by_par_rank(facts: Facts) -> Condition:
    top = PAR_TOP.get(facts.par_category, 5)
    rank = facts.par_rank
    ranked = rank is not None and rank <= top
    if rank is None:
        why = "Chưa đạt: chưa có xếp hạng Chỉ số CCHC của năm này cho đơn vị"
    else:
        why = f"{'Đạt' if ranked else 'Chưa đạt'}: hạng {rank}, {'trong' if ranked else 'ngoài'} nhóm {top} đứng đầu"
    return Condition(f"Và xếp hạng Chỉ số CCHC trong nhóm {top} đứng đầu"
                     + (f" (hạng {rank})" if rank else " (chưa có xếp hạng)"),
                     ranked, (facts.par_event_id,) if facts.par_event_id else (), why)


def assess(form: AwardForm, recipient: Recipient, basis: Basis, facts: Facts) -> Eligibility:
    """The conditions of seed 004 for this form and recipient, each met or not, and why."""
    if form.kind == "adhoc":
        return _adhoc(recipient, basis, facts)
    if form.kind == "period":
        return _period(form, recipient, basis, facts)
    if form.level == "city" and recipient.kind == "collective":
        conditions = (
            _by_initiatives("Có sáng kiến được công nhận và có khả năng nhân rộng (hoặc được thành phố công nhận)",
                            facts, recipient, replicable=True),
            _by_par_rank(facts),
        )
        return Eligibility(all(c.met for c in conditions), conditions)
    if recipient.kind == "collective":
        c = _by_initiatives("Có sáng kiến được công nhận, áp dụng hiệu quả", facts, recipient, effective=True)
        return Eligibility(c.met, (c,))
    conditions = (
        _by_initiatives("Là tác giả sáng kiến được công nhận, áp dụng", facts, recipient),
        _by_achievement("Hoặc có thành tích tham mưu xuất sắc / tinh thần trách nhiệm cao", basis,
                        "advisory", "responsibility"),
    )
    return Eligibility(any(c.met for c in conditions), conditions)


def _adhoc(recipient: Recipient, basis: Basis, facts: Facts) -> Eligibility:
    label = "Thành tích đột xuất: sáng kiến được công nhận hoặc thành tích được mô tả"
    by_initiative = _by_initiatives(label, facts, recipient)
    by_deed = _by_achievement(label, basis, "advisory", "responsibility", "outstanding_year", "other")
    chosen = by_initiative if by_initiative.met or not by_deed.met else by_deed
    why = chosen.why if chosen.met else f"{by_initiative.why}; {by_deed.why[0].lower()}{by_deed.why[1:]}"
    c = Condition(label, by_initiative.met or by_deed.met, by_initiative.evidence, why)
    return Eligibility(c.met, (c,))


def _period(form: AwardForm, recipient: Recipient, basis: Basis, facts: Facts) -> Eligibility:
    assert form.period is not None
    period = form.period
    if recipient.kind == "collective":
        conditions: tuple[Condition, ...] = (
            _by_initiatives("Có ít nhất 2 sáng kiến được công nhận, áp dụng và nhân rộng trong giai đoạn", facts,
                            recipient, replicable=True, years=period, at_least=2),
            _by_years("Hoặc xuất sắc ít nhất 3 năm của giai đoạn",
                      {y for y in _achieved(basis, "outstanding_year", years=period) if y is not None}, period),
            _by_achievement("Hoặc dẫn đầu phong trào", basis, "movement_leader"),
        )
        return Eligibility(any(c.met for c in conditions), conditions)
    years = {y for y in _achieved(basis, "direct_reform_work", years=period) if y is not None}
    years |= {f.campaign_year for f in _initiatives(facts, recipient, years=period)}
    by_initiative = _by_initiatives("Và có sáng kiến hoặc thành tích tham mưu, trách nhiệm", facts, recipient,
                                    replicable=True, years=period)
    by_deed = _by_achievement(by_initiative.label, basis, "advisory", "responsibility")
    achievement = by_initiative if by_initiative.met or not by_deed.met else by_deed
    conditions = (
        _by_years("Trực tiếp làm công tác cải cách hành chính ít nhất 3 năm của giai đoạn", years, period),
        Condition(achievement.label, by_initiative.met or by_deed.met, by_initiative.evidence,
                  achievement.why if achievement.met else f"{by_initiative.why}; {by_deed.why}"),
    )
    return Eligibility(all(c.met for c in conditions), conditions)
