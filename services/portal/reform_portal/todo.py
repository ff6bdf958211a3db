"""The home page's "việc cần làm": what the signed-in user has to do now, by role, each thing with the page where
it is done. The reads run concurrently, one call per service where the API allows; a service that does not
answer leaves its section saying so and the rest of the page as it is (no rule is decided here)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from reform_portal.api import ApiOutage, ApiRefusal
from reform_portal.formatting import service_label
from reform_portal.reads import Reads, accepting, closes_at
from reform_shared.ids import VIETNAM

NEAR_DEADLINE = dt.timedelta(days=7)
"""A campaign's submission window closing within this is flagged (sắp hết hạn)."""
DEADLINE_HORIZON = dt.timedelta(days=30)
"""The secretary's deadlines shown: those of the next 30 days."""
COMMUNE_ROLES = ("submitter", "unit_head", "secretary", "council_member", "council_chair", "chairman")
Row = dict[str, Any]


@dataclass
class Todo:
    """The home page: what the signed-in user has to do now, by role."""

    returned: list[Row] = field(default_factory=list)
    open_campaigns: list[Row] = field(default_factory=list)
    near_deadline: list[Row] = field(default_factory=list)
    my_awards: list[Row] = field(default_factory=list)
    to_check: list[Row] = field(default_factory=list)
    to_check_total: int = 0
    deadlines: list[Row] = field(default_factory=list)
    units_missing: list[Row] = field(default_factory=list)
    to_nominate: list[Row] = field(default_factory=list)
    to_score: list[Row] = field(default_factory=list)
    to_finalise: list[Row] = field(default_factory=list)
    to_sign: list[Row] = field(default_factory=list)
    to_decide: list[Row] = field(default_factory=list)
    city_ready: list[Row] = field(default_factory=list)
    city_appraising: list[Row] = field(default_factory=list)
    city_awards: list[Row] = field(default_factory=list)
    to_appraise: list[Row] = field(default_factory=list)
    par_missing: int | None = None
    """The year whose PAR Index ranking the city has not recorded yet (the city officer's)."""
    ops_troubles: list[Row] = field(default_factory=list)
    links_down: list[Row] = field(default_factory=list)
    ops_checked: bool = False
    locked: list[Row] = field(default_factory=list)
    directory_empty: bool = False
    unread: list[Row] = field(default_factory=list)
    """What could not be read: {"what": the section, "reason": why, in words a user understands}."""

    @property
    def empty(self) -> bool:
        shown = (self.returned, self.open_campaigns, self.my_awards, self.to_check, self.deadlines,
                 self.units_missing, self.to_nominate, self.to_score, self.to_finalise, self.to_sign, self.to_decide,
                 self.city_ready, self.city_appraising, self.city_awards, self.to_appraise, self.ops_troubles,
                 self.links_down, self.locked, self.unread)
        return not (any(shown) or self.directory_empty or self.par_missing)

    @property
    def all_healthy(self) -> bool:
        """The operator's: every projection and link read, and nothing wrong with any."""
        return self.ops_checked and not (self.ops_troubles or self.links_down or self.unread)


Step = Callable[[], Awaitable[None]]


async def guarded(todo: Todo, what: str, step: Step) -> None:
    """One section's reads: a service down (or refusing) makes the section say it could not be read."""
    try:
        await step()
    except ApiOutage as outage:
        todo.unread.append({"what": what, "reason": f"dịch vụ {service_label(outage.service)} không trả lời, "
                                                    "vui lòng thử lại sau"})
    except ApiRefusal as refusal:
        todo.unread.append({"what": what, "reason": refusal.message_vi})


def current_of(campaigns: list[Row], now: dt.datetime) -> list[Row]:
    return [c for c in campaigns if int(c.get("year", 0)) >= now.year - 1]


def commune_steps(reads: Reads, todo: Todo, campaigns: list[Row], now: dt.datetime) -> list[tuple[str, Step]]:
    account, current = reads.caller.account, current_of(campaigns, now)
    board = once(lambda: boards(reads, current))  # read once for the secretary, the chair and the chairman
    todo.open_campaigns = [c for c in campaigns if accepting(c, now)]
    todo.near_deadline = [c for c in todo.open_campaigns if (closes_at(c) or now) - now <= NEAR_DEADLINE]
    steps: list[tuple[str, Step]] = []
    if account.has_any("submitter", "unit_head"):
        steps += [("Hồ sơ bị trả lại", lambda: returned(reads, todo)),
                  ("Khen thưởng của tôi", lambda: my_awards(reads, todo, now))]
    if account.has_any("secretary"):
        steps += [("Hồ sơ cần kiểm tra", lambda: to_check(reads, todo, todo.open_campaigns)),
                  ("Các hạn sắp đến", lambda: deadlines(reads, todo, current, now)),
                  ("Đơn vị chưa đề xuất", lambda: units_missing(reads, todo, todo.open_campaigns)),
                  ("Đề nghị lên thành phố", lambda: to_nominate(reads, todo, board, now))]
    if account.has_any("council_member", "council_chair"):
        steps.append(("Sáng kiến cần chấm điểm", lambda: to_score(reads, todo, current)))
    if account.has_any("council_chair"):
        steps.append(("Sáng kiến cần kết luận", lambda: to_finalise(todo, board)))
    if account.has_any("chairman"):
        steps += [("Quyết định công nhận cần ký", lambda: to_sign(todo, board)),
                  ("Đề nghị khen thưởng cần quyết định", lambda: to_decide(reads, todo))]
    return steps


async def each(campaigns: list[Row], read: Callable[[Row], Awaitable[Any]]) -> list[tuple[Row, Any]]:
    """One read per campaign, all at once."""
    found = await asyncio.gather(*(read(c) for c in campaigns))
    return list(zip(campaigns, found, strict=True))


async def returned(reads: Reads, todo: Todo) -> None:
    todo.returned = [i for i in await reads.mine() if i.get("status") == "returned"]


async def my_awards(reads: Reads, todo: Todo, now: dt.datetime) -> None:
    """The awards of this year and last granted to me (or to my unit), the certificate a click away."""
    account = reads.caller.account
    found, forms = await asyncio.gather(reads._get("awards", "/awards", {"status": "granted"}),
                                        reads.api.get("awards", reads.caller.token, "/api/v1/award-forms"))
    names = {f["code"]: f["name"] for f in forms}
    todo.my_awards = [{**a, "form_name": names.get(a.get("form"), a.get("form"))} for a in found["items"]
                      if (a.get("recipient") or {}).get("recipient_id") in (account.user_id, account.unit_id)
                      and int(a.get("year") or now.year) >= now.year - 1]


async def to_check(reads: Reads, todo: Todo, accepting_now: list[Row]) -> None:
    """The dossiers the secretary checks (returns or lets through): those of campaigns still taking them; once
    submissions close, the dossiers are the council's (their status stays "submitted")."""
    for campaign in accepting_now:
        checking = await reads.initiatives(status="submitted", campaign_id=campaign["campaign_id"], limit=10)
        todo.to_check += checking["items"][: max(0, 10 - len(todo.to_check))]
        todo.to_check_total += checking["total"]


CAMPAIGN_DEADLINES = (("evaluation_deadline", "Hạn chấm điểm, đánh giá", "/tien-do/{id}"),
                      ("recognition_deadline", "Hạn ký quyết định công nhận", "/quyet-dinh/{id}"),
                      ("nomination_deadline", "Hạn đề nghị lên thành phố", "/de-nghi-thanh-pho/{id}"))


async def deadlines(reads: Reads, todo: Todo, current: list[Row], now: dt.datetime) -> None:
    """The campaigns' terms and the award dossiers' deadlines (the awards service's catalogue) in the horizon."""
    today, found = now.astimezone(VIETNAM).date(), []
    for c in current:
        closes = closes_at(c)
        if accepting(c, now) and closes and closes - now <= DEADLINE_HORIZON:
            found.append({"on": closes.date(), "what": "Hết hạn nộp hồ sơ sáng kiến", "campaign": c,
                          "href": "/thu-ky/ho-so"})
        for key, what, href in CAMPAIGN_DEADLINES:
            day = dt.date.fromisoformat(c[key]) if c.get(key) else None
            if day and today <= day <= today + DEADLINE_HORIZON:
                found.append({"on": day, "what": what, "campaign": c, "href": href.format(id=c["campaign_id"])})
    for form in await reads.api.get("awards", reads.caller.token, "/api/v1/award-forms"):
        day = next_dossier_deadline(form.get("deadline"), today)
        if day and day <= today + DEADLINE_HORIZON:
            found.append({"on": day, "what": f"Hạn nộp hồ sơ đề nghị {form['name']}", "campaign": None,
                          "href": "/khen-thuong"})
    todo.deadlines = sorted(found, key=lambda d: d["on"])


def next_dossier_deadline(deadline: list[int] | None, today: dt.date) -> dt.date | None:
    """An annual form's `(month, day, years after the award year)`: the first such day from today on."""
    if not deadline:
        return None
    month, day, offset = deadline
    days = [dt.date(year + offset, month, day) for year in (today.year - 1, today.year, today.year + 1)]
    return next((d for d in days if d >= today), None)


async def units_missing(reads: Reads, todo: Todo, open_campaigns: list[Row]) -> None:
    """The expected units of each open campaign that have not proposed yet (each must, once a year)."""
    expecting = [c for c in open_campaigns if c.get("expected_units")]
    found = await each(expecting, lambda c: reads._get("submission",
                                                       f"/campaigns/{c['campaign_id']}/units-without-initiatives"))
    todo.units_missing = [{"campaign": c, "missing": len(r["missing"]), "expected": r["expected"]}
                          for c, r in found if r["missing"]]


Board = list[tuple[Row, Row | None, Row | None]]
Boards = Callable[[], Awaitable[Board]]


def once(read: Boards) -> Boards:
    """`read` run at the first call only; every later call awaits the same answer (or the same outage)."""
    started: list[asyncio.Future[Board]] = []

    async def shared() -> Board:
        if not started:
            started.append(asyncio.ensure_future(read()))
        return await asyncio.shield(started[0])

    return shared


async def boards(reads: Reads, current: list[Row]) -> Board:
    """Each campaign's council and progress (None where there is none yet, or not for this user)."""

    async def board(c: Row) -> tuple[Any, Any]:
        council, progress = await asyncio.gather(reads.optional("evaluation", f"/campaigns/{c['campaign_id']}/council"),
                                    reads.optional("evaluation", f"/campaigns/{c['campaign_id']}/progress"))
        return council, progress

    return [(c, council, progress) for c, (council, progress) in await each(current, board)]


def recognised(progress: Row | None) -> list[Row]:
    return [r for r in (progress or {}).get("initiatives", []) if r.get("outcome") == "recognised"]


async def to_nominate(reads: Reads, todo: Todo, board: Boards, now: dt.datetime) -> None:
    """After the decision: the nominations the commune may still send (quota not used, recognised ones left)."""
    decided = [(c, p) for c, council, p in await board() if council and council.get("decision")]
    years = sorted({int(c["year"]) for c, _ in decided})
    slates = dict(zip(years, await asyncio.gather(*(reads._get("evaluation", "/nominations", {"year": y})
                                                    for y in years)), strict=True))
    for c, progress in decided:
        deadline = c.get("nomination_deadline")
        if deadline and dt.date.fromisoformat(deadline) < now.astimezone(VIETNAM).date():
            continue
        sent = slates[int(c["year"])]["items"]
        left = int(c.get("max_nominations") or 2) - len(sent)
        choices = [r for r in recognised(progress) if r["initiative_id"] not in {n["initiative_id"] for n in sent}]
        if left > 0 and choices:
            todo.to_nominate.append({"campaign": c, "left": left, "choices": len(choices)})


async def to_score(reads: Reads, todo: Todo, current: list[Row]) -> None:
    queues = await each(current, lambda c: reads.optional("evaluation", f"/campaigns/{c['campaign_id']}/my-queue"))
    for c, queue in queues:
        if queue and queue.get("scoring_opened"):
            todo.to_score += [{**item, "campaign_id": c["campaign_id"]} for item in queue["to_score"]]


async def to_finalise(todo: Todo, board: Boards) -> None:
    """The chair's: initiatives whose quorum of sheets is in, not yet concluded."""
    for c, _, progress in await board():
        todo.to_finalise += [{**row, "campaign": c} for row in (progress or {}).get("initiatives", [])
                             if row.get("quorum_reached") and not row.get("outcome")]


async def to_sign(todo: Todo, board: Boards) -> None:
    for c, council, progress in await board():
        if council and not council.get("decision") and recognised(progress):
            todo.to_sign.append({"campaign": c, "recognised": len(recognised(progress))})


async def to_decide(reads: Reads, todo: Todo) -> None:
    """The commune-level award proposals waiting for the chairman's decision."""
    found = await reads._get("awards", "/awards", {"status": "proposed", "level": "commune"})
    todo.to_decide = found["items"]
