"""The replication domain as pure functions: what the catalogue publishes (never authors), how it is searched
(without diacritics), the effect against the original, the city's view, and the evidence pack cut at a moment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reform_replication.domain.catalogue import entry_of, public_content, search, search_text
from reform_replication.domain.evidence import evidence
from reform_replication.domain.spread import change, effect, replication_view
from reform_shared.envelope import Actor, EventEnvelope, EventPayload
from reform_shared.events import CampaignLaunched, InitiativeSubmitted, RecognitionDecisionSigned
from reform_shared.events.replication import CatalogueEntryPublished, InitiativeAdopted
from reform_shared.events.submission import AuthorRef, Effectiveness, Indicator, InitiativeContent, UnitRef
from reform_shared.ids import new_id
from reform_shared.ports import StoredEvent
from reform_shared.text import fold

pytestmark = pytest.mark.domain

VN = dt.timezone(dt.timedelta(hours=7))
A, B = "ninh-giang", "an-lao"
CONTENT = InitiativeContent(
    title="Số hóa kết quả giải quyết thủ tục hành chính", unit=UnitRef(unit_id="pvhcc", name="Trung tâm PVHCC"),
    author_kind="individual", authors=(AuthorRef(user_id="lan", name="Nguyễn Thị Lan"),), field="c",
    summary="Số hóa hồ sơ", problem="Người dân chờ lâu khi tra cứu hồ sơ", solution="Kho dữ liệu số",
    effectiveness=Effectiveness(indicators=(Indicator(name="Thời gian tra cứu", unit="giờ", before=16, after=4),)))


def source(**changes: Any) -> dict[str, Any]:
    return {"_id": f"{A}--i1", "origin_commune_id": A, "initiative_id": "i1", "campaign_id": "cchc-2027",
            "content": public_content(CONTENT), "revision": 3, **changes}


def test_only_a_recognised_initiative_is_published_and_never_with_its_authors() -> None:
    assert entry_of(source()) is None  # submitted, scored perhaps, not recognised by a signed decision
    entry = entry_of(source(recognition_number="15/QĐ-UBND", recognition_date="2026-11-30"), 2027)
    assert entry is not None and (entry.year, entry.revision, entry.title) == (2027, 3, CONTENT.title)
    dumped = entry.model_dump(mode="json")
    assert "authors" not in dumped and "Nguyễn Thị Lan" not in str(dumped)
    assert entry.indicators[0].before == 16
    assert entry_of(source(city_recognised=True, city_year=2027)) is not None  # recognised at city level


def doc_of(entry: CatalogueEntryPublished) -> dict[str, Any]:
    return {**entry.model_dump(mode="json"), "search_text": search_text(entry), "problem_text": fold(entry.problem)}


def test_the_catalogue_is_searched_by_words_and_by_problem_without_diacritics() -> None:
    entry = entry_of(source(recognition_number="15/QĐ-UBND"), 2027)
    assert entry is not None
    docs = [doc_of(entry)]
    assert search(docs, "thu tuc") == docs  # "thủ tục"
    assert search(docs, "THỦ TỤC so hoa") == docs
    assert search(docs, "ho tich") == []
    assert search(docs, problem="cho lau tra cuu") == docs
    assert search(docs, problem="kho du lieu") == []  # the solution's words are not the problem's


def test_the_effect_is_measured_against_the_original() -> None:
    assert change(16, 4) == -75.0 and change(0, 4) is None and change(None, 4) is None
    (row,) = effect([{"name": "Thời gian tra cứu", "before": 16, "after": 4}],
                    [{"name": "thoi gian tra cuu", "before": 10, "after": 5}])
    assert (row["original_change_pct"], row["change_pct"], row["ratio"]) == (-75.0, -50.0, 0.67)


def test_the_citys_view_counts_adoptions_most_adopted_and_communes_adopting_nothing() -> None:
    adoption = {"adoption_id": f"{A}--i1", "commune_id": B, "unit": {"unit_id": "u", "name": "Một cửa"},
                "since": "2026-11-01", "measured_on": "2026-11-30",
                "indicators": [{"name": "Thời gian tra cứu", "before": 10, "after": 5}]}
    entries = [{"entry_id": f"{A}--i1", "title": "Số hóa", "origin_commune_id": A, "year": 2027,
                "indicators": [{"name": "Thời gian tra cứu", "before": 16, "after": 4}], "adoptions": [adoption]},
               {"entry_id": f"{B}--i9", "title": "Zalo", "origin_commune_id": B, "year": 2027, "adoptions": []}]
    view = replication_view(entries, [A, B, "tien-lang"])
    assert view["totals"] == {"initiatives": 2, "adoptions": 1, "with_results": 1, "communes": 3,
                              "communes_adopting": 1}
    assert [m["entry_id"] for m in view["most_adopted"]] == [f"{A}--i1"]
    assert view["communes_adopting_nothing"] == [A, "tien-lang"]
    by_commune = {c["commune_id"]: c for c in view["per_commune"]}
    assert (by_commune[A]["adoptions_received"], by_commune[B]["adoptions_made"]) == (1, 1)
    assert view["adoptions"][0]["effect"][0]["change_pct"] == -50.0


def stored(payload: EventPayload, commune: str, at: dt.datetime, seq: int) -> StoredEvent:
    envelope = EventEnvelope(
        event_id=new_id(), event_type=payload.event_type, schema_version=payload.schema_version, commune_id=commune,
        aggregate_type=payload.aggregate_type, aggregate_id=payload.aggregate_id(), aggregate_version=1,
        occurred_at=at, actor=Actor(user_id="u", commune_id=commune), correlation_id=new_id(), payload=payload)
    return StoredEvent(envelope=envelope, stream_seq=seq, subject="")


def test_the_evidence_pack_counts_the_events_up_to_the_moment_asked_only() -> None:
    t0 = dt.datetime(2026, 11, 1, tzinfo=VN)
    campaign = CampaignLaunched(campaign_id="cchc-2027", year=2027, title="Phát động", fields=("c",),
                                submission_opens_at=t0, submission_closes_at=t0 + dt.timedelta(days=30))
    events = [stored(campaign, A, t0, 1),
              stored(InitiativeSubmitted(initiative_id="i1", campaign_id="cchc-2027", content=CONTENT), A,
                     t0 + dt.timedelta(days=1), 2),
              stored(RecognitionDecisionSigned(campaign_id="cchc-2027", decision_number="15/QĐ-UBND",
                                               decision_date=dt.date(2026, 11, 30), signer="Chủ tịch",
                                               initiative_ids=("i1",)), A, t0 + dt.timedelta(days=29), 3),
              stored(InitiativeAdopted(adoption_id=f"{B}--i9", origin_commune_id=B, origin_initiative_id="i9",
                                       title="Zalo", unit=UnitRef(unit_id="u", name="Một cửa"), responsible="PCT",
                                       since=dt.date(2027, 1, 5), adaptation="Cho thôn"), A,
                     t0 + dt.timedelta(days=70), 4)]
    moment = t0 + dt.timedelta(days=10)
    figures, documents = evidence(A, 2027, [e.envelope for e in events if e.envelope.occurred_at <= moment])
    assert (figures["proposed"], figures["recognition_decisions"], figures["adoptions_made"]) == (1, [], [])
    assert figures["proposed_per_unit"] == {"Trung tâm PVHCC": 1}
    assert documents == []  # no recognised initiative yet, so no file of one
    later, _ = evidence(A, 2027, [e.envelope for e in events])
    assert later["recognition_decisions"][0]["decision_number"] == "15/QĐ-UBND"
    assert [a["adoption_id"] for a in later["adoptions_made"]] == [f"{B}--i9"]
    other, _ = evidence(B, 2027, [e.envelope for e in events])
    assert other["proposed"] == 0  # another commune's events count for nobody else
