"""The reporting register as a pure function of events, and Vietnamese folding."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_reporting.application.register import InitiativeRegister
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor
from reform_shared.events import InitiativeContent, InitiativeSubmitted, UnitRef
from reform_shared.store import StoredEvent
from reform_shared.text import fold

pytestmark = pytest.mark.domain


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Cải cách hành chính", "cai cach hanh chinh"), ("ĐỔI MỚI  Đột phá", "doi moi dot pha"),
     ("Cải cách", "cai cach")],
)
def test_folding_ignores_case_diacritics_and_normalisation(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_decomposed_and_composed_vietnamese_fold_alike() -> None:
    import unicodedata

    assert fold(unicodedata.normalize("NFD", "Thủ tục")) == fold("Thủ tục") == "thu tuc"


def test_a_submission_upserts_the_initiative_keyed_by_commune_and_counts_it() -> None:
    payload = InitiativeSubmitted(
        initiative_id="i-9", campaign_id="cchc-2026",
        content=InitiativeContent(title="Tra cứu hồ sơ qua Zalo", unit=UnitRef(unit_id="vp", name="Văn phòng"),
                                  author_kind="collective", field="c", summary="Tóm tắt"),
    )
    actor = Actor(user_id="u1", commune_id="an-lao")
    envelope = make_envelope(payload, commune_id="an-lao", version=1, actor=actor,
                             occurred_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC), correlation_id="c")

    writes = InitiativeRegister().apply(StoredEvent(envelope, 42, "s"))

    assert [w.collection for w in writes] == ["initiatives", "campaigns"]
    initiative, campaign = (w.op._doc for w in writes)  # type: ignore[union-attr]
    assert writes[0].op._filter == {"_id": "an-lao:i-9"}  # type: ignore[union-attr]
    assert initiative["$set"]["title_folded"] == "tra cuu ho so qua zalo"
    assert initiative["$set"]["last_event_seq"] == 42
    assert campaign["$inc"] == {"submitted": 1, "submitted_by_field.c": 1}
