"""The home page: "việc cần làm", what the signed-in user has to do now."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from reform_portal.reads import Reads, todo_of
from reform_portal.web import STAFF, Caller, PortalDep, for_roles, render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, portal: PortalDep, caller: Caller = for_roles(*STAFF)) -> HTMLResponse:
    now = dt.datetime.now(dt.UTC)
    todo = await todo_of(Reads(portal.api, caller), now)
    return render(request, "home.html", {"todo": todo, "now": now})
