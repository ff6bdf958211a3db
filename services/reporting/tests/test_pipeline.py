"""The reporting fold as pure functions: event -> updates, documents -> report figures."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import pytest

from reform_reporting.domain.pipeline import PIPELINE, service_of, updates
from reform_reporting.domain.summary import Period, summarise
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import InitiativeContent, InitiativeSubmitted, UnitRef
from reform_shared.text import fold

pytestmark = pytest.mark.domain
VN = dt.timezone(dt.timedelta(hours=7))


@pytest.mark.parametrize(("text", "folded"), [("Cải cách hành chính", "cai cach hanh chinh"),
                                              ("ĐỔI MỚI  Đột phá", "doi moi dot pha")])
def test_folding_ignores_case_diacritics_and_spacing(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert fold(unicodedata.normalize("NFD", text)) == folded


def envelope(payload: EventPayload, at: dt.datetime) -> Any:
    return make_envelope(payload, commune_id="an-lao", version=1, actor=Actor(user_id="u1", commune_id="an-lao"),
                         occurred_at=at, correlation_id="c")


def test_a_submission_sets_the_initiative_and_appends_its_trace_in_one_write() -> None:
    payload = InitiativeSubmitted(initiative_id="i-9", campaign_id="cchc-2026", content=InitiativeContent(
        title="Tra cứu hồ sơ qua Zalo", unit=UnitRef(unit_id="vp", name="Văn phòng"), author_kind="collective",
        field="c", summary="Tóm tắt"))
    ((collection, key, fields, entry),) = updates(envelope(payload, dt.datetime(2026, 5, 1, tzinfo=VN)), 42)
    assert (collection, key) == (PIPELINE, "an-lao:i-9")
    assert fields["title_folded"] == "tra cuu ho so qua zalo" and fields["status"] == "submitted"
    assert entry is not None and entry["service"] == "submission" and entry["stream_seq"] == 42


def test_events_are_attributed_to_the_service_that_owns_them() -> None:
    assert [service_of(t) for t in ("InitiativeSubmitted", "ScoreRecorded", "InitiativeRecognized", "Nominated",
                                     "AwardGranted")] == ["submission", "evaluation", "evaluation", "evaluation",
                                                          "awards"]


def doc(initiative_id: str, unit: str, field: str, submitted: dt.datetime, **stage: Any) -> dict[str, Any]:
    return {"initiative_id": initiative_id, "campaign_id": "k", "unit_id": unit, "unit_name": unit.upper(),
            "field": field, "submitted_at": submitted, "last_submitted_at": stage.pop("last", submitted),
            "status": stage.pop("status", "submitted"), **stage}


def test_a_quarterly_report_counts_what_was_submitted_in_the_quarter_and_how_far_it_got() -> None:
    july, august, may = (dt.datetime(2026, m, 10, 9, tzinfo=VN) for m in (7, 8, 5))
    late = dt.datetime(2026, 10, 2, 9, tzinfo=VN)
    pipeline = [
        doc("a", "u1", "c", july, scored=True, recognised=True, nominated=True),
        doc("b", "u1", "g", july, scored=True, recognised=False, was_returned=True, last=late),
        doc("c", "u2", "c", august, scored=True, recognised=True),
        doc("d", "u2", "c", august, status="withdrawn"),
        doc("e", "u3", "a", may, scored=True),  # second quarter: outside Q3
    ]
    campaigns = [{"campaign_id": "k", "year": 2026, "closes_at": dt.datetime(2026, 9, 25, 17, tzinfo=VN),
                  "expected_units": [{"unit_id": u, "name": u.upper()} for u in ("u1", "u2", "u3", "u4")]}]
    awards = [{"form": "giay-khen-xa", "status": "granted", "initiative_ids": ["a"],
               "granted_at": dt.datetime(2026, 9, 28, tzinfo=VN)}]

    figures = summarise(pipeline, campaigns, awards, Period(2026, 3))

    assert figures["period"] == {"label": "Quý III năm 2026", "start": "2026-07-01", "end": "2026-09-30"}
    assert {k: figures["total"][k] for k in ("submitted", "scored", "recognised", "nominated", "awarded")} == {
        "submitted": 3, "scored": 3, "recognised": 2, "nominated": 1, "awarded": 1}
    by_field = {row["key"]: row["submitted"] for row in figures["by_field"]}
    assert by_field == {"c": 2, "g": 1}
    assert [(u["unit_id"], u["name"]) for u in figures["units_without_initiatives"]] == [("u4", "U4")]
    assert (figures["on_time"], figures["late"], figures["returned"], figures["withdrawn"]) == (2, 1, 1, 1)
    assert figures["awards_granted"] == {"giay-khen-xa": 1}
    assert figures["by_year"] == [[2026, 4, 2]]


def test_periods_know_their_bounds() -> None:
    assert (Period(2026, 1).start, Period(2026, 1).end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert (Period(2026, 4).end, Period(2026).label) == (dt.date(2026, 12, 31), "Năm 2026")
