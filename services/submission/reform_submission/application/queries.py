"""Queries of the submission service, on its own read model."""

from __future__ import annotations

import re
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.text import fold
from reform_submission.application.dossiers import CAMPAIGNS, INITIATIVES

HIDDEN = {"_id": 0, "title_folded": 0, "summary_folded": 0, "author_names_folded": 0}


class SubmissionQueries:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def campaigns(self, commune_id: str) -> list[dict[str, Any]]:
        cursor = self._db[CAMPAIGNS].find({"commune_id": commune_id}, {"_id": 0}).sort("year", -1)
        return [doc async for doc in cursor]

    async def initiatives(
        self,
        commune_id: str,
        *,
        campaign_id: str | None = None,
        field: str | None = None,
        unit_id: str | None = None,
        status: str | None = None,
        author: str | None = None,
        text: str | None = None,
        limit: int = 200,
        skip: int = 0,
    ) -> tuple[int, list[dict[str, Any]]]:
        """Filtered list; `text` matches title and summary without case or diacritics ("cai cach")."""
        query: dict[str, Any] = {"commune_id": commune_id}
        for key, value in (("campaign_id", campaign_id), ("field", field), ("unit_id", unit_id), ("status", status)):
            if value:
                query[key] = value
        if author:
            folded_author = re.escape(fold(author))
            query["$or"] = [{"author_user_ids": author}, {"author_names_folded": {"$regex": folded_author}}]
        if text:
            needle = re.escape(fold(text))
            query.setdefault("$and", []).append(
                {"$or": [{"title_folded": {"$regex": needle}}, {"summary_folded": {"$regex": needle}}]}
            )
        total = await self._db[INITIATIVES].count_documents(query)
        cursor = self._db[INITIATIVES].find(query, HIDDEN).sort("submitted_at", 1).skip(skip).limit(limit)
        return total, [doc async for doc in cursor]

    async def units_without_initiatives(self, commune_id: str, campaign_id: str) -> dict[str, Any] | None:
        """The expected units with no initiative (withdrawn ones do not count): seed 001 §3."""
        campaign = await self._db[CAMPAIGNS].find_one({"_id": f"{commune_id}:{campaign_id}"})
        if campaign is None:
            return None
        proposing = set(await self._db[INITIATIVES].distinct(
            "unit_id", {"commune_id": commune_id, "campaign_id": campaign_id, "status": {"$ne": "withdrawn"}}
        ))
        expected = campaign.get("expected_units", [])
        missing = [unit for unit in expected if unit["unit_id"] not in proposing]
        return {"campaign_id": campaign_id, "expected": len(expected), "proposing": len(expected) - len(missing),
                "missing": missing}
