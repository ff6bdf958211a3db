"""Demo accounts of the node's identity provider: one official per role, with a readable password.

The demo people come from the demo directory (appended to the stream as directory events); this sets
their passwords through the identity service's administrator API (`PUT …/accounts/{id}/password`,
`temporary: false`, refused in production), with an administrator token of the node secret.

The password is the node's own: made once, readable, kept 0600 in the node's data folder
(`identity/demo-password`), so two installs never share one, and a restart prints the same. Never in
production: `demo_accounts` refuses to run there.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import httpx

from reform_node.demo import COMMUNE, DemoCommune, demo_commune
from reform_node.demo_directory import DEMO_ACCOUNTS, people
from reform_node.node import NodeConfig
from reform_shared.auth.tokens import issue_token
from reform_shared.settings import Settings

ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
"""Lower-case letters and digits without look-alikes (l/1, o/0): read out and typed without doubt."""
Account = tuple[str, str, str]
"""(role, official id, full name)"""


def demo_password(data_dir: Path) -> str:
    """The node's demo password, made once (`Demo-xxxx-xxxx-xxxx`) and kept in the data folder."""
    path = data_dir / "identity" / "demo-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        groups = ("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))
        path.write_text("Demo-" + "-".join(groups) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def one_per_role(officials: Iterable[tuple[str, str, Iterable[str]]]) -> list[Account]:
    """(role, official id, full name): the first official holding each role."""
    chosen: dict[str, Account] = {}
    for official_id, full_name, roles in officials:
        for role in roles:
            chosen.setdefault(role, (role, official_id, full_name))
    return list(chosen.values())


def set_demo_passwords(settings: Settings, identity_url: str, commune: str, official_ids: Iterable[str],
                       password: str, wait: float = 60) -> None:
    """Set the demo password of each official (retried while the identity service still projects the directory)."""
    admin = issue_token(settings.jwt_secret.get_secret_value(), subject="demo-administrator", name="Quản trị viên",
                        commune_id=commune, roles=["administrator"], issuer=settings.jwt_issuer,
                        audience=settings.jwt_audience)
    with httpx.Client(base_url=identity_url, headers={"Authorization": f"Bearer {admin}"}, timeout=10) as http:
        for official_id in dict.fromkeys(official_ids):
            deadline = time.monotonic() + wait
            while True:
                answer = http.put(f"/api/v1/communes/{commune}/accounts/{official_id}/password",
                                  json={"password": password, "temporary": False})
                if answer.status_code not in (404, 503) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            answer.raise_for_status()


def print_accounts(accounts: Sequence[Account], identity_url: str, password: str, commune: str,
                   portal_url: str | None = None) -> None:
    print(f"\nĐăng nhập (sign-in, OpenID Connect provider): {identity_url}"
          f"  (discovery {identity_url}/.well-known/openid-configuration)")
    if portal_url:
        print(f"  Cổng cán bộ (officials' portal): {portal_url}")
    print(f"  Đổi mật khẩu (change your password): {identity_url}/account/password")
    if not accounts:
        return
    print(f"Tài khoản mẫu của {commune} (demo accounts, one per role; password kept in the node's data folder):")
    print(f"  {'vai trò (role)':<16} {'tên đăng nhập (user name)':<28} {'mật khẩu (password)':<22} họ tên (name)")
    for role, official_id, full_name in accounts:
        print(f"  {role:<16} {official_id:<28} {password:<22} {full_name}")


def demo_officials(demo: DemoCommune) -> list[tuple[str, str, list[str]]]:
    """The demo directory's officials with the roles they hold (unit_head for a head), the persons
    `DEMO_ACCOUNTS` names first, so that they are the ones printed."""
    rows = people(demo)
    names = {row[0]: row[1] for row in rows}
    preferred = [(official_id, names[official_id], [role]) for role, official_id in DEMO_ACCOUNTS.items()
                 if official_id in names]
    return [*preferred, *((row[0], row[1], [*filter(None, row[7].split(", ")), *(["unit_head"] if row[8] else [])])
                          for row in rows)]


def demo_accounts(config: NodeConfig, commune: str = COMMUNE, commune_name: str | None = None) -> list[Account]:
    """Give one demo official per role the node's demo password (the demo directory must be loaded)."""
    if config.environment == "production":
        raise RuntimeError("demo accounts are never made in production")
    accounts = one_per_role(demo_officials(demo_commune(commune, commune_name)))
    set_demo_passwords(config.settings(), config.url("identity"), commune, [a[1] for a in accounts],
                       demo_password(config.data_dir))
    return accounts


def demo_city_accounts(config: NodeConfig) -> list[Account]:
    """The city node's demo accounts: one person per city role of the city's demo directory."""
    from reform_node.demo_city_directory import city_officials

    if config.environment == "production":
        raise RuntimeError("demo accounts are never made in production")
    accounts = one_per_role(city_officials())
    set_demo_passwords(config.settings(), config.url("identity"), "city", [a[1] for a in accounts],
                       demo_password(config.data_dir))
    return accounts
