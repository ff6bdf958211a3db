"""The home page: "việc cần làm", what the signed-in user has to do now (see `reform_portal.todo`)."""

from __future__ import annotations

import asyncio
import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from reform_portal.reads import Reads
from reform_portal.todo import COMMUNE_ROLES, Row, Todo, commune_steps, guarded
from reform_portal.todo_city import city_steps, staff_steps
from reform_portal.web import STAFF, Caller, PortalDep, for_roles, render

router = APIRouter()


def clock() -> dt.datetime:
    """The home page's now (a test moves it to a year whose city data nobody recorded)."""
    return dt.datetime.now(dt.UTC)


async def todo_of(reads: Reads, now: dt.datetime) -> Todo:
    """The campaigns first (most commune sections start from them), then every section's reads at once."""
    todo, campaigns = Todo(), list[Row]()
    if reads.caller.account.has_any(*COMMUNE_ROLES):

        async def read_campaigns() -> None:
            campaigns.extend(await reads.campaigns())

        await guarded(todo, "Các đợt phát động", read_campaigns)
    steps = [*commune_steps(reads, todo, campaigns, now), *city_steps(reads, todo, now), *staff_steps(reads, todo)]
    await asyncio.gather(*(guarded(todo, what, step) for what, step in steps))
    return todo


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, portal: PortalDep, caller: Caller = for_roles(*STAFF)) -> HTMLResponse:
    now = clock()
    todo = await todo_of(Reads(portal.api, caller), now)
    return render(request, "home.html", {"todo": todo, "now": now})
