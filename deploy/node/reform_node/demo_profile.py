"""The demo commune's profile (issue 22): its name and level, its secretariat and number suffixes, the usual
deadlines of seed 000 (submissions by 25/9, recognition and nomination by 30/9), and its chairman — for Ninh
Giang the signer of seed 000, Nguyễn Thị Huê — so the demo's decisions, certificates and reports carry names.

Recorded through the directory service's profile API, as the commune's administrator would; a restart (or a
second load) changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from reform_node.demo import DemoCommune, bearer, token
from reform_shared.settings import Settings

LEVELS = {"xã": "xa", "phường": "phuong", "đặc khu": "dac_khu"}
DEADLINES = {"submission_deadline": "09-25", "evaluation_deadline": "09-28", "recognition_deadline": "09-30",
             "nomination_deadline": "09-30"}
SINCE = dt.date(2025, 7, 1)
"""The demo profile holds from the commune's creation in the 2025 reorganisation (1 July 2025)."""


def profile_body(demo: DemoCommune) -> dict[str, Any]:
    """ "xã Ninh Giang" -> level xa, name Ninh Giang."""
    level = next((code for label, code in LEVELS.items() if demo.commune_name.startswith(f"{label} ")), "xa")
    name = demo.commune_name.split(" ", 1)[1] if level == "xa" and demo.commune_name.startswith("xã ") \
        else demo.commune_name.removeprefix("phường ").removeprefix("đặc khu ")
    return {"effective": SINCE.isoformat(), "name": name, "level": level,
            "address": f"Trụ sở UBND {demo.commune_name}, thành phố Hải Phòng", "secretariat": "Phòng Văn hóa - Xã hội",
            "decision_suffix": "QĐ-UBND", "letter_suffix": "UBND-VHXH", "deadlines": DEADLINES}


def load_profile(settings: Settings, directory_url: str, demo: DemoCommune) -> bool:
    """Set the demo commune's profile and chairman; False when they were already there."""
    admin = bearer(token(settings, "demo-administrator", "Quản trị viên", ["administrator"], commune=demo.commune_id))
    base = f"{directory_url}/api/v1/communes/{demo.commune_id}/profile"
    chairman = {"effective": SINCE.isoformat(), "signer_id": demo.chairman["user_id"],
                "full_name": demo.chairman["name"], "role": "chairman"}
    changed = False
    with httpx.Client(timeout=10, headers=admin) as http:
        for method, url, body, key in (("PUT", base, profile_body(demo), "demo-profile"),
                                       ("POST", f"{base}/signers", chairman, "demo-chairman")):
            answer = http.request(method, url, json=body, headers={"Idempotency-Key": key})
            if answer.status_code == 422 and answer.json()["error"].get("rule") == "no_change":
                continue
            answer.raise_for_status()
            changed = changed or answer.headers.get("Idempotent-Replayed") != "true"
    return changed
