"""What the fuzz tier aims at: per service, how to build it, the data it starts with and the ids
worth steering generated path parameters to (random ids only ever reach a 404)."""

from __future__ import annotations

import atexit
import datetime as dt
import re
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from fastapi import FastAPI

from reform_awards import bootstrap as awards
from reform_directory import bootstrap as directory
from reform_evaluation import bootstrap as evaluation
from reform_identity import bootstrap as identity
from reform_identity.config import IdentityConfig
from reform_notifications import bootstrap as notifications
from reform_replication import bootstrap as replication
from reform_reporting import bootstrap as reporting
from reform_shared.envelope import TOKEN_PATTERN
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_submission import bootstrap as submission

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 9, 10, 9, 0, tzinfo=VN)
COMMUNE, CITY = "ninh-giang", "city"
COMMUNE_ROLES = ["submitter", "unit_head", "secretary", "council_member", "council_chair", "chairman", "operator",
                 "administrator"]
CITY_ROLES = ["city_officer", "city_council", "operator"]
BASE = f"/api/v1/communes/{COMMUNE}"

CAMPAIGN = {
    "campaign_id": "cchc-2026", "year": 2026, "title": "Phát động sáng kiến cải cách hành chính năm 2026",
    "fields": ["a", "c", "g"], "max_nominations": 2,
    "submission_opens_at": dt.datetime(2026, 9, 1, 8, 0, tzinfo=VN).isoformat(),
    "submission_closes_at": dt.datetime(2026, 9, 25, 17, 0, tzinfo=VN).isoformat(),
}
INITIATIVE = {
    "title": "Số hóa hồ sơ một cửa", "unit": {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
    "author_kind": "individual", "field": "g", "summary": "Quét và lưu hồ sơ điện tử ngay khi tiếp nhận.",
    "authors": [{"user_id": "tac-gia", "name": "Nguyễn Văn An", "position": "Công chức"}],
}


COUNCIL = {"decision_number": "210/QĐ-UBND", "decision_date": "2026-09-20", "members": [
    {"user_id": "fuzz-user", "name": "Người kiểm thử", "role": "chair"},
    {"user_id": "thu-ky", "name": "Phạm Thu Hà", "role": "secretary"},
    {"user_id": "lan", "name": "Nguyễn Thị Lan", "unit_id": "tt-phvhcc"}]}


def post(base_url: str, path: str, headers: dict[str, str], body: Any, wait: float = 0) -> dict[str, Any]:
    """POST, retried for up to `wait` seconds while what it needs is still being projected (404)."""
    deadline = time.monotonic() + wait
    while True:
        response = requests.post(base_url + path, json=body, headers=headers, timeout=30)
        if response.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert response.status_code < 300, response.text
    answer: dict[str, Any] = response.json()
    return answer


def seed_submission(base_url: str, headers: dict[str, str], known: dict[str, str]) -> dict[str, str]:
    """A campaign whose submission window is open (the clock is fixed inside it) and one initiative."""
    post(base_url, f"{BASE}/campaigns", headers, CAMPAIGN)
    initiative = post(base_url, f"{BASE}/campaigns/cchc-2026/initiatives", headers, INITIATIVE)
    return {"campaign_id": "cchc-2026", "initiative_id": initiative["id"]}


def seed_evaluation(base_url: str, headers: dict[str, str], known: dict[str, str]) -> dict[str, str]:
    """The campaign's council, the fuzzing account its chair."""
    post(base_url, f"{BASE}/campaigns/cchc-2026/council", headers, COUNCIL, wait=15)
    return {"member_id": "fuzz-user"}


def seed_nothing(base_url: str, headers: dict[str, str], known: dict[str, str]) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Target:
    build_runtime: Callable[[Settings], ServiceRuntime]
    build_app: Callable[..., FastAPI]
    seed: Callable[[str, dict[str, str], dict[str, str]], dict[str, str]] = seed_nothing
    """Posts the service's data, in TARGETS order (later ones may use earlier ones' `known` ids)."""

    def openapi(self, name: str) -> dict[str, Any]:
        """The document the app serves, built without servers (the runtime is never started)."""
        settings = Settings(environment="test", service_name=name)
        return self.build_app(self.build_runtime(settings)).openapi()


KEYS = Path(tempfile.mkdtemp(prefix="reform-fuzz-identity-"))
atexit.register(shutil.rmtree, KEYS, ignore_errors=True)  # a private key: not left behind in /tmp by each process
IDENTITY = IdentityConfig(key_file=KEYS / "signing-keys.json",
                          key_bits=2048, argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
"""Its keys in a temporary folder, and a cheap Argon2 (the tier measures the routes, not the hash)."""


def identity_app(runtime: ServiceRuntime, clock: Any = None) -> FastAPI:
    return identity.build_app(runtime, clock, IDENTITY)


TARGETS: dict[str, Target] = {
    "submission": Target(submission.build_runtime, submission.build_app, seed_submission),
    "evaluation": Target(evaluation.build_runtime, evaluation.build_app, seed_evaluation),
    "awards": Target(awards.build_runtime, awards.build_app),
    "reporting": Target(reporting.build_runtime, reporting.build_app),
    "directory": Target(directory.build_runtime, directory.build_app),
    "identity": Target(identity.build_runtime, identity_app),
    "notifications": Target(notifications.build_runtime, notifications.build_app),
    "replication": Target(replication.build_runtime, replication.build_app),
}


def steer(parameters: dict[str, Any], known: dict[str, str]) -> dict[str, Any]:
    """The path parameters to send: the token's commune wherever a commune is addressed (so role and
    commune checks pass and the handler runs) and, for about half the cases, a seeded id instead of a
    random one. Invalid values are left alone: they test validation. Deterministic (crc32, not hash)."""
    token = re.compile(TOKEN_PATTERN)
    steered = dict(parameters)
    for name, value in parameters.items():
        if not (isinstance(value, str) and token.match(value)):
            continue
        if name == "commune_id":
            steered[name] = COMMUNE
        elif name in known and zlib.crc32(value.encode()) % 2 == 0:
            steered[name] = known[name]
    return steered


def roles_for(path: str) -> tuple[list[str], str]:
    """City routes take a city account; every other route the commune's staff holding every role."""
    return (CITY_ROLES, CITY) if path.startswith("/api/v1/city") else (COMMUNE_ROLES, COMMUNE)
