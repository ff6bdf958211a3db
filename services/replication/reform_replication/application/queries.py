"""What the replication service answers from its own projection: the catalogue (searched), one entry,
a commune's adoptions, what others adopted of a commune's initiatives, and the city's view."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_replication.application.projection import ADOPTIONS, CATALOGUE, COMMUNES
from reform_replication.domain.catalogue import search
from reform_replication.domain.spread import replication_view
from reform_shared.errors import NotFound

HIDDEN = {"_id": 0, "search_text": 0, "problem_text": 0}


class ReplicationQueries:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def _entries(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return [doc async for doc in self._db[CATALOGUE].find(query)]

    async def catalogue(self, *, q: str | None = None, problem: str | None = None, field: str | None = None,
                        commune_id: str | None = None, year: int | None = None) -> dict[str, Any]:
        query: dict[str, Any] = {}
        for name, value in (("field", field), ("origin_commune_id", commune_id), ("year", year)):
            if value is not None:
                query[name] = value
        found = search(await self._entries(query), q, problem)
        return {"count": len(found), "items": [{k: v for k, v in d.items() if k not in HIDDEN} for d in found]}

    async def entry_or_none(self, entry_id: str) -> dict[str, Any] | None:
        return await self._db[CATALOGUE].find_one({"_id": entry_id}, HIDDEN)

    async def entry(self, entry_id: str) -> dict[str, Any]:
        found = await self.entry_or_none(entry_id)
        if found is None:
            raise NotFound("Không có sáng kiến này trong danh mục", "no such entry in the catalogue",
                           field="entry_id", rule="in_catalogue")
        return found

    async def adoptions_of(self, commune_id: str) -> dict[str, Any]:
        """The commune's own adoptions (from its own events: at once, offline) and what other communes
        adopted of its initiatives (from the city's catalogue)."""
        made = [d async for d in self._db[ADOPTIONS].find({"commune_id": commune_id}, {"_id": 0})]
        received = [{"entry_id": e["entry_id"], "title": e["title"], "adoptions": e.get("adoptions") or []}
                    for e in await self._entries({"origin_commune_id": commune_id}) if e.get("adoptions")]
        return {"commune_id": commune_id, "made": sorted(made, key=lambda d: d["adoption_id"]),
                "received": sorted(received, key=lambda d: d["entry_id"])}

    async def view(self, year: int | None = None) -> dict[str, Any]:
        entries = await self._entries({} if year is None else {"year": year})
        communes = [d["_id"] async for d in self._db[COMMUNES].find({})]
        return replication_view(entries, communes)

