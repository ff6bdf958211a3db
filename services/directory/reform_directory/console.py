"""What the node's operator runs on the node's machine, beside the service (local access is the trust):

`reform-directory first-administrator --commune <c> --official <id> --name "<full name>"` registers the
commune's first administrator in its directory, so that a production node — where no script token is
accepted — can be started from nothing: then `reform-identity admin-password` gives them a one-time password,
and they sign in and keep the directory (or hand it to the secretary) from the portal.

It is for the start only: once the directory has an active administrator it refuses (exit 2), and the
administrators that exist reset each other's passwords. The event records the console as its actor
(`console:<os user>`), like every other change.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

from reform_directory.application.commands import DirectoryCommands
from reform_directory.domain.commands import RegisterOfficial
from reform_shared.commands import CommandContext
from reform_shared.envelope import Actor
from reform_shared.errors import Conflict, DomainError
from reform_shared.events.directory import OfficialEntry
from reform_shared.ids import VIETNAM, SystemClock, new_id
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings

ADMINISTRATOR = "administrator"


def operator() -> str:
    try:
        return f"console:{getpass.getuser()}"
    except (KeyError, OSError):
        return "console"


async def first_administrator(settings: Settings, commune_id: str, official_id: str, full_name: str,
                              email: str | None = None) -> dict[str, Any]:
    runtime = ServiceRuntime(settings, run_projections=False)
    await runtime.start()
    try:
        commands = DirectoryCommands(runtime.connections.bus())
        clock = SystemClock()
        today = clock.now().astimezone(VIETNAM).date()
        view = await commands.view(commune_id)
        holders = [o.official_id for o in view.officials(today)
                   if o.active and ADMINISTRATOR in o.roles]
        if holders:
            raise Conflict(
                f"Danh bạ của '{commune_id}' đã có quản trị viên ({', '.join(holders)}): hãy dùng "
                "reform-identity admin-password cho người đó",
                f"the directory of '{commune_id}' already has an administrator ({', '.join(holders)}): use "
                "reform-identity admin-password for them", field="official", rule="first_administrator_only")
        who = operator()
        ctx = CommandContext(actor=Actor(user_id=who, name=who, commune_id=commune_id, roles=(ADMINISTRATOR,)),
                             clock=clock, correlation_id=new_id())
        official = OfficialEntry(official_id=official_id, full_name=full_name, position="Quản trị hệ thống",
                                 email=email, roles=(ADMINISTRATOR,))
        result = await commands.run(ctx, RegisterOfficial(commune_id=commune_id, effective=today,
                                                          official=official))
    finally:
        await runtime.stop()
    return {"commune_id": commune_id, "official_id": official_id, "roles": [ADMINISTRATOR],
            "effective": today.isoformat(), "event_id": result.body.get("event_id"),
            "next": f"reform-identity admin-password --commune {commune_id} --official {official_id}"}


def main(argv: list[str], settings: Settings) -> int:
    parser = argparse.ArgumentParser(prog="reform-directory")
    sub = parser.add_subparsers(dest="command", required=True)
    first = sub.add_parser("first-administrator", help="register the commune's first administrator")
    first.add_argument("--commune", required=True, help="the commune id, e.g. ninh-giang")
    first.add_argument("--official", required=True, help="the administrator's id (their user name), e.g. quan-tri")
    first.add_argument("--name", required=True, help="their full name")
    first.add_argument("--email", default=None)
    args = parser.parse_args(argv)
    try:
        answer = asyncio.run(first_administrator(settings, args.commune, args.official, args.name, args.email))
    except DomainError as exc:
        print(json.dumps(exc.to_body(), ensure_ascii=False, indent=2), file=sys.stderr)
        return 2
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0
