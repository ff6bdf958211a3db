"""Demo accounts of the node's identity provider: one official per role, with a known password.

The demo people come from the demo directory (appended to the stream as directory events); this sets
their passwords through the identity service's administrator API (`PUT …/accounts/{id}/password`,
`temporary: false`, refused in production), with an administrator token of the node secret.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import httpx

from reform_shared.auth.tokens import issue_token
from reform_shared.settings import Settings

DEMO_PASSWORD = "Cai-cach-2026!"


def one_per_role(officials: Iterable[tuple[str, str, Iterable[str]]]) -> list[tuple[str, str, str]]:
    """(role, official id, full name): the first official holding each role."""
    chosen: dict[str, tuple[str, str, str]] = {}
    for official_id, full_name, roles in officials:
        for role in roles:
            chosen.setdefault(role, (role, official_id, full_name))
    return list(chosen.values())


def set_demo_passwords(settings: Settings, identity_url: str, commune: str, official_ids: Iterable[str],
                       password: str = DEMO_PASSWORD, wait: float = 30) -> None:
    """Set the demo password of each official (retried while the identity service still projects the directory)."""
    admin = issue_token(settings.jwt_secret.get_secret_value(), subject="demo-administrator", name="Quản trị viên",
                        commune_id=commune, roles=["administrator"], issuer=settings.jwt_issuer,
                        audience=settings.jwt_audience)
    with httpx.Client(base_url=identity_url, headers={"Authorization": f"Bearer {admin}"}, timeout=10) as http:
        for official_id in official_ids:
            deadline = time.monotonic() + wait
            while True:
                answer = http.put(f"/api/v1/communes/{commune}/accounts/{official_id}/password",
                                  json={"password": password, "temporary": False})
                if answer.status_code != 404 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            answer.raise_for_status()


def sign_in_url(identity_url: str) -> str:
    return f"{identity_url}/.well-known/openid-configuration"


def print_accounts(accounts: list[tuple[str, str, str]], identity_url: str, password: str = DEMO_PASSWORD) -> None:
    print(f"\nĐăng nhập (sign-in, OpenID Connect): {identity_url}/authorize  (discovery {sign_in_url(identity_url)})")
    if not accounts:
        return
    print("Tài khoản mẫu (demo accounts, one per role):")
    for role, official_id, full_name in accounts:
        print(f"  {role:<15} {official_id:<20} {password}   {full_name}")
