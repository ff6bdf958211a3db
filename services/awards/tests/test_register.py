"""The award register as a pure function of events."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_awards.application.register import AwardRegister
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor
from reform_shared.events import AwardGranted, AwardProposed
from reform_shared.events.awards import Recipient
from reform_shared.store import StoredEvent

pytestmark = pytest.mark.domain
ACTOR = Actor(user_id="chu-tich", commune_id="ninh-giang", roles=("chairman",))
RECIPIENT = Recipient(kind="collective", recipient_id="tt-phvhcc", name="Trung tâm Phục vụ hành chính công")


def stored(payload, version: int) -> StoredEvent:  # type: ignore[no-untyped-def]
    envelope = make_envelope(payload, commune_id="ninh-giang", version=version, actor=ACTOR,
                             occurred_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), correlation_id="c")
    return StoredEvent(envelope, version, "s")


def test_a_proposal_then_a_grant_leave_one_granted_award() -> None:
    projection = AwardRegister()
    proposed = projection.apply(stored(AwardProposed(award_id="a1", recipient=RECIPIENT, form="giay-khen",
                                                     year=2026, basis_initiative_ids=("i-1",)), 1))
    granted = projection.apply(stored(AwardGranted(award_id="a1", recipient=RECIPIENT, form="giay-khen", year=2026,
                                                   decision_number="125/QĐ-UBND",
                                                   decision_date=dt.date(2026, 11, 15), signer="Chủ tịch UBND xã"), 2))
    assert proposed[0].op._doc["$set"]["status"] == "proposed"  # type: ignore[union-attr]
    assert granted[0].op._doc["$set"]["status"] == "granted"  # type: ignore[union-attr]
    assert granted[0].op._doc["$set"]["decision_number"] == "125/QĐ-UBND"  # type: ignore[union-attr]
    assert proposed[0].op._filter == granted[0].op._filter == {"_id": "ninh-giang:a1"}  # type: ignore[union-attr]
