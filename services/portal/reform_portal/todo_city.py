"""The home page's sections of the city's roles, the operator and the administrator (see `reform_portal.todo`):
the communes' nominations and Bằng khen proposals waiting for the city, the appraisal sheets a city council
member owes, the projections and federation links in trouble, the accounts locked out, a directory to import."""

from __future__ import annotations

import asyncio
import datetime as dt

from reform_portal.api import SERVICES, Service, commune_path, ops_path
from reform_portal.formatting import projection_state, service_label
from reform_portal.reads import Reads
from reform_portal.todo import Row, Step, Todo

AWAITING_CITY = ("awaiting_appraisal", "appraising")


def years_of(now: dt.datetime) -> tuple[int, int]:
    """This year's and last year's: the city decides a year's nominations and awards into the next year."""
    return now.year, now.year - 1


def city_steps(reads: Reads, todo: Todo, now: dt.datetime) -> list[tuple[str, Step]]:
    account, steps = reads.caller.account, list[tuple[str, Step]]()
    if account.has_any("city_officer"):
        steps += [("Đề nghị của các xã chờ quyết định", lambda: city_nominations(reads, todo, now)),
                  ("Đề nghị Bằng khen chờ quyết định", lambda: city_awards(reads, todo, now)),
                  ("Xếp hạng Chỉ số CCHC", lambda: par_ranking(reads, todo, now))]
    if account.has_any("city_council"):
        steps.append(("Sáng kiến cần thẩm định", lambda: to_appraise(reads, todo, now)))
    return steps


async def nominations_at_city(reads: Reads, now: dt.datetime) -> list[Row]:
    found = await asyncio.gather(*(reads.api.get("evaluation", reads.caller.token, "/api/v1/city/nominations",
                                                 {"year": year}) for year in years_of(now)))
    return [item for answer in found for item in answer["items"]]


async def city_nominations(reads: Reads, todo: Todo, now: dt.datetime) -> None:
    """Nominations with their quorum of sheets (ready for the city's decision) apart from those still appraised."""
    items = await nominations_at_city(reads, now)
    todo.city_ready = [n for n in items if n.get("status") == "ready_for_decision"]
    todo.city_appraising = [n for n in items if n.get("status") in AWAITING_CITY]


async def to_appraise(reads: Reads, todo: Todo, now: dt.datetime) -> None:
    """The nominations still open for appraisal that do not have my sheet yet."""
    items = await nominations_at_city(reads, now)
    todo.to_appraise = [n for n in items if n.get("status") in (*AWAITING_CITY, "ready_for_decision")
                        and not n.get("my_sheet")]


async def city_awards(reads: Reads, todo: Todo, now: dt.datetime) -> None:
    found = await asyncio.gather(*(reads.api.get("awards", reads.caller.token, "/api/v1/city/home-affairs",
                                                 {"year": year}) for year in years_of(now)))
    todo.city_awards = [{**proposal, "commune_id": commune["commune_id"]} for answer in found
                        for commune in answer["communes"] for proposal in commune["proposals"]
                        if proposal.get("status") == "proposed"]


async def par_ranking(reads: Reads, todo: Todo, now: dt.datetime) -> None:
    """This year's PAR Index ranking (the basis of the year's collective Bằng khen), when none is recorded yet."""
    found = await reads.api.get("awards", reads.caller.token, "/api/v1/city/par-rankings", {"year": now.year})
    todo.par_missing = None if found.get("recorded") else now.year


def staff_steps(reads: Reads, todo: Todo) -> list[tuple[str, Step]]:
    account, steps = reads.caller.account, list[tuple[str, Step]]()
    if account.has_any("operator"):
        steps += [(f"Projection của dịch vụ {service_label(s)}", projections_step(reads, todo, s)) for s in SERVICES]
        steps.append(("Liên kết liên thông", lambda: federation(reads, todo)))
        todo.ops_checked = True
    if account.has_any("administrator"):
        steps.append(("Danh bạ của xã", lambda: directory(reads, todo)))
        if reads.api.serves("identity"):
            steps.append(("Tài khoản bị khoá", lambda: locked_out(reads, todo)))
    return steps


def projections_step(reads: Reads, todo: Todo, service: Service) -> Step:
    return lambda: projections(reads, todo, service)


async def projections(reads: Reads, todo: Todo, service: Service) -> None:
    """A projection stopped, with parked events, or behind: each with the operator's page for it."""
    rows = await reads.api.get(service, reads.caller.token, ops_path("/projections"))
    for row in rows:
        parked, lag = int(row.get("parked") or 0), int(row.get("lag") or 0)
        if parked or lag or not row.get("running"):
            href = f"/van-hanh/{service}/{row['projection']}/tam-giu" if parked else "/van-hanh"
            todo.ops_troubles.append({"service": service, "service_label": service_label(service),
                                      "name": row["projection"], "state": projection_state(row), "parked": parked,
                                      "lag": lag, "href": href})


async def federation(reads: Reads, todo: Todo) -> None:
    """The node's links (one stream for every service: the reporting service tells them)."""
    status = await reads.api.get("reporting", reads.caller.token, ops_path("/federation"))
    todo.links_down = [s for s in status["sources"] if not s.get("alive")]


async def directory(reads: Reads, todo: Todo) -> None:
    """A commune whose directory has nobody yet: the import is the first thing to do."""
    path = commune_path(reads.commune, "/directory/officials")
    found = await reads.api.get("directory", reads.caller.token, path)
    todo.directory_empty = not found.get("items")


async def locked_out(reads: Reads, todo: Todo) -> None:
    """The officials whose account is locked after failed sign-ins (the identity service's administrator API)."""
    found = await reads.api.get("identity", reads.caller.token, commune_path(reads.commune, "/accounts"))
    todo.locked = [a for a in found["items"] if a.get("locked_until")]
