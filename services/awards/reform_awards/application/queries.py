"""The award register and the list the city's Department of Home Affairs receives."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_awards.application.board import AWARDS
from reform_shared.errors import NotFound


def clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in doc.items() if k != "_id"}


class AwardQueries:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def register(self, commune_ids: list[str] | None, *, year: int | None = None, level: str | None = None,
                       form: str | None = None, status: str | None = None, kind: str | None = None
                       ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {}
        if commune_ids is not None:
            query["commune_id"] = {"$in": commune_ids}
        for key, value in (("year", year), ("level", level), ("form", form), ("status", status),
                           ("recipient.kind", kind)):
            if value is not None:
                query[key] = value
        cursor = self._db[AWARDS].find(query).sort([("commune_id", 1), ("proposed_at", 1)])
        return [doc async for doc in cursor]

    async def award(self, commune_id: str, award_id: str) -> dict[str, Any]:
        doc = await self._db[AWARDS].find_one({"_id": f"{commune_id}:{award_id}"})
        if doc is None:
            raise NotFound(f"Không có khen thưởng {award_id}", f"no award {award_id}", field="award_id")
        return doc

    async def home_affairs(self, year: int) -> dict[str, Any]:
        """City-level proposals of every commune this node knows, with their basis (Sở Nội vụ)."""
        docs = await self.register(None, year=year, level="city")
        by_commune: dict[str, list[dict[str, Any]]] = {}
        for doc in docs:
            by_commune.setdefault(doc["commune_id"], []).append(clean(doc))
        return {"year": year, "communes": [{"commune_id": c, "proposals": items} for c, items in
                                           sorted(by_commune.items())]}
