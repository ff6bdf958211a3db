"""Demo data modelled on seed 000 (xã Ninh Giang, Hải Phòng): a campaign, units, initiatives.

Loaded through the services' HTTP APIs, as a secretary and officials would; skipped when the
campaign is already there, so restarting the node does not duplicate anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from reform_shared.auth.tokens import issue_token
from reform_shared.settings import Settings

COMMUNE = "ninh-giang"
UNITS = [
    {"unit_id": "vp-hdnd-ubnd", "name": "Văn phòng HĐND và UBND xã"},
    {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
    {"unit_id": "kinh-te", "name": "Phòng Kinh tế"},
    {"unit_id": "tt-phvhcc", "name": "Trung tâm Phục vụ hành chính công xã"},
    {"unit_id": "thon-dong", "name": "Thôn Đông"},
]

INITIATIVES: list[dict[str, Any]] = [
    {
        "title": "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Trung tâm Phục vụ hành chính công",
        "unit": UNITS[3],
        "author_kind": "individual",
        "authors": [
            {"user_id": "nguyen-thi-lan", "name": "Nguyễn Thị Lan",
             "position": "Công chức Tư pháp – Hộ tịch", "unit_id": "tt-phvhcc"}
        ],
        "field": "g",
        "summary": (
            "Quét và ký số toàn bộ hồ sơ tiếp nhận, trả kết quả điện tử để người dân "
            "không phải nộp lại giấy tờ."
        ),
        "problem": "Hồ sơ giấy lưu trữ phân tán, người dân phải nộp lại giấy tờ đã có.",
        "solution": "Số hóa ngay khi tiếp nhận, gắn mã hồ sơ, lưu kho dữ liệu dùng chung của xã.",
        "novelty": {"kind": "first_applied", "where": "Trung tâm Phục vụ hành chính công xã Ninh Giang",
                    "since": "2025-10-01", "description": "Áp dụng lần đầu tại xã."},
        "effectiveness": {
            "indicators": [{"name": "Thời gian tra cứu hồ sơ", "unit": "giờ", "before": 16, "after": 0.25}],
            "description": "Thời gian tra cứu hồ sơ giảm từ 2 ngày làm việc xuống 15 phút.",
        },
        "replication_scope": "Toàn bộ các xã, phường của thành phố.",
    },
    {
        "title": "Tra cứu tiến độ hồ sơ qua Zalo OA của UBND xã",
        "unit": UNITS[0],
        "author_kind": "individual",
        "authors": [{"user_id": "tran-van-hung", "name": "Trần Văn Hùng", "position": "Chuyên viên Văn phòng",
                     "unit_id": "vp-hdnd-ubnd"}],
        "field": "c",
        "summary": (
            "Người dân nhận thông báo và tra cứu tình trạng hồ sơ thủ tục hành chính qua Zalo, "
            "không cần đến trụ sở."
        ),
        "effectiveness": {"expected_benefit": "Giảm 40% lượt người dân đến hỏi tiến độ hồ sơ."},
    },
    {
        "title": "Bộ tiêu chí chấm điểm thi đua cải cách hành chính cho các thôn",
        "unit": UNITS[4],
        "author_kind": "collective",
        "authors": [],
        "field": "a",
        "summary": "Bộ tiêu chí chấm điểm hằng quý giúp các thôn tự đánh giá kết quả cải cách hành chính.",
    },
]


def token(
    settings: Settings,
    subject: str,
    name: str,
    roles: list[str],
    commune: str = COMMUNE,
    ttl: dt.timedelta = dt.timedelta(days=30),
    unit_id: str | None = None,
) -> str:
    return issue_token(
        settings.jwt_secret.get_secret_value(),
        subject=subject,
        name=name,
        commune_id=commune,
        roles=roles,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=ttl,
        unit_id=unit_id,
    )


def demo_campaign(now: dt.datetime) -> dict[str, Any]:
    """The seed-000 campaign, with its 25/9 deadline moved to the next one still ahead."""
    vietnam = dt.timezone(dt.timedelta(hours=7))
    year = now.year
    deadline = dt.datetime(year, 9, 25, 17, 0, tzinfo=vietnam)
    if deadline <= now:
        year += 1
        deadline = deadline.replace(year=year)
    return {
        "campaign_id": f"cchc-{year}",
        "year": year,
        "title": f"Phát động nghiên cứu, đề xuất sáng kiến cải cách hành chính có tính đột phá năm {year}",
        "commune_name": "xã Ninh Giang",
        "legal_basis": {"document_number": "709/QĐ-UBND", "document_date": "2025-07-31"},
        "fields": ["a", "b", "c", "d", "dd", "e", "g", "h"],
        "submission_opens_at": (now - dt.timedelta(days=1)).isoformat(),
        "submission_closes_at": deadline.isoformat(),
        "recognition_deadline": f"{year}-09-30",
        "nomination_deadline": f"{year}-09-30",
        "max_nominations": 2,
        "expected_units": UNITS,
    }


COUNCIL: dict[str, Any] = {
    "decision_number": "215/QĐ-UBND",
    "members": [
        {"user_id": "vu-van-nam", "name": "Vũ Văn Nam", "role": "chair"},
        {"user_id": "vhxh-thu-ky", "name": "Phạm Thu Hà", "role": "secretary", "unit_id": "vh-xh"},
        {"user_id": "do-minh", "name": "Đỗ Minh", "unit_id": "vh-xh", "heads_unit": True},
        {"user_id": "hoang-thu", "name": "Hoàng Thị Thu", "unit_id": "kinh-te"},
        {"user_id": "tran-van-hung", "name": "Trần Văn Hùng", "unit_id": "vp-hdnd-ubnd"},
    ],
}
"""The evaluation council (default rubric from the seeds); Trần Văn Hùng is conflicted on his own initiative."""


def load_demo(
    settings: Settings, submission_url: str, now: dt.datetime | None = None, evaluation_url: str | None = None
) -> dict[str, Any]:
    now = now or dt.datetime.now(dt.UTC)
    campaign = demo_campaign(now)
    secretary = {"Authorization": "Bearer " + token(settings, "vhxh-thu-ky", "Phạm Thu Hà", ["secretary"])}
    unit_heads = {unit["unit_id"]: token(settings, f"truong-{unit['unit_id']}", "Trưởng đơn vị", ["unit_head"],
                                         unit_id=unit["unit_id"]) for unit in UNITS}
    base = f"{submission_url}/api/v1/communes/{COMMUNE}"
    with httpx.Client(timeout=10) as http:
        existing = http.get(f"{base}/campaigns/{campaign['campaign_id']}", headers=secretary)
        if existing.status_code == 200:
            return {"campaign_id": campaign["campaign_id"], "loaded": False}
        response = http.post(f"{base}/campaigns", json=campaign, headers=secretary)
        response.raise_for_status()
        ids = []
        for index, initiative in enumerate(INITIATIVES):
            authors = initiative["authors"]
            bearer = (token(settings, authors[0]["user_id"], authors[0]["name"], ["submitter"]) if authors
                      else unit_heads[initiative["unit"]["unit_id"]])  # a collective initiative: the unit's head
            headers = {
                "Authorization": "Bearer " + bearer,
                "Idempotency-Key": f"demo-{campaign['campaign_id']}-{index}",
            }
            created = http.post(f"{base}/campaigns/{campaign['campaign_id']}/initiatives", json=initiative,
                                headers=headers)
            created.raise_for_status()
            ids.append(created.json()["id"])
        council = http.post(f"{evaluation_url}/api/v1/communes/{COMMUNE}/campaigns/{campaign['campaign_id']}/council",
                            json={**COUNCIL, "decision_date": now.date().isoformat()},
                            headers=secretary) if evaluation_url else None
        if council is not None:
            council.raise_for_status()
    return {"campaign_id": campaign["campaign_id"], "loaded": True, "initiatives": ids}
