"""The city's demo directory: its departments (the Home Affairs department and its emulation board, the city
People's Committee office), its officers and the city council's members, with one person per city role.

Loaded on the city node as a commune's is (units one by one, the people as a spreadsheet import), under the
commune id `city`: the city's roles (`city_officer`, `city_council`) belong to city accounts only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import httpx

from reform_node.demo import bearer, token
from reform_node.demo_directory import HEADER
from reform_shared.auth.tokens import CITY
from reform_shared.settings import Settings

CITY_UNITS: list[dict[str, Any]] = [
    {"unit_id": "vp-ubnd-tp", "name": "Văn phòng UBND thành phố", "kind": "van_phong"},
    {"unit_id": "so-noi-vu", "name": "Sở Nội vụ", "kind": "so"},
    {"unit_id": "ban-tdkt", "name": "Ban Thi đua – Khen thưởng", "kind": "ban", "parent_id": "so-noi-vu"},
]
CITY_PEOPLE: list[list[str]] = [
    # Mã cán bộ; Họ và tên; Chức vụ; Loại; Đơn vị; Email; Điện thoại; Vai trò; Trưởng đơn vị
    ["le-minh-tuan", "Lê Minh Tuấn", "Chuyên viên Sở Nội vụ", "Công chức", "so-noi-vu", "", "", "city_officer", ""],
    ["pham-thi-mai-anh", "Phạm Thị Mai Anh", "Giám đốc Sở Nội vụ", "Công chức", "so-noi-vu", "", "",
     "city_council", "x"],
    ["tran-quoc-khanh", "Trần Quốc Khánh", "Phó Chủ tịch UBND thành phố", "Cán bộ", "vp-ubnd-tp", "", "",
     "city_council", ""],
    ["nguyen-duc-long", "Nguyễn Đức Long", "Trưởng ban Thi đua – Khen thưởng", "Công chức", "ban-tdkt", "", "",
     "city_council", "x"],
    ["van-hanh-tp", "Đặng Thu Trang", "Viên chức công nghệ thông tin", "Viên chức", "vp-ubnd-tp", "", "",
     "operator", ""],
    ["quan-tri-tp", "Bùi Văn Hải", "Chuyên viên Văn phòng UBND thành phố", "Công chức", "vp-ubnd-tp", "", "",
     "administrator", ""],
]
CITY_ACCOUNTS: dict[str, str] = {"city_officer": "le-minh-tuan", "city_council": "pham-thi-mai-anh",
                                 "operator": "van-hanh-tp", "administrator": "quan-tri-tp"}
"""One person per city role (the first holder of each) — the accounts `make federation` prints for the city."""


def city_officials() -> list[tuple[str, str, list[str]]]:
    """(official id, full name, roles) of the city's demo people, `CITY_ACCOUNTS` first."""
    return [(row[0], row[1], row[7].split(", ")) for row in CITY_PEOPLE]


def city_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    for row in CITY_PEOPLE:
        official_id = row[0]
        writer.writerow([*row[:5], f"{official_id}@haiphong.gov.vn", "", *row[7:]])
    return buffer.getvalue().encode("utf-8-sig")


def load_city_directory(settings: Settings, directory_url: str, now: dt.datetime) -> dict[str, Any]:
    """Add the city's departments, then import its people (a second load changes nothing)."""
    effective = dt.date(now.year, 1, 1).isoformat()
    admin = bearer(token(settings, "demo-city-administrator", "Quản trị viên thành phố", ["administrator"],
                         commune=CITY))
    base = f"{directory_url}/api/v1/communes/{CITY}/directory"
    added = 0
    with httpx.Client(timeout=10) as http:
        for unit in CITY_UNITS:
            response = http.post(f"{base}/units", json={**unit, "effective": effective},
                                 headers={**admin, "Idempotency-Key": f"demo-city-unit-{unit['unit_id']}"})
            if response.status_code != 409:
                response.raise_for_status()
                added += response.headers.get("Idempotent-Replayed") != "true"
        imported = http.post(f"{base}/import", headers={**admin, "Idempotency-Key": "demo-city-directory"},
                             files={"file": ("danh-ba-thanh-pho.csv", city_csv(), "text/csv")},
                             data={"effective": effective})
        unchanged = imported.status_code == 422 and imported.json()["error"].get("rule") == "no_change"
        if not unchanged:
            imported.raise_for_status()
    return {"units_added": added, "imported": not unchanged}
