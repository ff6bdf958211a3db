"""The evaluation service's copy of submitted initiatives, as a pure function of events."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_evaluation.application.board import Board
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor
from reform_shared.events import AuthorRef, InitiativeContent, InitiativeSubmitted, UnitRef
from reform_shared.projection import Upsert
from reform_shared.store import StoredEvent

pytestmark = pytest.mark.domain


def test_a_submitted_initiative_awaits_evaluation_with_its_authors_and_unit() -> None:
    payload = InitiativeSubmitted(
        initiative_id="i-1", campaign_id="cchc-2026",
        content=InitiativeContent(
            title="Một cửa điện tử", unit=UnitRef(unit_id="vh-xh", name="Phòng VH-XH"), author_kind="individual",
            authors=(AuthorRef(user_id="lan", name="Nguyễn Thị Lan"), AuthorRef(name="Khách mời")),
            field="c", summary="Tóm tắt",
        ),
    )
    envelope = make_envelope(payload, commune_id="ninh-giang", version=1, actor=Actor(user_id="lan",
                             commune_id="ninh-giang"), occurred_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
                             correlation_id="c")
    (write,) = Board().apply(StoredEvent(envelope, 7, "s"))
    assert isinstance(write.op, Upsert) and write.op.key == "ninh-giang:i-1"
    doc = write.op.set
    # conflicts of interest (issue 4) need the authors who have accounts and the unit
    assert doc["author_user_ids"] == ["lan"] and doc["unit_id"] == "vh-xh"
    assert doc["withdrawn"] is False and doc["title"] == "Một cửa điện tử"
