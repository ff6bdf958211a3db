"""The demo directory: the units and people of a demo commune (seed 000's xã Ninh Giang by default), with the
same ids its initiatives and council use, and one person for every role of the system.

Loaded through the directory service's HTTP API as a secretary would: the units one by one, then the
officials as a spreadsheet import (CSV), all effective from 1 January so the heads are heads when the
council scores. A second load changes nothing (existing units answer 409, an unchanged import 422).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zlib
from typing import Any

import httpx

from reform_node.demo import SECRETARY_ID, DemoCommune, bearer, token
from reform_shared.settings import Settings

KINDS = {"vp-hdnd-ubnd": "van_phong", "vh-xh": "phong", "kinh-te": "phong", "tt-phvhcc": "trung_tam"}
HEADER = ["Mã cán bộ", "Họ và tên", "Chức vụ", "Loại", "Đơn vị", "Email", "Điện thoại", "Vai trò", "Trưởng đơn vị"]
OPERATOR = ("van-hanh", "Ngô Quang Vinh", "Viên chức công nghệ thông tin", "Viên chức", "tt-phvhcc")
ADMINISTRATOR = ("quan-tri", "Lê Thị Quỳnh", "Công chức Văn phòng – Thống kê", "Công chức", "vp-hdnd-ubnd")
DEMO_ACCOUNTS: dict[str, str] = {
    "secretary": SECRETARY_ID, "submitter": "nguyen-thi-lan", "unit_head": "do-minh", "council_member": "hoang-thu",
    "council_chair": "vu-van-nam", "chairman": "chu-tich-ubnd", "operator": "van-hanh", "administrator": "quan-tri",
}
"""One person per role in Ninh Giang's directory (the unit head by appointment, not by a role)."""


def people(demo: DemoCommune) -> list[list[str]]:
    """The officials' rows: the council, the authors, the chairman, the village head, an operator and an
    administrator; roles as the demo's tokens give them."""
    units = [u["unit_id"] for u in demo.units]
    village = units[-1]
    rows: dict[str, list[str]] = {}

    def add(official_id: str, name: str, position: str, unit: str, roles: list[str], head: bool = False,
            category: str = "Công chức") -> None:
        row = rows.setdefault(official_id, [official_id, name, position, category, unit, "", "", "", ""])
        row[7] = ", ".join(dict.fromkeys([*filter(None, row[7].split(", ")), *roles]))
        row[8] = "x" if head or row[8] else ""
        if not row[5]:
            row[5] = f"{official_id}@{demo.commune_id}.gov.vn"
            row[6] = f"09{zlib.crc32(official_id.encode()) % 10**8:08d}"

    add(demo.chairman["user_id"], demo.chairman["name"], "Chủ tịch UBND xã", "vp-hdnd-ubnd", ["chairman"],
        category="Cán bộ")
    for member in demo.council["members"]:
        role = {"chair": "council_chair", "secretary": "secretary"}.get(member.get("role", ""), "council_member")
        roles = ["secretary", "council_member"] if role == "secretary" else [role]
        position = {"council_chair": "Phó Chủ tịch UBND xã", "secretary": "Chuyên viên Phòng Văn hóa – Xã hội"}.get(
            role, "Trưởng phòng" if member.get("heads_unit") else "Chuyên viên")
        add(member["user_id"], member["name"], position, member.get("unit_id") or "vp-hdnd-ubnd", roles,
            head=bool(member.get("heads_unit")), category="Cán bộ" if role == "council_chair" else "Công chức")
    for initiative in demo.initiatives:
        for author in initiative["authors"]:
            add(author["user_id"], author["name"], author.get("position", ""), author["unit_id"], ["submitter"])
    add(f"truong-{village}", "Nguyễn Văn Tâm", f"Trưởng {demo.units[-1]['name']}", village, ["submitter"],
        head=True, category="Người lao động")
    add(*OPERATOR[:3], OPERATOR[4], ["operator"], category=OPERATOR[3])
    add(*ADMINISTRATOR[:3], ADMINISTRATOR[4], ["administrator"], category=ADMINISTRATOR[3])
    return list(rows.values())


def officials_csv(demo: DemoCommune) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(people(demo))
    return buffer.getvalue().encode("utf-8-sig")


def load_directory(settings: Settings, directory_url: str, demo: DemoCommune, now: dt.datetime) -> dict[str, Any]:
    """Add the demo commune's units, then import its officials; returns what was loaded."""
    effective = dt.date(now.year, 1, 1).isoformat()
    secretary = bearer(token(settings, SECRETARY_ID, demo.secretary_name, ["secretary"], commune=demo.commune_id))
    base = f"{directory_url}/api/v1/communes/{demo.commune_id}/directory"
    added = 0
    with httpx.Client(timeout=10) as http:
        for unit in demo.units:
            body = {"unit_id": unit["unit_id"], "name": unit["name"], "effective": effective,
                    "kind": KINDS.get(unit["unit_id"], "thon")}
            response = http.post(f"{base}/units", json=body,
                                 headers={**secretary, "Idempotency-Key": f"demo-unit-{unit['unit_id']}"})
            if response.status_code != 409:
                response.raise_for_status()
                added += response.headers.get("Idempotent-Replayed") != "true"
        imported = http.post(f"{base}/import", headers={**secretary, "Idempotency-Key": "demo-directory"},
                             files={"file": ("danh-ba-demo.csv", officials_csv(demo), "text/csv")},
                             data={"effective": effective})
        unchanged = imported.status_code == 422 and imported.json()["error"].get("rule") == "no_change"
        if not unchanged:
            imported.raise_for_status()
    return {"units_added": added, "imported": not unchanged}
