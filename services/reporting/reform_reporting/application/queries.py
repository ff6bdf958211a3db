"""Reporting queries: reports (live or as of a past moment), the city view, traces, open data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_reporting.application.asof import replay
from reform_reporting.domain.pipeline import AWARDS, CAMPAIGNS, PIPELINE
from reform_reporting.domain.published import is_published, open_record
from reform_reporting.domain.summary import Period, awarded_initiatives, summarise
from reform_shared.commune_profile import recorded_profile
from reform_shared.errors import InvalidInput, NotFound
from reform_shared.ids import VIETNAM
from reform_shared.runtime import ServiceRuntime

MILESTONES = (("submitted_at", "Nộp hồ sơ"), ("returned_at", "Trả lại"), ("last_submitted_at", "Nộp lại/hoàn thiện"),
              ("last_scored_at", "Chấm điểm"), ("finalised_at", "Kết luận"), ("nominated_at", "Đề nghị thành phố"),
              ("last_city_appraised_at", "Thành phố thẩm định"), ("city_decided_at", "Thành phố quyết định"))


def public(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("_id", "title_folded", "events", "questions")}
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in out.items()}


class ReportingQueries:
    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime

    @property
    def _db(self) -> AsyncDatabase[dict[str, Any]]:
        assert self._runtime.db is not None
        return self._runtime.db

    async def known_commune(self, commune_id: str) -> dict[str, Any]:
        campaign = await self._db[CAMPAIGNS].find_one({"commune_id": commune_id})
        if campaign is None:
            raise NotFound(f"Không có số liệu của xã/phường '{commune_id}' trên nút này",
                           f"no data for commune '{commune_id}' on this node", field="commune_id")
        return campaign

    async def _live(self, commune_id: str) -> dict[str, list[dict[str, Any]]]:
        scope = {"commune_id": commune_id}
        return {name: [d async for d in self._db[name].find(scope)] for name in (PIPELINE, CAMPAIGNS, AWARDS)}

    async def report(self, commune_id: str, period: Period, as_of: dt.datetime | None, now: dt.datetime
                     ) -> dict[str, Any]:
        """A report's figures; with `as_of`, replayed from the event log up to that moment."""
        campaign = await self.known_commune(commune_id)
        if as_of is not None and as_of > now:
            raise InvalidInput("Thời điểm số liệu không được ở tương lai", "as_of cannot be in the future",
                               field="as_of", rule="as_of_not_in_future")
        if period.start > now.date():
            raise InvalidInput(f"Kỳ báo cáo {period.label} chưa bắt đầu", "the period has not started yet",
                               field="year", rule="period_started")
        if as_of is None:
            docs = await self._live(commune_id)
        else:
            rt = self._runtime
            assert rt.js is not None
            docs = await replay(rt.js, rt.registry, rt.settings.stream_name, rt.settings.consumed_prefixes, commune_id,
                                as_of)
        figures = summarise(docs.get(PIPELINE, []), docs.get(CAMPAIGNS, []), docs.get(AWARDS, []), period)
        name, signer = await self.letterhead(commune_id, min(period.end, (as_of or now).astimezone(VIETNAM).date()),
                                             campaign.get("commune_name") or commune_id)
        return {"commune_id": commune_id, "commune_name": name, "signer": signer,
                "as_of": (as_of or now).isoformat(), "source": "event log replay" if as_of else "live projection",
                **figures}

    async def letterhead(self, commune_id: str, on: dt.date, fallback: str) -> tuple[str, str]:
        """The commune's name and chairman in its profile in force on the report's date (the record's), else
        `fallback` and no signer."""
        if self._runtime.store is None:
            return fallback, ""
        profile = await recorded_profile(self._runtime.store, commune_id)
        chairman = profile.chairman_on(on)
        return profile.title_on(on, fallback), chairman.signer.full_name if chairman else ""

    async def initiatives(self, commune_id: str, query: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        cursor = self._db[PIPELINE].find({"commune_id": commune_id, **query}).sort("submitted_at", 1).limit(limit)
        return [public(doc) async for doc in cursor]

    async def initiative(self, commune_id: str, initiative_id: str) -> dict[str, Any]:
        doc = await self._db[PIPELINE].find_one({"_id": f"{commune_id}:{initiative_id}"})
        if doc is None:
            raise NotFound(f"Không tìm thấy sáng kiến {initiative_id} của {commune_id}",
                           f"no initiative {initiative_id} in commune {commune_id}", field="initiative_id")
        return doc

    async def trace(self, commune_id: str, initiative_id: str, jaeger: str | None) -> dict[str, Any]:
        """Every event about the initiative across services, in stream order, and the time in each stage."""
        doc = await self.initiative(commune_id, initiative_id)
        entries = list(doc.get("events", []))
        async for award in self._db[AWARDS].find({"commune_id": commune_id, "initiative_ids": initiative_id}):
            entries.extend(award.get("events", []))
        events = []
        for event in sorted(entries, key=lambda e: e["stream_seq"]):
            event = public(event)
            if jaeger and event.get("trace_id"):
                event["jaeger_url"] = f"{jaeger.rstrip('/')}/trace/{event['trace_id']}"
            events.append(event)
        reached = sorted((doc[k], label) for k, label in MILESTONES
                         if doc.get(k) and not (k == "last_submitted_at" and doc[k] == doc.get("submitted_at")))
        stages = []
        for (start, label), following in zip(reached, [*reached[1:], None], strict=True):
            end = following[0] if following else None
            stages.append({"stage": label, "from": start.isoformat(), "to": end.isoformat() if end else None,
                           "seconds": (end - start).total_seconds() if end else None})
        questions = [public(q) for q in doc.get("questions", {}).values()]  # the council's, to the author
        return {"initiative_id": initiative_id, "title": doc.get("title"), "events": events, "stages": stages,
                "questions": questions}

    async def city(self, year: int) -> dict[str, Any]:
        """Every commune this node receives events for, side by side."""
        period = Period(year)
        rows = []
        for commune_id in sorted(await self._db[CAMPAIGNS].distinct("commune_id")):
            docs = await self._live(commune_id)
            figures = summarise(docs[PIPELINE], docs[CAMPAIGNS], docs[AWARDS], period)
            names = [c.get("commune_name") for c in docs[CAMPAIGNS] if c.get("commune_name")]
            awards = [a for a in docs[AWARDS] if a.get("status") == "granted" and a.get("year") == year]
            city_level = [a for a in docs[AWARDS] if a.get("level") == "city" and a.get("year") == year]
            total = figures["total"]
            rows.append({"commune_id": commune_id, "commune_name": names[0] if names else commune_id,
                         **total, "awards_granted": len(awards),
                         "nominations_received": total["nominated"], "city_recognised": total["city_recognised"],
                         "city_awards_proposed": len(city_level),
                         "city_awards_granted": sum(1 for a in city_level if a.get("status") == "granted"),
                         "units_without_initiatives": len(figures["units_without_initiatives"])})
        ranked = sorted(rows, key=lambda r: (-r["recognised"], -r["submitted"], r["commune_id"]))
        for position, row in enumerate(ranked, start=1):
            row["rank"] = position
        totals = {k: sum(r[k] for r in rows) for k in (
            "submitted", "scored", "recognised", "nominated", "city_recognised", "awarded", "awards_granted",
            "nominations_received", "city_awards_proposed", "city_awards_granted")}
        return {"year": year, "communes": ranked, "totals": totals}

    async def open_data(self, commune_id: str, year: int) -> list[dict[str, Any]]:
        """The year's published initiatives (`domain/published.py` says which), without personal data."""
        await self.known_commune(commune_id)
        period = Period(year)
        docs = await self._live(commune_id)
        awarded = awarded_initiatives(docs[AWARDS])
        return [open_record(commune_id, d, awarded) for d in docs[PIPELINE]
                if period.holds(d.get("submitted_at")) and is_published(d, awarded)]
