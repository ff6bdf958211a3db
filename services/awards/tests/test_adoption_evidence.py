"""Replication in the eligibility evidence: an initiative the council did not judge replicable, once another
commune adopted it (the city's catalogue entry shows the adoption), counts as a recognised, replicable
initiative for the Bằng khen, the catalogue entry among its evidence and the adoption in the why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reform_awards.domain.catalogue import FORMS
from reform_awards.domain.eligibility import Facts, assess
from reform_awards.domain.sources import initiative_fact
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import (
    AuthorRef,
    Basis,
    InitiativeContent,
    InitiativeRecognized,
    Recipient,
    ScoreResult,
    UnitRef,
)
from reform_shared.events.replication import CatalogueAdoption, CatalogueEntryPublished

pytestmark = pytest.mark.domain

VN = dt.timezone(dt.timedelta(hours=7))
C = "ninh-giang"
NOT_REPLICABLE = ScoreResult(mean_total=70, median_total=70, spread=4, scored=3, eligible=3,
                             criterion_means={"novelty": 8, "effectiveness": 7, "replicability": 4},
                             conditions={"novelty": True, "effectiveness": True})
CONTENT = InitiativeContent(title="Một cửa điện tử", unit=UnitRef(unit_id="vp", name="VP"), author_kind="individual",
                            authors=(AuthorRef(user_id="lan", name="Lan"),), field="c", summary="Tóm tắt")


def _env(payload: EventPayload, commune: str = C) -> Any:
    return make_envelope(payload, commune_id=commune, version=1, correlation_id="c", occurred_at=dt.datetime(
        2026, 11, 20, tzinfo=VN), actor=Actor(user_id="u", commune_id=commune))


def entry(*adopters: str) -> CatalogueEntryPublished:
    adoptions = tuple(CatalogueAdoption(adoption_id=f"{C}--i-1", commune_id=a, unit=UnitRef(unit_id="u", name="U"),
                                        since=dt.date(2026, 11, 1)) for a in adopters)
    return CatalogueEntryPublished(entry_id=f"{C}--i-1", revision=2 + len(adopters), origin_commune_id=C,
                                   initiative_id="i-1", title=CONTENT.title, unit=CONTENT.unit, field="c",
                                   recognition_number="15/QĐ-UBND", adoptions=adoptions)


def test_an_initiative_adopted_by_another_commune_counts_as_replicable_with_the_entry_as_evidence() -> None:
    recognised = _env(InitiativeRecognized(initiative_id="i-1", campaign_id="cchc-2026", result=NOT_REPLICABLE))
    form, recipient = FORMS["bang-khen-tp"], Recipient(kind="collective", recipient_id=C, name="UBND xã")
    basis = Basis(initiative_ids=("i-1",), par_year=2026)

    listed = _env(entry(), "city")  # in the catalogue, adopted by nobody yet
    alone = initiative_fact("i-1", CONTENT, 2026, ("ev-submitted",), [recognised], (), [listed])
    assert (alone.replicable, alone.adoptions) == (False, 0)
    assert not assess(form, recipient, basis, Facts(C, (alone,), 2, "commune", "ev-par")).eligible

    adopted = _env(entry("an-lao"), "city")
    fact = initiative_fact("i-1", CONTENT, 2026, ("ev-submitted",), [recognised], (), [listed, adopted])
    assert (fact.replicable, fact.adoptions) == (True, 1)
    found = assess(form, recipient, basis, Facts(C, (fact,), 2, "commune", "ev-par"))
    assert found.eligible
    replicable = found.explain()[0]
    assert adopted.event_id in replicable["evidence"] and "1 xã/phường khác áp dụng" in str(replicable["why"])
