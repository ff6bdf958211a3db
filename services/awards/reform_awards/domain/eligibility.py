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


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    conditions: tuple[Condition, ...]
    rule: str = field(default="")

    def explain(self) -> list[dict[str, object]]:
        return [{"condition": c.label, "met": c.met, "evidence": list(c.evidence)} for c in self.conditions]


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


def assess(form: AwardForm, recipient: Recipient, basis: Basis, facts: Facts) -> Eligibility:
    """The conditions of seed 004 for this form and recipient, each met or not."""
    kind = recipient.kind
    if form.kind == "adhoc":
        initiatives = _initiatives(facts, recipient)
        achieved = _achieved(basis, "advisory", "responsibility", "outstanding_year", "other")
        c = Condition("Thành tích đột xuất: sáng kiến được công nhận hoặc thành tích được mô tả",
                      bool(initiatives or achieved), _evidence(initiatives))
        return Eligibility(c.met, (c,))
    if form.kind == "period":
        assert form.period is not None
        initiatives = _initiatives(facts, recipient, replicable=True, years=form.period)
        if kind == "collective":
            years = set(_achieved(basis, "outstanding_year", years=form.period))
            conditions: tuple[Condition, ...] = (
                Condition("Có ít nhất 2 sáng kiến được công nhận, áp dụng và nhân rộng trong giai đoạn",
                          len(initiatives) >= 2, _evidence(initiatives)),
                Condition("Hoặc xuất sắc ít nhất 3 năm của giai đoạn", len(years) >= 3),
                Condition("Hoặc dẫn đầu phong trào", bool(_achieved(basis, "movement_leader"))),
            )
            return Eligibility(any(c.met for c in conditions), conditions)
        years = set(_achieved(basis, "direct_reform_work", years=form.period))
        years |= {f.campaign_year for f in _initiatives(facts, recipient, years=form.period)}
        achievement = bool(initiatives or _achieved(basis, "advisory", "responsibility"))
        conditions = (
            Condition("Trực tiếp làm công tác cải cách hành chính ít nhất 3 năm của giai đoạn", len(years) >= 3),
            Condition("Và có sáng kiến hoặc thành tích tham mưu, trách nhiệm", achievement, _evidence(initiatives)),
        )
        return Eligibility(all(c.met for c in conditions), conditions)
    if form.level == "city" and kind == "collective":
        initiatives = _initiatives(facts, recipient, replicable=True)
        top = PAR_TOP.get(facts.par_category, 5)
        ranked = facts.par_rank is not None and facts.par_rank <= top
        conditions = (
            Condition("Có sáng kiến được công nhận và có khả năng nhân rộng (hoặc được thành phố công nhận)",
                      bool(initiatives), _evidence(initiatives)),
            Condition(f"Và xếp hạng Chỉ số CCHC trong nhóm {top} đứng đầu"
                      + (f" (hạng {facts.par_rank})" if facts.par_rank else " (chưa có xếp hạng)"),
                      ranked, (facts.par_event_id,) if facts.par_event_id else ()),
        )
        return Eligibility(all(c.met for c in conditions), conditions)
    if kind == "collective":
        initiatives = _initiatives(facts, recipient, effective=True)
        c = Condition("Có sáng kiến được công nhận, áp dụng hiệu quả", bool(initiatives), _evidence(initiatives))
        return Eligibility(c.met, (c,))
    initiatives = _initiatives(facts, recipient)
    conditions = (
        Condition("Là tác giả sáng kiến được công nhận, áp dụng", bool(initiatives), _evidence(initiatives)),
        Condition("Hoặc có thành tích tham mưu xuất sắc / tinh thần trách nhiệm cao",
                  bool(_achieved(basis, "advisory", "responsibility"))),
    )
    return Eligibility(any(c.met for c in conditions), conditions)
