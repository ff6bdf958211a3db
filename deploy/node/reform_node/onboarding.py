"""A commune makes a node its own (issue 22): its id, official name and level, and its first administrator.

`reform-node run --no-demo` asks for them on its first start (or reads them from `--commune-file`), and
`reform-node add-commune` adds another commune to a running node (the city hosting small ones). Either way
the node, through the services' own APIs with a token of its secret (local access is the trust):

1. records the commune's profile (name and level; the administrator completes it in the portal),
2. registers the first administrator in the commune's directory (role `administrator`),
3. has the identity service make them a one-time password, printed once, to change at the first sign-in,

and keeps the communes it hosts in its data folder (`communes.json`), so a restart prints where each signs in.
The administrator then signs in to the portal, fills the profile (*Thông tin xã*), imports the directory
(*Danh bạ › Nhập từ bảng tính*) and launches the first campaign (*Quản lý đợt phát động*).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from reform_node.node import NodeConfig
from reform_shared.auth.tokens import issue_token
from reform_shared.ids import VIETNAM

COMMUNES_FILE = "communes.json"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LEVELS = {"xa": "xã", "phuong": "phường", "dac_khu": "đặc khu"}
NODE_ACTOR = "reform-node"


class SetupError(ValueError):
    """What is wrong with a commune's set-up, in Vietnamese with English beside it."""


@dataclass(frozen=True)
class CommuneSetup:
    commune_id: str
    name: str  # "Ninh Giang" (printed "xã Ninh Giang")
    level: str  # xa | phuong | dac_khu
    administrator_id: str
    administrator_name: str
    email: str | None = None

    def __post_init__(self) -> None:
        for field, value in (("commune_id", self.commune_id), ("administrator_id", self.administrator_id)):
            if not SLUG.match(value or "") or len(value) > 64:
                raise SetupError(f"{field}: chữ thường không dấu, số và gạch nối, ví dụ ninh-giang "
                                 f"(lower-case letters, digits and hyphens): {value!r}")
        if self.level not in LEVELS:
            raise SetupError(f"level: một trong {', '.join(LEVELS)} (one of them): {self.level!r}")
        for field, value in (("name", self.name), ("administrator_name", self.administrator_name)):
            if not value.strip():
                raise SetupError(f"{field}: bắt buộc (required)")

    @property
    def title(self) -> str:
        return f"{LEVELS[self.level]} {self.name}"

    @classmethod
    def from_file(cls, path: Path) -> CommuneSetup:
        """A JSON file: {"commune_id", "name", "level", "administrator": {"official_id", "full_name", "email"}}."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            admin = data["administrator"]
            return cls(data["commune_id"], data["name"], data.get("level", "xa"), admin["official_id"],
                       admin["full_name"], admin.get("email"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SetupError(f"{path}: không đọc được tệp thông tin xã (cannot read the commune file): {exc}") from exc

    @classmethod
    def asked(cls, ask: Callable[[str], str]) -> CommuneSetup:
        """Asked one question at a time (`ask` is `input` on a terminal)."""
        commune_id = ask("Mã xã (commune id, e.g. ninh-giang): ").strip()
        name = ask("Tên chính thức, không ghi cấp (official name, e.g. Ninh Giang): ").strip()
        level = ask("Cấp: xa, phuong, dac_khu [xa]: ").strip() or "xa"
        admin_id = ask("Tên đăng nhập của quản trị viên đầu tiên (first administrator's user name, e.g. quan-tri): ")
        admin_name = ask("Họ và tên quản trị viên (their full name): ").strip()
        email = ask("Email (không bắt buộc, optional): ").strip() or None
        return cls(commune_id, name, level, admin_id.strip(), admin_name, email)


def hosted(data_dir: Path) -> list[dict[str, Any]]:
    """The communes this node hosts (added by `run --no-demo` or `add-commune`)."""
    path = data_dir / COMMUNES_FILE
    return list(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else []


def _remember(data_dir: Path, setup: CommuneSetup) -> None:
    communes = [c for c in hosted(data_dir) if c["commune_id"] != setup.commune_id]
    entry = {k: v for k, v in asdict(setup).items() if k != "email"} | {"title": setup.title}
    (data_dir / COMMUNES_FILE).write_text(json.dumps([*communes, entry], ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")


def _checked(response: httpx.Response, *allowed: str) -> httpx.Response:
    """The answer, unless a refusal other than the `allowed` rules (already done: a restart, a second run)."""
    if response.is_success or (response.status_code in (409, 422) and
                               response.json().get("error", {}).get("rule") in allowed):
        return response
    raise SetupError(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")


def add_commune(config: NodeConfig, setup: CommuneSetup, now: dt.datetime | None = None,
                wait: float = 60) -> dict[str, Any]:
    """Record the commune's profile and first administrator, and give them a one-time password."""
    today = (now or dt.datetime.now(dt.UTC)).astimezone(VIETNAM).date().isoformat()
    settings = config.settings()
    admin = issue_token(settings.jwt_secret.get_secret_value(), subject=NODE_ACTOR, name=NODE_ACTOR,
                        commune_id=setup.commune_id, roles=["administrator"], issuer=settings.jwt_issuer,
                        audience=settings.jwt_audience)
    auth = {"Authorization": f"Bearer {admin}"}
    base = f"/api/v1/communes/{setup.commune_id}"
    with httpx.Client(timeout=10, headers=auth) as http:
        directory = config.url("directory")
        _checked(http.put(f"{directory}{base}/profile", json={"name": setup.name, "level": setup.level,
                                                              "effective": today},
                          headers={"Idempotency-Key": f"onboard-{setup.commune_id}-profile"}), "no_change")
        official = {"official_id": setup.administrator_id, "full_name": setup.administrator_name,
                    "position": "Quản trị hệ thống", "roles": ["administrator"], "effective": today,
                    **({"email": setup.email} if setup.email else {})}
        _checked(http.post(f"{directory}{base}/directory/officials", json=official,
                           headers={"Idempotency-Key": f"onboard-{setup.commune_id}-{setup.administrator_id}"}),
                 "official_id_unique")
        password = _one_time_password(http, f"{config.url('identity')}{base}/accounts/{setup.administrator_id}"
                                            "/password", wait)
    _remember(config.data_dir, setup)
    return {"commune_id": setup.commune_id, "title": setup.title, "official_id": setup.administrator_id,
            "one_time_password": password}


def _one_time_password(http: httpx.Client, url: str, wait: float) -> str:
    """Retried while the identity service has not projected the new official yet."""
    deadline = time.monotonic() + wait
    while True:
        answer = http.put(url, json={})
        if answer.status_code not in (404, 503) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return str(_checked(answer).json()["one_time_password"])


def print_added(added: dict[str, Any], config: NodeConfig) -> None:
    portal = config.url("portal") if "portal" in config.service_ports else config.url("identity")
    print(f"\nĐã thêm {added['title']} ({added['commune_id']}) vào nút (commune added to the node).\n"
          f"  Quản trị viên đăng nhập tại (the administrator signs in at): {portal}\n"
          f"  Tên đăng nhập (user name): {added['official_id']} "
          f"(hoặc, or: {added['official_id']}@{added['commune_id']})\n"
          f"  Mật khẩu dùng một lần (one-time password, shown once): {added['one_time_password']}\n"
          "  Lần đăng nhập đầu phải đổi mật khẩu (it must be changed at the first sign-in). Then, in the portal:\n"
          "  Thông tin xã (the profile, signers) › Danh bạ › Nhập từ bảng tính (the directory) › "
          "Quản lý đợt phát động (the first campaign).", flush=True)


def print_hosted(config: NodeConfig) -> None:
    communes = hosted(config.data_dir)
    if not communes:
        print("\nNút chưa có xã nào (no commune on this node yet): reform-node add-commune "
              "(--file commune.json, or answer its questions).")
    for commune in communes:
        print(f"  {commune['title']} ({commune['commune_id']}): quản trị viên (administrator) "
              f"{commune['administrator_id']}")
