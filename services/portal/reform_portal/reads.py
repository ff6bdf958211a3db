"""What the pages read from the services, by the user's token, shaped for a page (no rule decided here)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from reform_portal.api import ApiRefusal, ServiceApi, commune_path
from reform_portal.formatting import to_moment
from reform_portal.web import Caller


def closes_at(campaign: dict[str, Any]) -> dt.datetime | None:
    deadline, early = to_moment(campaign.get("submission_closes_at")), to_moment(campaign.get("closed_early_at"))
    return min(deadline, early) if deadline and early else (early or deadline)


def accepting(campaign: dict[str, Any], now: dt.datetime) -> bool:
    opens, closes = to_moment(campaign.get("submission_opens_at")), closes_at(campaign)
    return bool(opens and closes and opens <= now < closes)


APPLY_SECONDS = 5.0
"""How long a page after a command waits for the read model to show it (normally a few milliseconds)."""


async def settled(check: Callable[[], Awaitable[bool]]) -> None:
    """The services' reads follow their commands a moment later (projected from the stream): wait, at most
    `APPLY_SECONDS`, until `check` sees what was just done, so the page the user is sent to shows it too; past
    the bound the page shows what there is."""
    for _ in range(int(APPLY_SECONDS / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)


class Reads:
    """The read side of the API, one method per thing a page shows."""

    def __init__(self, api: ServiceApi, caller: Caller) -> None:
        self.api, self.caller = api, caller
        self.commune = caller.account.commune_id

    async def _get(self, service: Any, rest: str, params: dict[str, Any] | None = None) -> Any:
        return await self.api.get(service, self.caller.token, commune_path(self.commune, rest), params)

    async def campaigns(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self._get("submission", "/campaigns"))["items"]
        return items

    async def campaign(self, campaign_id: str) -> dict[str, Any]:
        campaign: dict[str, Any] = await self._get("submission", f"/campaigns/{campaign_id}")
        return campaign

    async def open_campaigns(self, now: dt.datetime) -> list[dict[str, Any]]:
        return [c for c in await self.campaigns() if accepting(c, now)]

    async def initiatives(self, **filters: Any) -> dict[str, Any]:
        found: dict[str, Any] = await self._get("submission", "/initiatives", filters)
        return found

    async def mine(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self.initiatives(author=self.caller.account.user_id))["items"]
        return [i for i in items if self.caller.account.user_id in i.get("author_user_ids", [])
                or i.get("submitted_by") == self.caller.account.user_id]

    async def initiative(self, initiative_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self._get("submission", f"/initiatives/{initiative_id}")
        return found

    async def listed(self, rest: str, key: str, ident: str, answer: Any, params: dict[str, Any] | None = None
                     ) -> None:
        """Read your own write in a list: the submission service's lists (campaigns, the register) are projected
        from the stream a moment after a command, while one campaign or one dossier is read from the record
        itself. Wait (see `settled`) until the list at `rest` holds the item `key == ident` with the event the
        command answered with applied (`last_event_seq` reached its `stream_sequence`)."""
        sequence = answer.get("stream_sequence") if isinstance(answer, dict) else None
        if not isinstance(sequence, int):
            return

        async def holds() -> bool:
            found = await self._get("submission", rest, params)
            items = found.get("items", []) if isinstance(found, dict) else []
            return any(item.get(key) == ident and int(item.get("last_event_seq") or 0) >= sequence for item in items)

        await settled(holds)

    async def evaluation(self, rest: str) -> Any:
        """A read of the evaluation service (the council, a queue, progress, one's own scores)."""
        return await self._get("evaluation", rest)

    async def officials(self) -> list[dict[str, Any]]:
        """The commune's active officials (to pick authors from); none when the commune keeps no directory."""
        found = await self.optional("directory", "/directory/officials")
        return list(found.get("items", [])) if found else []

    async def optional(self, service: Any, rest: str) -> Any | None:
        """A read that may not apply to this user (not on this council, no council yet): None then."""
        try:
            return await self._get(service, rest)
        except ApiRefusal as refusal:
            if refusal.status in (403, 404):
                return None
            raise
