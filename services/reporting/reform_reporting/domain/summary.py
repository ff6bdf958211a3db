"""Funnels, breakdowns and report figures from pipeline documents (live or replayed as of a moment)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reform_shared.catalog import field_label
from reform_shared.ids import VIETNAM

STAGES = ("submitted", "scored", "recognised", "nominated", "city_recognised", "awarded")
"""`city_recognised`: the city recognised the nominated initiative at city level (CityRecognitionDecided,
taken on the city node and flowed back). `awarded` is not a step after it: a commune award needs none."""


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> dt.date:
        if self.quarter is None or self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        roman = {1: "I", 2: "II", 3: "III", 4: "IV"}
        return f"Năm {self.year}" if self.quarter is None else f"Quý {roman[self.quarter]} năm {self.year}"

    def holds(self, moment: dt.datetime | None) -> bool:
        return moment is not None and self.start <= moment.astimezone(VIETNAM).date() <= self.end


def stages_of(doc: dict[str, Any], awarded: set[str]) -> dict[str, bool]:
    active = doc.get("status") != "withdrawn"
    return {"submitted": active, "scored": active and bool(doc.get("scored")),
            "recognised": active and doc.get("recognised") is True,
            "nominated": active and bool(doc.get("nominated")),
            "city_recognised": active and doc.get("city_recognised") is True,
            "awarded": active and doc["initiative_id"] in awarded}


def awarded_initiatives(awards: Iterable[dict[str, Any]]) -> set[str]:
    return {i for a in awards if a.get("status") == "granted" for i in a.get("initiative_ids", ())}


def breakdown(docs: list[dict[str, Any]], awarded: set[str], key: str, label_of: Any) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for doc in docs:
        k = doc.get(key) or "-"
        row = rows.setdefault(k, {"key": k, "label": label_of(doc, k), **{s: 0 for s in STAGES}})
        for stage, reached in stages_of(doc, awarded).items():
            row[stage] += int(reached)
    return sorted(rows.values(), key=lambda r: (-r["submitted"], r["key"]))


def funnel(docs: list[dict[str, Any]], awarded: set[str]) -> dict[str, Any]:
    counts = dict.fromkeys(STAGES, 0)
    for doc in docs:
        for stage, reached in stages_of(doc, awarded).items():
            counts[stage] += int(reached)
    return {"key": "total", "label": "Tổng", **counts}


def summarise(
    pipeline: list[dict[str, Any]], campaigns: list[dict[str, Any]], awards: list[dict[str, Any]], period: Period,
) -> dict[str, Any]:
    """The figures of a report: initiatives submitted in the period, and how far each has got."""
    # an initiative whose submission is not (yet) received counts nowhere: with federation, the city's
    # decisions and a commune's submission travel on different streams
    pipeline = [d for d in pipeline if d.get("submitted_at") and d.get("campaign_id")]
    docs = [d for d in pipeline if period.holds(d.get("submitted_at"))]
    awarded = awarded_initiatives(awards)
    deadlines = {c["campaign_id"]: c.get("closes_at") for c in campaigns}
    active = [d for d in docs if d.get("status") != "withdrawn"]
    late = [d for d in active
            if deadlines.get(d["campaign_id"]) and d["last_submitted_at"] > deadlines[d["campaign_id"]]]
    year_campaigns = [c for c in campaigns if c.get("year") == period.year]
    proposing = {d["unit_id"] for d in pipeline if d.get("status") != "withdrawn"
                 and d["campaign_id"] in {c["campaign_id"] for c in year_campaigns}}
    missing = {u["unit_id"]: u["name"] for c in year_campaigns for u in c.get("expected_units", ())
               if u["unit_id"] not in proposing}
    granted: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for award in awards:
        if award.get("status") == "granted" and period.holds(award.get("granted_at")):
            granted[award["form"]] += 1
            names[award["form"]] = award.get("form_name") or names.get(award["form"], "")
    years: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for d in pipeline:
        if d.get("status") != "withdrawn" and d.get("submitted_at"):
            year = d["submitted_at"].astimezone(VIETNAM).year
            years[year][0] += 1
            years[year][1] += int(d.get("recognised") is True)
    council = [{
        "campaign_id": c["campaign_id"], "members": c.get("council_members", 0),
        "initiatives": len(in_campaign := [d for d in pipeline if d["campaign_id"] == c["campaign_id"]
                                            and d.get("status") != "withdrawn"]),
        "with_a_sheet": sum(1 for d in in_campaign if d.get("sheets")),
        "sheets": sum(len(d.get("sheets", {})) for d in in_campaign),
        "finalised": sum(1 for d in in_campaign if d.get("recognised") is not None),
    } for c in year_campaigns]
    return {
        "council_progress": council,
        "period": {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat()},
        "total": funnel(docs, awarded),
        "by_field": breakdown(active, awarded, "field", lambda d, k: f"{k}) {field_label(k)}"),
        "by_unit": breakdown(active, awarded, "unit_id", lambda d, k: d.get("unit_name") or k),
        "units_without_initiatives": [{"unit_id": k, "name": v} for k, v in sorted(missing.items())],
        "on_time": len(active) - len(late), "late": len(late),
        "returned": sum(1 for d in docs if d.get("was_returned")),
        "withdrawn": sum(1 for d in docs if d.get("status") == "withdrawn"),
        "awards_granted": dict(sorted(granted.items())),
        "award_form_names": {form: name for form, name in sorted(names.items()) if name},
        "by_year": [[y, s, r] for y, (s, r) in sorted(years.items())],
    }
