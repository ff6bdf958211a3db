"""The directory API against a real nats-server and a real Mongo-wire server."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openpyxl
import pytest

from reform_directory.bootstrap import build_app, build_runtime
from reform_shared.ids import FixedClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings

pytestmark = pytest.mark.service

VN = dt.timezone(dt.timedelta(hours=7))
BASE = "/api/v1/communes/ninh-giang/directory"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNITS = [["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"], ["vh-xh", "Phòng Văn hóa – Xã hội", "Phòng"],
         ["kinh-te", "Phòng Kinh tế", "Phòng"]]
OFFICIALS = [["Mã cán bộ", "Họ và tên", "Đơn vị", "Email", "Điện thoại", "Vai trò", "Trưởng đơn vị"],
             ["do-minh", "Đỗ Minh", "vh-xh", "minh@ninhgiang.gov.vn", "0912345678", "Thành viên hội đồng", "x"],
             ["hoang-thu", "Hoàng Thị Thu", "Phòng Kinh tế", "", "", "", ""]]


class Api:
    def __init__(self, http: httpx.AsyncClient, runtime: ServiceRuntime, token_for: Any) -> None:
        self.http, self.runtime, self.token_for = http, runtime, token_for

    def as_(self, *roles: str, commune: str = "ninh-giang", user: str = "u") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(list(roles), commune=commune, subject=user)}"}

    async def events(self) -> int:
        assert self.runtime.js is not None
        return (await self.runtime.js.stream_info(self.runtime.settings.stream_name)).state.messages

    async def upload(self, data: bytes, name: str, dry_run: bool = False, key: str | None = None,
                     effective: str = "2026-03-01") -> httpx.Response:
        headers = self.as_("secretary") | ({"Idempotency-Key": key} if key else {})
        media = XLSX if name.endswith(".xlsx") else "text/csv"
        return await self.http.post(f"{BASE}/import", params={"dry_run": str(dry_run).lower()}, headers=headers,
                                    files={"file": (name, data, media)}, data={"effective": effective})

    async def eventually(self, path: str, check: Any, **params: Any) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for _ in range(500):
            response = await self.http.get(f"{BASE}{path}", params=params, headers=self.as_("secretary"))
            body = response.json()
            if response.status_code == 200 and check(body):
                return body
            await asyncio.sleep(0.02)
        raise AssertionError(body)


def workbook(units: list[list[str]], officials: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Đơn vị"
    for row in units:
        book.active.append(row)
    sheet = book.create_sheet("Cán bộ")
    for row in officials:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
async def api(settings: Settings, js, token_for) -> AsyncIterator[Api]:
    runtime = build_runtime(settings.model_copy(update={"service_name": "directory"}))
    app = build_app(runtime, FixedClock(dt.datetime(2026, 6, 1, 9, 0, tzinfo=VN)))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://d") as http:
        yield Api(http, runtime, token_for)


async def test_an_xlsx_import_previews_then_records_one_event_and_hides_contacts_from_a_submitter(api: Api) -> None:
    data = workbook(UNITS, OFFICIALS)
    preview = await api.upload(data, "danh-ba.xlsx", dry_run=True)
    assert preview.status_code == 200, preview.text
    assert preview.json()["officials_added"] == ["do-minh", "hoang-thu"] and await api.events() == 0
    done = await api.upload(data, "danh-ba.xlsx", key="imp-1")
    assert done.status_code == 201, done.text
    again = await api.upload(data, "danh-ba.xlsx", key="imp-1")
    assert again.headers.get("Idempotent-Replayed") == "true" and await api.events() == 1
    listed = await api.eventually("/officials", lambda b: b["count"] == 2)
    assert listed["items"][0]["email"] == "minh@ninhgiang.gov.vn"
    assert listed["items"][0]["effective_roles"] == ["council_member", "unit_head"]
    seen = (await api.http.get(f"{BASE}/officials/do-minh", headers=api.as_("submitter"))).json()
    assert seen["full_name"] == "Đỗ Minh" and "email" not in seen and "phone" not in seen
    assert all("email" not in f.get("record", {}) for f in seen["history"])
    tree = (await api.http.get(f"{BASE}/units", headers=api.as_("submitter"))).json()
    assert {u["unit_id"]: u["head_name"] for u in tree["units"]} == {"kinh-te": None, "vh-xh": "Đỗ Minh"}


async def test_a_bad_row_imports_nothing_and_every_bad_row_is_said(api: Api) -> None:
    bad = [*OFFICIALS, ["", "Lê Văn An", "Phòng Không Có", "an@", "", "", ""], ["", "", "vh-xh", "", "", "", ""]]
    refused = await api.upload(workbook(UNITS, bad), "danh-ba.xlsx")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["rule"] == "import_rows_valid" and error["message_vi"].startswith("Không nhập được")
    rows = {(r["row"], r["column"], r["rule"]) for r in error["details"]["rows"]}
    assert rows == {(4, "Đơn vị", "known_unit"), (4, "Email", "email_format"), (5, "Họ và tên", "required")}
    csv = ("Họ và tên;Đơn vị;Điện thoại\nĐỗ Minh;Phòng Văn hóa – Xã hội;0912 345 678\nLê Văn An;Thôn Đông;12\n")
    refused_csv = await api.upload(csv.encode("utf-8-sig"), "danh-ba.csv")
    assert refused_csv.status_code == 422 and [r["row"] for r in refused_csv.json()["error"]["details"]["rows"]] == [3]
    assert await api.events() == 0
    good_csv = await api.upload(csv.replace(";12", ";0225 3123 456").encode("utf-8-sig"), "danh-ba.csv")
    assert good_csv.status_code == 201, good_csv.text
    assert good_csv.json()["units_added"] == ["phong-van-hoa-xa-hoi", "thon-dong"]


async def test_head_history_on_dates_moves_and_departures(api: Api) -> None:
    secretary = api.as_("secretary")
    assert (await api.upload(workbook(UNITS, OFFICIALS), "danh-ba.xlsx")).status_code == 201
    moved = await api.http.post(f"{BASE}/officials/hoang-thu/move", headers=secretary,
                                json={"unit_id": "vh-xh", "effective": "2026-04-01"})
    assert moved.status_code == 200, moved.text
    appointed = await api.http.put(f"{BASE}/units/vh-xh/head", headers=secretary,
                                   json={"official_id": "hoang-thu", "effective": "2026-05-01"})
    assert appointed.status_code == 200, appointed.text
    left = await api.http.post(f"{BASE}/officials/hoang-thu/departure", headers=secretary,
                               json={"effective": "2026-09-01", "reason": "Chuyển công tác"})
    assert left.status_code == 200
    head = await api.eventually("/units/vh-xh/head", lambda b: b["terms"][-1]["until"] == "2026-08-31",
                                on="2026-04-30")  # the departure projected too
    assert head["official_id"] == "do-minh"
    assert [(t["official_id"], t["since"], t["until"]) for t in head["terms"]] == [
        ("do-minh", "2026-03-01", "2026-04-30"), ("hoang-thu", "2026-05-01", "2026-08-31")]
    later = (await api.http.get(f"{BASE}/units/vh-xh/head", params={"on": "2026-09-01"}, headers=secretary)).json()
    assert later["official_id"] is None
    found = (await api.http.get(f"{BASE}/lookup", params={"official_id": "hoang-thu", "on": "2026-06-01"},
                                headers=api.as_("council_member"))).json()
    assert found["official"]["active"] and found["official"]["effective_roles"] == ["unit_head"]


async def test_rules_answer_409_404_422_and_403(api: Api) -> None:
    secretary = api.as_("administrator")
    unit = {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội", "kind": "phong", "effective": "2026-01-01"}
    assert (await api.http.post(f"{BASE}/units", json=unit, headers=secretary)).status_code == 201
    again = await api.http.post(f"{BASE}/units", json=unit, headers=secretary)
    assert again.status_code == 409 and again.json()["error"]["rule"] == "unit_id_unique"
    orphan = await api.http.post(f"{BASE}/units", headers=secretary, json={**unit, "unit_id": "to", "parent_id": "x"})
    assert orphan.status_code == 404 and orphan.json()["error"]["rule"] == "known_unit"
    person = {"official_id": "lan", "full_name": "Nguyễn Thị Lan", "unit_id": "vh-xh", "roles": ["city_officer"]}
    city_role = await api.http.post(f"{BASE}/officials", json=person, headers=secretary)
    assert city_role.status_code == 422 and city_role.json()["error"]["rule"] == "city_roles_in_city_directory"
    bad_slug = await api.http.post(f"{BASE}/officials", json={**person, "official_id": "Lan", "roles": []},
                                   headers=secretary)
    assert bad_slug.status_code == 422
    assert (await api.http.post(f"{BASE}/units", json=unit, headers=api.as_("submitter"))).status_code == 403
    foreign = await api.http.get(f"{BASE}/units", headers=api.as_("secretary", commune="an-lao"))
    assert foreign.status_code == 403
    template = await api.http.get(f"{BASE}/import/template.xlsx", headers=api.as_("secretary"))
    sheets = openpyxl.load_workbook(io.BytesIO(template.content)).sheetnames
    assert template.status_code == 200 and sheets[:2] == ["Đơn vị", "Cán bộ"]
    huge = await api.upload(b"x" * (1024 * 1024 + 10), "danh-ba.csv")
    assert huge.status_code == 413


async def test_units_and_officials_export_as_csv_and_xlsx_and_contacts_only_for_who_sees_them(api: Api) -> None:
    assert (await api.upload(workbook(UNITS, OFFICIALS), "danh-ba.xlsx", key="imp-x")).status_code == 201
    await api.eventually("/officials", lambda b: b["count"] == 2)
    units = await api.http.get(f"{BASE}/units", params={"format": "csv"}, headers=api.as_("secretary"))
    assert units.status_code == 200 and units.content.startswith(b"\xef\xbb\xbf")
    lines = units.content.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Mã đơn vị,Tên đơn vị") and any("Phòng Văn hóa – Xã hội" in li for li in lines)
    book = await api.http.get(f"{BASE}/officials", params={"format": "xlsx"}, headers=api.as_("secretary"))
    assert book.status_code == 200 and book.headers["content-type"] == XLSX
    rows = list(openpyxl.load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("Mã cán bộ", "Họ và tên") and "Thư điện tử" in rows[1]
    assert {r[1] for r in rows[2:]} == {"Đỗ Minh", "Hoàng Thị Thu"}
    plain = await api.http.get(f"{BASE}/officials", params={"format": "csv"}, headers=api.as_("submitter"))
    text = plain.content.decode("utf-8-sig")
    assert "Đỗ Minh" in text and "minh@ninhgiang.gov.vn" not in text and "Thư điện tử" not in text


async def test_the_directorys_audit_names_who_imported_it_with_the_trace(api: Api) -> None:
    assert (await api.upload(workbook(UNITS, OFFICIALS), "danh-ba.xlsx", key="imp-a")).status_code == 201
    audit = await api.http.get("/api/v1/communes/ninh-giang/audit/directory/main", headers=api.as_("secretary"))
    assert audit.status_code == 200, audit.text
    (imported,) = audit.json()["events"]
    assert imported["what"]["event_type"] == "DirectoryImported" and imported["idempotency_key"]
    assert imported["who"] == {"user_id": "u", "name": "Nguyễn Văn An", "roles": ["secretary"]}
    assert imported["when"].startswith("2026-06-01") and imported["correlation_id"]
