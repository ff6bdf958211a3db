"""What the council, decision and nomination pages share: the evaluation service's reads for one campaign, the
read-your-writes waits after its commands, and a refusal placed beside the input it names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path, Request

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.reads import Reads, settled
from reform_portal.web import Caller, Portal

Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
Errors = dict[str, dict[str, str]]


def notice_in(request: Request, notices: dict[str, str]) -> str | None:
    return next((text for key, text in notices.items() if key in request.query_params), None)


def message(refusal: ApiRefusal) -> dict[str, str]:
    return {"vi": refusal.message_vi, "en": refusal.message_en}


def placed(refusal: ApiRefusal, place: Callable[[str], str]) -> Errors:
    """Every error of the refusal beside the input `place` maps its API field to ("_form": over the form)."""
    errors: Errors = {}
    for field, text in refusal.field_errors().items():
        errors.setdefault(place(field) or "_form", text)
    return errors


class EvaluationReads:
    """The evaluation service's reads of one commune, by the signed-in user's token."""

    def __init__(self, portal: Portal, caller: Caller) -> None:
        self.portal, self.caller = portal, caller
        self.reads = Reads(portal.api, caller)

    def path(self, rest: str) -> str:
        return commune_path(self.caller.account.commune_id, rest)

    async def council(self, campaign_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = await self.reads.optional("evaluation", f"/campaigns/{campaign_id}/council")
        return found

    async def progress(self, campaign_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = await self.reads.optional("evaluation", f"/campaigns/{campaign_id}/progress")
        return found

    async def nominations(self, year: int) -> list[dict[str, Any]]:
        found = await self.portal.api.get("evaluation", self.caller.token, self.path("/nominations"), {"year": year})
        items: list[dict[str, Any]] = found["items"]
        return items

    async def officials(self) -> list[dict[str, Any]]:
        """The commune's active officials today, from the directory (the council is chosen among them)."""
        found = await self.portal.api.get("directory", self.caller.token, self.path("/directory/officials"))
        items: list[dict[str, Any]] = sorted(found["items"], key=lambda o: o.get("full_name", ""))
        return items

    async def command(self, method: str, rest: str, body: dict[str, Any], idempotency_key: str | None) -> Any:
        return await self.portal.api.command("evaluation", self.caller.token, method, self.path(rest), body,
                                             idempotency_key=idempotency_key or None)

    async def council_settles(self, campaign_id: str, check: Callable[[dict[str, Any]], bool]) -> None:
        """Wait until the council's read model shows what was just done (it follows the stream)."""

        async def shows() -> bool:
            council = await self.council(campaign_id)
            return council is not None and check(council)

        await settled(shows)

    async def nominations_settle(self, year: int, check: Callable[[list[dict[str, Any]]], bool]) -> None:
        async def shows() -> bool:
            return check(await self.nominations(year))

        await settled(shows)


def current(campaigns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """This year's and last year's campaigns, newest first."""
    year = dt.date.today().year
    return sorted((c for c in campaigns if c.get("year", 0) >= year - 1), key=lambda c: -int(c.get("year", 0)))


def outcome_rows(progress: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """The finalised initiatives in ranking order, recognised apart from not recognised; the rest pending."""
    rows = (progress or {}).get("initiatives", [])
    return {"recognised": [r for r in rows if r.get("outcome") == "recognised"],
            "not_recognised": [r for r in rows if r.get("outcome") == "not_recognised"],
            "pending": [r for r in rows if not r.get("outcome")]}
