"""The award rules as dated data: in force by date, for a year; refusals named in the eligibility."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_awards.domain import award as awards
from reform_awards.domain import rules
from reform_awards.domain.catalogue import FORMS
from reform_awards.domain.eligibility import Facts, InitiativeFact, assess
from reform_awards.domain.refusals import judged, refusals
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor
from reform_shared.errors import RuleViolation
from reform_shared.events import AwardFormRule, AwardProposed, AwardRulesSet, Basis, Recipient
from reform_shared.ids import VIETNAM

pytestmark = pytest.mark.domain

LAN = Recipient(kind="individual", recipient_id="lan", name="Nguyễn Thị Lan", unit_id="tt")
HUNG = Recipient(kind="individual", recipient_id="hung", name="Trần Văn Hùng", unit_id="tt")
FACTS = Facts("ng", (InitiativeFact("i-1", "Số hóa", "tt", ("lan",), 2026, True, True, True, ("ev-1",)),))
CITY = Actor(user_id="so-noi-vu", commune_id="city", roles=("city_officer",))


def defaults() -> list[AwardFormRule]:
    return [rules.rule_of_form(f) for f in FORMS.values()]


def changed(code: str, **update: object) -> list[AwardFormRule]:
    return [r.model_copy(update=update) if r.code == code else r for r in defaults()]


def rules_set(effective: dt.date, forms: list[AwardFormRule]) -> AwardRulesSet:
    return AwardRulesSet(effective_from=effective, forms=tuple(forms), reason="QĐ của UBND thành phố")


def envelopes(*sets: AwardRulesSet) -> list[rules.AwardRules]:
    at = dt.datetime(2026, 6, 1, tzinfo=VIETNAM)
    return rules.history([make_envelope(s, commune_id="city", version=i + 1, actor=CITY, occurred_at=at,
                                        correlation_id="c") for i, s in enumerate(sets)])


def test_the_defaults_are_todays_constants_round_trip() -> None:
    assert rules.in_force([], dt.date(2026, 11, 1)) is rules.DEFAULT_RULES
    assert {r.code: rules.form_of_rule(r) for r in defaults()} == FORMS


def test_a_proposal_is_judged_by_the_rules_in_force_for_its_year() -> None:
    sets = envelopes(rules_set(dt.date(2027, 1, 1), changed("giay-khen-xa", deadline_month=12, deadline_day=5)))
    today = dt.date(2027, 2, 1)
    assert rules.for_year(sets, 2026, today) is rules.DEFAULT_RULES
    assert rules.for_year(sets, 2027, today).forms["giay-khen-xa"].deadline == (12, 5, 0)
    assert rules.in_force(sets, dt.date(2026, 12, 31)) is rules.DEFAULT_RULES
    later = envelopes(*[rules_set(dt.date(2027, 1, 1), changed("giay-khen-xa", deadline_month=m, deadline_day=1))
                        for m in (12, 10)])
    assert rules.for_year(later, 2027, today).forms["giay-khen-xa"].deadline == (10, 1, 0)  # the last set wins


def test_the_eligibility_names_the_deadline_that_will_refuse() -> None:
    form = FORMS["giay-khen-xa"]
    proposed = AwardProposed(award_id="a", year=2026, form=form.code, recipient=LAN,
                             basis=Basis(initiative_ids=("i-1",)))
    merits = assess(form, LAN, proposed.basis, FACTS)
    assert merits.eligible
    late = dt.datetime(2026, 11, 21, 9, tzinfo=VIETNAM)
    result = judged(merits, refusals(form, proposed, {}, late, "ng"))
    assert not result.eligible
    refused = result.explain()[-1]
    assert refused["rule"] == "dossier_deadline" and "20/11/2026" in str(refused["why"])
    with pytest.raises(RuleViolation) as raised:
        awards.dated_for_the_form(form, proposed, late)
    assert raised.value.rule == refused["rule"]


def test_the_quota_the_city_sets_is_held_and_explained() -> None:
    form = rules.form_of_rule(changed("bang-khen-tp", quota={"individual": 2, "collective": 1})[1])
    first = AwardProposed(award_id="bktp2026-a", level="city", year=2026, form=form.code, recipient=HUNG)
    existing = awards.fold([first])
    second = first.model_copy(update={"award_id": "bktp2026-b", "recipient": LAN})
    now = dt.datetime(2027, 3, 1, tzinfo=VIETNAM)
    assert refusals(form, second, existing, now, "ng") == []
    awards.within_city_quota(form, existing, second)
    third = second.model_copy(update={"award_id": "bktp2026-c"})
    both = awards.fold([first, second])
    (refused,) = refusals(form, third, both, now, "ng")
    assert refused.rule == "city_quota" and "2 cá nhân" in refused.why
    assert refusals(form, second, both, now, "ng") == []  # a proposal never counts against itself


def test_a_form_the_city_closes_to_collectives_refuses_them() -> None:
    form = rules.form_of_rule(changed("giay-khen-xa", recipients=("individual",))[0])
    unit = Recipient(kind="collective", recipient_id="tt", name="Trung tâm")
    proposed = AwardProposed(award_id="a", year=2026, form=form.code, recipient=unit)
    (refused,) = refusals(form, proposed, {}, dt.datetime(2026, 11, 1, tzinfo=VIETNAM), "ng")
    assert refused.rule == "form_fits_recipient"


@pytest.mark.parametrize(("forms", "rule"), [
    (changed("giay-khen-xa", quota={"individual": -1}), "quota_by_kind"),
    (changed("giay-khen-xa", deadline_month=2, deadline_day=30), "real_day"),
    (changed("khen-giai-doan-2026-2030", period=None), "period_form_has_period"),
    (changed("giay-khen-xa", recipients=()), "form_has_recipients"),
    ([*defaults(), defaults()[0]], "form_listed_once"),
])
def test_rules_that_make_no_sense_are_refused(forms: list[AwardFormRule], rule: str) -> None:
    with pytest.raises(RuleViolation) as raised:
        rules.valid_rules(rules_set(dt.date(2027, 1, 1), forms))
    assert raised.value.rule == rule and raised.value.field
