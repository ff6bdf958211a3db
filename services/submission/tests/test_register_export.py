"""The dossier register as files for a spreadsheet: real CSV (UTF-8 with a BOM) and XLSX, Vietnamese headers."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openpyxl
import pytest

from reform_shared.ids import FixedClock
from reform_shared.settings import Settings
from reform_submission.bootstrap import build_app, build_runtime

pytestmark = pytest.mark.service
VN = dt.timezone(dt.timedelta(hours=7))
BASE = "/api/v1/communes/ninh-giang"
CAMPAIGN = {"campaign_id": "cchc-2026", "year": 2026, "title": "CCHC 2026", "fields": ["a", "c", "g"],
            "submission_opens_at": "2026-09-01T08:00:00+07:00", "submission_closes_at": "2026-09-25T17:00:00+07:00"}
INITIATIVE = {"title": "Số hóa hồ sơ một cửa", "unit": {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
              "author_kind": "individual", "authors": [{"user_id": "user-1", "name": "Nguyễn Văn An"}],
              "field": "g", "summary": "Quét và lưu hồ sơ điện tử ngay khi tiếp nhận."}


class Api:
    def __init__(self, http: httpx.AsyncClient, token_for: Any) -> None:
        self.http, self.token_for = http, token_for

    def auth(self, roles: list[str], **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(roles, **kw)}"}


@pytest.fixture
async def api(settings: Settings, js: Any, token_for: Any) -> AsyncIterator[Api]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "submission"}))
    app = build_app(runtime, FixedClock(dt.datetime(2026, 9, 10, 9, 0, tzinfo=VN)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                                   base_url="http://t") as http:
        api = Api(http, token_for)
        assert (await http.post(f"{BASE}/campaigns", json=CAMPAIGN, headers=api.auth(["secretary"]))).status_code == 201
        yield api


async def submitted_id(api: Api, body: dict[str, Any] | None = None) -> None:
    answer = await api.http.post(f"{BASE}/campaigns/cchc-2026/initiatives", json=body or INITIATIVE,
                                 headers=api.auth(["submitter"]))
    assert answer.status_code == 201, answer.text


async def wait_listed(api: Api, expected: int) -> None:
    for _ in range(750):
        listed = await api.http.get(f"{BASE}/initiatives", headers=api.auth(["secretary"]))
        if listed.json()["total"] == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {expected} dossiers listed")


async def test_the_register_exports_as_csv_and_xlsx_with_vietnamese_headers(api: Api) -> None:
    await submitted_id(api)
    await submitted_id(api, {**INITIATIVE, "title": "=Cải cách thủ tục cấp phép", "field": "c"})
    await wait_listed(api, 2)
    secretary = api.auth(["secretary"])

    csv_file = await api.http.get(f"{BASE}/initiatives", params={"format": "csv"}, headers=secretary)
    assert csv_file.status_code == 200, csv_file.text
    assert csv_file.headers["content-type"].startswith("text/csv")
    assert 'filename="so-ho-so-sang-kien-ninh-giang.csv"' in csv_file.headers["content-disposition"]
    assert csv_file.content.startswith(b"\xef\xbb\xbf"), "a BOM, so that Excel reads the diacritics"
    lines = csv_file.content.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Mã hồ sơ,Đợt phát động,Tên sáng kiến,Lĩnh vực,Đơn vị")
    assert any("Số hóa hồ sơ một cửa" in line and "Nguyễn Văn An" in line and "Đã nộp" in line for line in lines)
    assert any(",'=Cải cách" in line for line in lines), "a leading '=' is never a formula"

    xlsx = await api.http.get(f"{BASE}/initiatives", params={"format": "xlsx", "field": "g"}, headers=secretary)
    assert xlsx.status_code == 200 and 'filename="so-ho-so-sang-kien-ninh-giang.xlsx"' in xlsx.headers[
        "content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("Mã hồ sơ", "Đợt phát động", "Tên sáng kiến")
    assert [r[2] for r in rows[2:]] == ["Số hóa hồ sơ một cửa"], "the filter holds in the export"
    assert rows[2][3] == "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số" and rows[2][8] == "Đã nộp"


async def test_the_register_export_is_staff_only(api: Api) -> None:
    outsider = api.auth(["secretary"], commune="an-lao")
    answer = await api.http.get(f"{BASE}/initiatives", params={"format": "csv"}, headers=outsider)
    assert answer.status_code == 403
