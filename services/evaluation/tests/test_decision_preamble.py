"""The recognition decision's "Căn cứ …" preamble, read from the DOCX as a person reads it: the campaign's launch
document and the council's constituting decision, in the form of seed 000."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import replace

import docx
import httpx
import pytest

from reform_evaluation.bootstrap import build_app, build_runtime
from reform_evaluation.documents.council import CouncilRef, DecisionView, render_decision
from reform_evaluation.documents.council.bases import DocumentRef, document_kind
from reform_evaluation.domain.rubric import DEFAULT_RUBRIC
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventPayload
from reform_shared.events import CampaignLaunched, CouncilConstituted, CouncilMember, LegalBasis
from reform_shared.ids import FixedClock
from reform_shared.settings import Settings
from reform_shared.store import AggregateHistory

VN = dt.timezone(dt.timedelta(hours=7))
COUNCIL = CouncilRef("xã Ninh Giang", "Ninh Giang", "210/QĐ-UBND", dt.date(2026, 9, 20))
LAUNCH = DocumentRef("123/UBND-VHXH", dt.date(2026, 9, 5))
CAMPAIGN_LINE = ("Căn cứ Công văn số 123/UBND-VHXH ngày 05/09/2026 của Ủy ban nhân dân xã Ninh Giang về việc phát "
                 "động nghiên cứu, đề xuất sáng kiến cải cách hành chính năm 2026;")
COUNCIL_LINE = ("Căn cứ Quyết định số 210/QĐ-UBND ngày 20/09/2026 của Chủ tịch Ủy ban nhân dân xã Ninh Giang về "
                "việc thành lập Hội đồng đánh giá hiệu quả áp dụng và khả năng nhân rộng sáng kiến cải cách hành "
                "chính năm 2026;")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


@pytest.mark.domain
@pytest.mark.parametrize(("number", "kind"), [
    ("709/QĐ-UBND", "Quyết định"), ("45/2025/QĐ-UBND", "Quyết định"), ("12/KH-UBND", "Kế hoạch"),
    ("2345/UBND-NVKTGS", "Công văn"), ("88/TB-UBND", "Thông báo"), ("15", "văn bản"),
])
def test_a_documents_number_says_what_kind_of_document_it_is(number: str, kind: str) -> None:
    assert document_kind(number) == kind


@pytest.mark.domain
def test_the_preamble_cites_the_launch_document_then_the_council_before_the_proposal() -> None:
    view = DecisionView(council=COUNCIL, year=2026, signer="Nguyễn Thị Huê", initiatives=(), campaign_basis=LAUNCH,
                        legal_bases=("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025",))
    text = paragraphs(render_decision(view))
    start = text.index(nfc("CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ NINH GIANG")) + 1
    assert text[start:start + 3] == [nfc("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;"),
                                     nfc(CAMPAIGN_LINE), nfc(COUNCIL_LINE)]
    assert text[start + 3].startswith(nfc("Xét đề nghị của Hội đồng đánh giá sáng kiến"))
    assert text[start + 4] == "QUYẾT ĐỊNH:"


@pytest.mark.domain
def test_without_a_launch_document_the_council_is_still_cited_and_nothing_is_invented() -> None:
    text = paragraphs(render_decision(DecisionView(council=COUNCIL, year=2026, signer="", initiatives=())))
    bases = [line for line in text if line.startswith("Căn cứ")]
    assert bases == [nfc(COUNCIL_LINE)]


@pytest.mark.domain
def test_a_wards_preamble_names_the_ward() -> None:
    ward = replace(COUNCIL, commune_name="phường Gia Viên", place_name="Gia Viên")
    text = paragraphs(render_decision(DecisionView(council=ward, year=2026, signer="", initiatives=(),
                                                   campaign_basis=DocumentRef("7/KH-UBND", dt.date(2026, 3, 2)))))
    assert nfc("Căn cứ Kế hoạch số 7/KH-UBND ngày 02/03/2026 của Ủy ban nhân dân phường Gia Viên về việc phát động "
               "nghiên cứu, đề xuất sáng kiến cải cách hành chính năm 2026;") in text


@pytest.fixture
async def evaluation(settings: Settings, js, token_for) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "evaluation"}))
    app = build_app(runtime, FixedClock(dt.datetime(2026, 9, 26, 9, 0, tzinfo=VN)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://e") as http:
        store = runtime.store
        assert store is not None
        at = dt.datetime(2026, 9, 5, 8, 0, tzinfo=VN)
        actor = Actor(user_id="seed", commune_id="ninh-giang", roles=("secretary",))

        async def append(payload: EventPayload) -> None:
            envelope = make_envelope(payload, commune_id="ninh-giang", version=1, actor=actor, occurred_at=at,
                                     correlation_id="seed")
            await store.append(AggregateHistory("ninh-giang", payload.aggregate_type, payload.aggregate_id()),
                               [envelope])

        await append(CampaignLaunched(
            campaign_id="cchc-2026", year=2026, title="Sáng kiến CCHC năm 2026", commune_name="xã Ninh Giang",
            legal_basis=LegalBasis(document_number="123/UBND-VHXH", document_date=dt.date(2026, 9, 5)),
            fields=("c",), submission_opens_at=at, submission_closes_at=at + dt.timedelta(days=20)))
        await append(CouncilConstituted(
            campaign_id="cchc-2026", decision_number="210/QĐ-UBND", decision_date=dt.date(2026, 9, 20),
            members=(CouncilMember(user_id="chu-tich", name="Vũ Văn Nam", role="chair"),), rubric=DEFAULT_RUBRIC))
        yield http, {"Authorization": f"Bearer {token_for(['secretary'], subject='thu-ky')}"}


@pytest.mark.service
async def test_the_decision_from_the_record_cites_the_campaigns_legal_basis_and_the_council(
        evaluation: tuple[httpx.AsyncClient, dict[str, str]]) -> None:
    http, secretary = evaluation
    for _ in range(750):  # the council's board is a projection: it applies in the background
        answer = await http.get("/api/v1/communes/ninh-giang/campaigns/cchc-2026/decision.docx", headers=secretary)
        if answer.status_code != 404:
            break
        await asyncio.sleep(0.02)
    assert answer.status_code == 200, answer.text
    text = paragraphs(answer.content)
    assert [line for line in text if line.startswith("Căn cứ")] == [nfc(CAMPAIGN_LINE), nfc(COUNCIL_LINE)]
    assert not any("cchc-2026" in line or "ninh-giang" in line for line in text)
