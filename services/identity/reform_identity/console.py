"""What the node's operator runs on the node's machine, beside the service (local access is the trust):

- `reform-identity admin-password --commune <c> --official <id>`: a one-time password for an official who holds
  `administrator` in the commune's directory: the first administrator of a production node, or one who lost
  theirs. Written through the service's own store, audited (`password_reset`, `via: console`), shown once; the
  official must change it at the next sign-in.
- `reform-identity rotate-key`: a new signing key; the running service signs with it from its next token on,
  and the JWKS keeps the previous key until the tokens it signed have expired. Audited (`key_rotated`).

Both read the service's settings from the same REFORM_* environment as the service.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

from reform_identity.application.accounts import Accounts
from reform_identity.application.audit import AuditLog
from reform_identity.application.directory import DirectoryReader
from reform_identity.config import IdentityConfig
from reform_shared.errors import DomainError
from reform_shared.ids import SystemClock
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings

COMMANDS = ("admin-password", "rotate-key")


def operator() -> str:
    try:
        return f"console:{getpass.getuser()}"
    except (KeyError, OSError):
        return "console"


async def admin_password(settings: Settings, config: IdentityConfig, commune_id: str, official_id: str
                         ) -> dict[str, Any]:
    runtime = ServiceRuntime(settings, run_projections=False)
    await runtime.start()
    try:
        db = runtime.connections.db
        clock = SystemClock()
        audit = AuditLog(db, clock)
        accounts = Accounts(db, DirectoryReader(db), audit, config, clock)
        password = await accounts.set_password(commune_id, official_id, None, temporary=True, by=operator(),
                                               via="console", require_role="administrator")
    finally:
        await runtime.stop()
    return {"commune_id": commune_id, "official_id": official_id, "one_time_password": password,
            "must_change": True}


async def rotate_key(settings: Settings, config: IdentityConfig) -> dict[str, Any]:
    keys = config.keys()
    previous = keys.current.kid
    key = keys.rotate()
    runtime = ServiceRuntime(settings, run_projections=False)
    await runtime.start()
    try:
        await AuditLog(runtime.connections.db, SystemClock()).record(
            "key_rotated", commune_id=None, subject=None, by=operator(), kid=key.kid, previous=previous)
    finally:
        await runtime.stop()
    return {"kid": key.kid, "previous": previous, "published": [k["kid"] for k in keys.jwks()["keys"]],
            "previous_kept_seconds": config.key_keep_seconds}


def main(argv: list[str], settings: Settings, config: IdentityConfig | None = None) -> int:
    parser = argparse.ArgumentParser(prog="reform-identity")
    sub = parser.add_subparsers(dest="command", required=True)
    admin = sub.add_parser("admin-password", help="a one-time password for an administrator of the directory")
    admin.add_argument("--commune", required=True, help="the commune id, e.g. ninh-giang")
    admin.add_argument("--official", required=True, help="the official's id in the directory")
    sub.add_parser("rotate-key", help="rotate the signing key (the previous one stays published a while)")
    args = parser.parse_args(argv)
    config = config or IdentityConfig()
    try:
        if args.command == "admin-password":
            result = asyncio.run(admin_password(settings, config, args.commune, args.official))
        else:
            result = asyncio.run(rotate_key(settings, config))
    except DomainError as exc:
        print(f"{exc.message_vi} ({exc.message_en})", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0
