"""Queries of the evaluation service: progress, aggregates, ranking, queues, blind scores."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_evaluation.application.board import (
    CANDIDATES,
    CONFLICTS,
    COUNCILS,
    NOMINATIONS,
    OUTCOMES,
    REOPENED,
    SHEETS,
)
from reform_evaluation.application.city import CITY_NOMINATIONS, appraisal_view
from reform_evaluation.application.directory import copied_heads
from reform_evaluation.domain.conflicts import conflict_of, eligible_members
from reform_evaluation.domain.results import Ranked, Sheet, disagreement, normalised, quorum_needed, ranking, result_of
from reform_evaluation.domain.sources import Candidate
from reform_shared.envelope import Actor
from reform_shared.errors import NotFound
from reform_shared.events import CouncilMember, InitiativeContent, Rubric
from reform_shared.ids import VIETNAM

OVERSEERS = ("secretary", "chairman")
"""Who sees every score at once: the secretariat and the commune chairman (not council members)."""


def today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in doc.items() if k != "_id"}


class EvaluationQueries:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def council(self, commune_id: str, campaign_id: str) -> dict[str, Any]:
        doc = await self._db[COUNCILS].find_one({"_id": f"{commune_id}:{campaign_id}"})
        if doc is None:
            raise NotFound(f"Đợt phát động {campaign_id} chưa có hội đồng", f"campaign {campaign_id} has no council",
                           field="campaign_id")
        return _clean(doc)

    async def _board(self, commune_id: str, campaign_id: str) -> dict[str, Any]:
        council = await self.council(commune_id, campaign_id)
        scope = {"commune_id": commune_id, "campaign_id": campaign_id}
        candidates = [d async for d in self._db[CANDIDATES].find({**scope, "withdrawn": False}).sort("submitted_at")]
        aside = {d["initiative_id"]: d.get("superseded", {}) async for d in self._db[REOPENED].find(scope)}
        sheets = [d async for d in self._db[SHEETS].find(scope)
                  if d["revision"] > aside.get(d["initiative_id"], {}).get(d["member_id"], 0)]
        conflicts = [d async for d in self._db[CONFLICTS].find({**scope, "kept": {"$ne": True}})]
        outcomes = {d["initiative_id"]: d async for d in self._db[OUTCOMES].find(scope)}
        return {"council": council, "candidates": candidates, "sheets": sheets, "conflicts": conflicts,
                "outcomes": outcomes, "members": tuple(CouncilMember(**m) for m in council["members"]),
                "rubric": Rubric(**council["rubric"])}

    @staticmethod
    def _candidate(doc: dict[str, Any]) -> Candidate:
        return Candidate(doc["initiative_id"], doc["campaign_id"], InitiativeContent(**doc["content"]),
                         doc["submitted_at"])

    async def progress(self, commune_id: str, campaign_id: str, on: dt.date | None = None) -> dict[str, Any]:
        """Per initiative: scored of eligible, quorum, mean/median/spread, flags, outcome; and the ranking.
        `on`: the day asked (who heads the author's unit that day is not eligible); None: today in Vietnam."""
        board = await self._board(commune_id, campaign_id)
        heads = await copied_heads(self._db, commune_id, on or today())
        rubric: Rubric = board["rubric"]
        rows, ranked = [], []
        for doc in board["candidates"]:
            candidate = self._candidate(doc)
            declared = {c["member_id"]: c["reason"] for c in board["conflicts"]
                        if c["initiative_id"] == candidate.initiative_id}
            eligible = {m.user_id for m in eligible_members(board["members"], candidate, declared, heads)}
            sheets = [Sheet(s["member_id"], s["points"], s["total"]) for s in board["sheets"]
                      if s["initiative_id"] == candidate.initiative_id and s["member_id"] in eligible]
            result = result_of(rubric, sheets, len(eligible))
            outcome = board["outcomes"].get(candidate.initiative_id)
            rows.append({
                "initiative_id": candidate.initiative_id, "title": doc["title"], "unit_name": doc["unit_name"],
                "field": doc["field"], "scored": len(sheets), "eligible": len(eligible),
                "quorum_needed": quorum_needed(rubric, len(eligible)),
                "quorum_reached": bool(sheets) and len(sheets) >= quorum_needed(rubric, len(eligible)),
                "result": result.model_dump(), "disagreement": disagreement(rubric, result),
                "outcome": None if outcome is None else ("recognised" if outcome["recognised"] else "not_recognised"),
                "reasons": outcome["reasons"] if outcome else [],
                "final_result": outcome["result"] if outcome else None, "content": doc["content"],
            })
            if sheets:
                ranked.append(Ranked(candidate.initiative_id, result, candidate.submitted_at.isoformat()))
        order = {r.initiative_id: position for position, r in enumerate(ranking(ranked), start=1)}
        for row in rows:
            row["rank"] = order.get(row["initiative_id"])
        by_member: dict[str, dict[str, float]] = {}
        for sheet in board["sheets"]:
            by_member.setdefault(sheet["member_id"], {})[sheet["initiative_id"]] = sheet["total"]
        rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
        return {"campaign_id": campaign_id, "rubric": rubric.model_dump(), "initiatives": rows,
                "raw_totals": by_member, "normalised_totals": normalised(by_member),
                "tie_break": "điểm TB cao hơn; rồi điểm TB tính hiệu quả; rồi tính mới; rồi nộp sớm hơn; rồi mã hồ sơ"}

    async def queue(self, commune_id: str, campaign_id: str, member_id: str, on: dt.date | None = None
                    ) -> dict[str, Any]:
        """What is left for one member to score, and why the rest is not (on the day asked: today by default)."""
        board = await self._board(commune_id, campaign_id)
        heads = await copied_heads(self._db, commune_id, on or today())
        member = next((m for m in board["members"] if m.user_id == member_id), None)
        if member is None:
            raise NotFound("Bạn không phải thành viên hội đồng này", "you are not a member of this council",
                           field="member_id")
        mine = {s["initiative_id"] for s in board["sheets"] if s["member_id"] == member_id}
        to_score, done, conflicted, finalised = [], [], [], []
        for doc in board["candidates"]:
            candidate = self._candidate(doc)
            declared = {c["member_id"]: c["reason"] for c in board["conflicts"]
                        if c["initiative_id"] == candidate.initiative_id}
            item = {"initiative_id": candidate.initiative_id, "title": doc["title"]}
            reason = conflict_of(member, candidate, declared, heads)
            if reason:
                conflicted.append({**item, "reason": reason})
            elif candidate.initiative_id in board["outcomes"]:
                finalised.append(item)
            elif candidate.initiative_id in mine:
                done.append(item)
            else:
                to_score.append(item)
        return {"member_id": member_id, "to_score": to_score, "scored": done, "conflicted": conflicted,
                "finalised": finalised, "scoring_opened": board["council"].get("scoring_opened", False)}

    async def scores(self, commune_id: str, initiative_id: str, actor: Actor) -> dict[str, Any]:
        """Blind: a member sees the others' sheets only after recording his or her own."""
        sheets = [_clean(s) async for s in self._db[SHEETS].find({"commune_id": commune_id,
                                                                   "initiative_id": initiative_id})]
        own = [s for s in sheets if s["member_id"] == actor.user_id]
        if actor.has_any(*OVERSEERS) or own:
            return {"initiative_id": initiative_id, "blind": False, "sheets": sheets}
        return {"initiative_id": initiative_id, "blind": True, "sheets": [],
                "message": "Hãy chấm điểm của bạn trước khi xem điểm của các thành viên khác "
                           "(record your own score before seeing the others')"}

    async def nominations(self, commune_id: str, year: int) -> list[dict[str, Any]]:
        """The commune's live nominations, each with the city's appraisal of it (decided at the city
        node, it flows back here): status, number of appraisals, means, decision."""
        cursor = self._db[NOMINATIONS].find({"commune_id": commune_id, "year": year, "active": True})
        items = [_clean(doc) async for doc in cursor]
        ids = [f"{commune_id}:{item['initiative_id']}" for item in items]
        at_city = {doc["initiative_id"]: doc async for doc in self._db[CITY_NOMINATIONS].find({"_id": {"$in": ids}})}
        for item in items:
            doc = at_city.get(item["initiative_id"])
            view = appraisal_view(doc, with_sheets=False) if doc is not None and "year" in doc else None
            item["city"] = None if view is None else {k: view[k] for k in (
                "status", "appraisals", "quorum_reached", "means", "decision")}
        return items
