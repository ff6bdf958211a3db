"""The reporting API on a real stream: as-of reports against a hand-computed expectation, the city
view, the workflow trace, open data, access and bad input."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reform_reporting.bootstrap import build_app, build_runtime
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import (
    AuthorRef,
    AwardGranted,
    AwardProposed,
    Basis,
    CampaignLaunched,
    CouncilConstituted,
    CouncilMember,
    Criterion,
    InitiativeContent,
    InitiativeNotRecognized,
    InitiativeRecognized,
    InitiativeSubmitted,
    InitiativeWithdrawn,
    Nominated,
    Recipient,
    RecognitionDecisionSigned,
    Rubric,
    ScoreRecorded,
    ScoreResult,
    UnitRef,
)
from reform_shared.ids import FixedClock
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore

pytestmark = pytest.mark.service
VN = dt.timezone(dt.timedelta(hours=7))
RESULT = ScoreResult(mean_total=75, median_total=75, spread=5, scored=3, eligible=3, criterion_means={},
                     conditions={})


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, 0, tzinfo=VN)


class Log:
    """Appends other services' events with chosen times, as the commune lived them."""

    def __init__(self, store: JetStreamEventStore) -> None:
        self.store = store
        self.versions: dict[tuple[str, str, str], int] = {}

    async def add(self, commune: str, payload: EventPayload, when: dt.datetime) -> None:
        key = (commune, payload.aggregate_type, payload.aggregate_id())
        history = await self.store.load(*key)
        envelope = make_envelope(payload, commune_id=commune, version=history.version + 1, occurred_at=when,
                                 actor=Actor(user_id="u", commune_id=commune), correlation_id=f"corr-{key[2]}")
        await self.store.append(history, [envelope])


def initiative(iid: str, unit: str, field: str, author: str = "lan") -> InitiativeSubmitted:
    return InitiativeSubmitted(initiative_id=iid, campaign_id="cchc-2026", content=InitiativeContent(
        title=f"Sáng kiến {iid}", unit=UnitRef(unit_id=unit, name=f"Đơn vị {unit}"), author_kind="individual",
        authors=(AuthorRef(user_id=author, name="Nguyễn Thị Lan"),), field=field, summary="Tóm tắt"))


async def story(log: Log) -> None:
    """Ninh Giang's 2026, by hand. Hand-computed figures are in the tests below."""
    c = "ninh-giang"
    await log.add(c, CampaignLaunched(
        campaign_id="cchc-2026", year=2026, title="CCHC 2026", commune_name="xã Ninh Giang", fields=("a", "c", "g"),
        submission_opens_at=at(7, 1), submission_closes_at=dt.datetime(2026, 9, 25, 17, tzinfo=VN),
        expected_units=(UnitRef(unit_id="vp", name="Văn phòng"), UnitRef(unit_id="kt", name="Phòng Kinh tế"),
                        UnitRef(unit_id="thon", name="Thôn Đông"))), at(7, 1))
    await log.add(c, CouncilConstituted(
        campaign_id="cchc-2026", decision_number="210/QĐ-UBND", decision_date=dt.date(2026, 9, 20),
        members=tuple(CouncilMember(user_id=m, name=m, role="chair" if m == "m" else "member") for m in "mnp"),
        rubric=Rubric(criteria=(Criterion(code="novelty", label="Tính mới", weight=100, max_points=10),),
                      required_conditions=("novelty",))), at(9, 20))
    await log.add(c, initiative("i1", "vp", "c"), at(7, 10))
    await log.add(c, initiative("i2", "vp", "g"), at(8, 5))
    await log.add(c, initiative("i3", "kt", "c"), at(9, 1))
    await log.add(c, initiative("i4", "kt", "a"), at(9, 2))
    await log.add(c, InitiativeWithdrawn(initiative_id="i4", campaign_id="cchc-2026"), at(9, 3))
    for iid in ("i1", "i2", "i3"):
        await log.add(c, ScoreRecorded(scoresheet_id=f"s-{iid}", initiative_id=iid, campaign_id="cchc-2026",
                                       member_id="m", points={}), at(9, 27))
    await log.add(c, InitiativeRecognized(initiative_id="i1", campaign_id="cchc-2026", result=RESULT), at(9, 28))
    await log.add(c, InitiativeRecognized(initiative_id="i3", campaign_id="cchc-2026", result=RESULT), at(9, 28))
    await log.add(c, InitiativeNotRecognized(initiative_id="i2", campaign_id="cchc-2026", result=RESULT,
                                             reasons=("x",)), at(9, 28))
    await log.add(c, RecognitionDecisionSigned(campaign_id="cchc-2026", decision_number="150/QĐ-UBND",
                                               decision_date=dt.date(2026, 9, 29), signer="Chủ tịch",
                                               initiative_ids=("i3",)), at(9, 29))
    await log.add(c, Nominated(slate_id="2026", initiative_id="i1", campaign_id="cchc-2026", year=2026,
                               title="Sáng kiến i1", summary="", field="c"), at(9, 29))
    lan = Recipient(kind="individual", recipient_id="lan", name="Nguyễn Thị Lan")
    await log.add(c, AwardProposed(award_id="a1", year=2026, form="giay-khen-xa", recipient=lan,
                                   basis=Basis(initiative_ids=("i1",))), at(10, 5))
    await log.add(c, AwardGranted(award_id="a1", year=2026, form="giay-khen-xa", recipient=lan,
                                  decision_number="125/QĐ-UBND", decision_date=dt.date(2026, 11, 15),
                                  signer="Chủ tịch"),
                  at(11, 15))
    other = "an-lao"
    await log.add(other, CampaignLaunched(campaign_id="cchc-2026", year=2026, title="CCHC 2026", fields=("c",),
                                          commune_name="xã An Lão", submission_opens_at=at(7, 1),
                                          submission_closes_at=at(9, 25)), at(7, 1))
    await log.add(other, initiative("j1", "vp", "c", author="tam"), at(8, 1))


class Reports:
    def __init__(self, http: httpx.AsyncClient, token_for: Any) -> None:
        self.http, self.token_for = http, token_for

    def as_(self, *roles: str, commune: str = "ninh-giang") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(list(roles), commune=commune)}"}

    async def get(self, url: str, **params: Any) -> httpx.Response:
        return await self.http.get(url, params=params, headers=self.as_("secretary"))


@pytest.fixture
async def reports(settings: Settings, js, token_for) -> AsyncIterator[Reports]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "reporting"}))
    app = build_app(runtime, FixedClock(dt.datetime(2026, 11, 21, 9, 0, tzinfo=VN)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://r") as http:
        assert runtime.store is not None
        await story(Log(runtime.store))
        runner = runtime.runner("pipeline")
        last = (await js.stream_info(settings.stream_name)).state.last_seq
        for _ in range(400):
            if (await runner.status())["last_applied_sequence"] >= last:
                break
            await asyncio.sleep(0.025)
        yield Reports(http, token_for)


FUNNEL = ("submitted", "scored", "recognised", "nominated", "awarded")


def funnel(body: dict[str, Any]) -> tuple[int, ...]:
    return tuple(body["total"][k] for k in FUNNEL)


async def test_the_annual_report_matches_the_hand_computed_figures(reports: Reports) -> None:
    body = (await reports.get("/api/v1/communes/ninh-giang/reports/2026")).json()
    # i1, i2, i3 active (i4 withdrawn); all scored; i1, i3 recognised; i1 nominated; i1 grounds a granted award
    assert funnel(body) == (3, 3, 2, 1, 1)
    assert {r["key"]: r["submitted"] for r in body["by_field"]} == {"c": 2, "g": 1}
    assert {r["key"]: r["recognised"] for r in body["by_unit"]} == {"vp": 1, "kt": 1}
    assert [u["unit_id"] for u in body["units_without_initiatives"]] == ["thon"]
    assert (body["withdrawn"], body["on_time"], body["late"]) == (1, 3, 0)
    assert body["awards_granted"] == {"giay-khen-xa": 1}
    assert body["council_progress"] == [{"campaign_id": "cchc-2026", "members": 3, "initiatives": 3,
                                         "with_a_sheet": 3, "sheets": 3, "finalised": 3}]


async def test_an_as_of_report_replays_the_log_to_that_moment_and_is_reproducible(reports: Reports) -> None:
    url = "/api/v1/communes/ninh-giang/reports/2026"
    before_council = "2026-09-26T00:00:00+07:00"  # submissions done, nothing scored yet
    early = (await reports.get(url, as_of=before_council)).json()
    assert early["source"] == "event log replay"
    assert funnel(early) == (3, 0, 0, 0, 0)
    after_council = (await reports.get(url, as_of="2026-09-30T00:00:00+07:00")).json()
    assert funnel(after_council) == (3, 3, 2, 1, 0)  # the award came in November
    assert after_council["council_progress"][0]["sheets"] == 3 and early["council_progress"][0]["sheets"] == 0
    assert (await reports.get(url, as_of=before_council)).json() == early
    q3 = (await reports.get(url, quarter=3, as_of="2026-08-31T23:59:00+07:00")).json()
    assert q3["period"]["label"] == "Quý III năm 2026" and funnel(q3) == (2, 0, 0, 0, 0)


async def test_impossible_periods_future_dates_and_unknown_communes_are_refused(reports: Reports) -> None:
    url = "/api/v1/communes/ninh-giang/reports/2026"
    future = await reports.get(url, as_of="2027-01-01T00:00:00+07:00")
    assert future.status_code == 422 and future.json()["error"]["rule"] == "as_of_not_in_future"
    quarter = await reports.get(url, quarter=5)
    assert quarter.status_code == 422 and quarter.json()["error"]["field"] == "quarter"
    naive = await reports.get(url, as_of="2026-09-30T00:00:00")
    assert naive.status_code == 422
    not_started = await reports.get("/api/v1/communes/ninh-giang/reports/2027")
    assert not_started.status_code == 422 and not_started.json()["error"]["rule"] == "period_started"
    unknown = await reports.http.get("/api/v1/communes/khong-co/reports/2026",
                                     headers=reports.as_("secretary", commune="khong-co"))
    assert unknown.status_code == 404


async def test_the_city_sees_every_commune_side_by_side_and_communes_only_their_own(reports: Reports) -> None:
    city = (await reports.http.get("/api/v1/city/2026", headers=reports.as_("city_officer", commune="city"))).json()
    assert [(r["commune_id"], r["rank"], r["recognised"]) for r in city["communes"]] == [
        ("ninh-giang", 1, 2), ("an-lao", 2, 0)]
    assert city["totals"]["submitted"] == 4 and city["communes"][0]["nominated"] == 1
    assert (await reports.get("/api/v1/city/2026")).status_code == 403
    foreign = await reports.http.get("/api/v1/communes/an-lao/reports/2026", headers=reports.as_("secretary"))
    assert foreign.status_code == 403


async def test_the_workflow_trace_orders_events_across_services_with_stage_times(reports: Reports) -> None:
    trace = (await reports.http.get("/api/v1/communes/ninh-giang/initiatives/i1/trace",
                                    headers=reports.as_("operator"))).json()
    assert [e["event_type"] for e in trace["events"]] == [
        "InitiativeSubmitted", "ScoreRecorded", "InitiativeRecognized", "Nominated", "AwardProposed", "AwardGranted"]
    assert [e["service"] for e in trace["events"]] == [
        "submission", "evaluation", "evaluation", "evaluation", "awards", "awards"]
    assert all(e["correlation_id"] and e["actor"]["user_id"] == "u" for e in trace["events"])
    first = trace["stages"][0]
    assert first["stage"] == "Nộp hồ sơ" and first["seconds"] == (at(9, 27) - at(7, 10)).total_seconds()


async def test_open_data_is_public_and_holds_published_records_only(reports: Reports) -> None:
    url = "/api/v1/communes/ninh-giang/open-data/2026"
    answer = await reports.http.get(url)  # no token: open data is public
    assert answer.status_code == 200, answer.text
    rows = answer.json()
    # i1 nominated and awarded, i3 recognised by the signed decision; i2 not recognised, i4 withdrawn: unpublished
    assert {r["initiative_id"] for r in rows} == {"i1", "i3"}
    signed = next(r for r in rows if r["initiative_id"] == "i3")
    assert signed["recognised"] is True and signed["decision_number"] == "150/QĐ-UBND"
    text = str(rows)
    assert "Nguyễn Thị Lan" not in text and "lan" not in [v for r in rows for v in r.values()]
    assert set(rows[0]) >= {"title", "field", "unit", "recognised", "awarded"}
    assert not {"authors", "actor", "events", "sheets", "mean_total"} & set(rows[0])
    csv_export = await reports.http.get(url, params={"format": "csv"})
    assert csv_export.content.decode("utf-8-sig").splitlines()[0].startswith("commune_id,initiative_id")


async def test_reports_print_as_docx_and_xlsx_and_charts_draw_as_svg(reports: Reports) -> None:
    import io
    import xml.etree.ElementTree as ET

    import docx
    import openpyxl

    url = "/api/v1/communes/ninh-giang/reports/2026"
    printed = await reports.get(url, format="docx", as_of="2026-09-30T00:00:00+07:00")
    assert printed.status_code == 200, printed.text
    document = docx.Document(io.BytesIO(printed.content))
    text = "\n".join([p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows
                                                              for c in r.cells])
    assert "BÁO CÁO" in text and "Năm 2026" in text and "Thôn Đông" in text
    sheet = openpyxl.load_workbook(io.BytesIO((await reports.get(url, format="xlsx")).content))
    assert "Tong hop" in sheet.sheetnames
    for name in ("funnel", "fields", "units", "years"):
        svg = await reports.get(f"/api/v1/communes/ninh-giang/charts/{name}.svg", year=2026)
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        ET.fromstring(svg.text)
    root = ET.fromstring((await reports.get("/api/v1/communes/ninh-giang/charts/funnel.svg", year=2026)).text)
    labels = [el.text.strip() for el in root.iter() if el.tag.endswith("text") and el.text]
    assert any(label.startswith("3") for label in labels), labels  # 3 submitted, written beside the bar
    assert any(label.startswith("2") for label in labels), labels  # 2 recognised


async def test_a_chart_as_of_a_past_moment_draws_the_figures_of_that_moment(reports: Reports) -> None:
    import xml.etree.ElementTree as ET

    url = "/api/v1/communes/ninh-giang/charts/funnel.svg"
    early = await reports.get(url, year=2026, as_of="2026-09-26T00:00:00+07:00")  # submitted, nothing scored
    assert early.status_code == 200, early.text
    labels = [el.text.strip() for el in ET.fromstring(early.text).iter() if el.tag.endswith("text") and el.text]
    assert any(label.startswith("3") for label in labels), labels
    assert not any(label.startswith("2") for label in labels), labels  # none recognised yet
    naive = await reports.get(url, year=2026, as_of="2026-09-26T00:00:00")
    assert naive.status_code == 422 and naive.json()["error"]["rule"] == "timezone_aware"


async def test_the_audit_of_any_aggregate_says_who_what_when_and_which_trace(reports: Reports) -> None:
    base = "/api/v1/communes/ninh-giang/audit"
    award = (await reports.get(f"{base}/award/a1")).json()
    assert [e["what"]["event_type"] for e in award["events"]] == ["AwardProposed", "AwardGranted"]
    granted = award["events"][1]
    assert granted["who"]["user_id"] == "u" and granted["when"].startswith("2026-11-15")
    assert granted["what"]["facts"]["decision_number"] == "125/QĐ-UBND" and "trace_id" in granted["trace"]
    assert granted["correlation_id"] == "corr-a1" and "causation_id" in granted
    for kind, key, first in (("campaign", "cchc-2026", "CampaignLaunched"), ("council", "cchc-2026",
                             "CouncilConstituted"), ("slate", "2026", "Nominated")):
        answer = await reports.http.get(f"{base}/{kind}/{key}", headers=reports.as_("operator"))
        assert answer.status_code == 200 and answer.json()["events"][0]["what"]["event_type"] == first
    refusals = [(await reports.http.get(f"{base}/award/a1", headers=reports.as_("submitter"))).json(),
                (await reports.http.get(f"{base}/award/a1", headers=reports.as_("secretary", commune="an-lao"))).json(),
                (await reports.get(f"{base}/bogus/a1")).json(), (await reports.get(f"{base}/award/khong-co")).json()]
    assert [r["error"]["rule"] for r in refusals] == [
        "role_required", "same_commune_only", "known_aggregate_type", "known_aggregate"]
