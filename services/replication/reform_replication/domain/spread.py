"""The city's view of replication, a pure function of the catalogue's entries (and the communes known):
adoptions per initiative and per commune, each adoption's measured effect against the original, the
initiatives most adopted, and the communes that adopt nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from reform_shared.text import fold


def change(before: float | None, after: float | None) -> float | None:
    """The relative change of an indicator, in percent of its value before (None when it cannot be said)."""
    if before is None or after is None or before == 0:
        return None
    return round((after - before) / abs(before) * 100, 1)


def effect(original: Iterable[Mapping[str, Any]], measured: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per indicator measured: the original's change and the adopter's, and their ratio (1.0: the same effect)."""
    by_name = {fold(str(i.get("name", ""))): i for i in original}
    rows = []
    for m in measured:
        o = by_name.get(fold(str(m.get("name", ""))), {})
        ours, theirs = change(o.get("before"), o.get("after")), change(m.get("before"), m.get("after"))
        rows.append({"name": m.get("name"), "unit": m.get("unit") or o.get("unit", ""),
                     "original_before": o.get("before"), "original_after": o.get("after"),
                     "before": m.get("before"), "after": m.get("after"),
                     "original_change_pct": ours, "change_pct": theirs,
                     "ratio": round(theirs / ours, 2) if ours and theirs is not None else None})
    return rows


def _adoption_row(entry: Mapping[str, Any], adoption: Mapping[str, Any]) -> dict[str, Any]:
    return {"entry_id": entry["entry_id"], "title": entry["title"], "origin_commune_id": entry["origin_commune_id"],
            "commune_id": adoption["commune_id"], "unit": (adoption.get("unit") or {}).get("name", ""),
            "since": adoption.get("since"), "adaptation": adoption.get("adaptation", ""),
            "measured_on": adoption.get("measured_on"),
            "effect": effect(entry.get("indicators") or (), adoption.get("indicators") or ())}


def replication_view(entries: Iterable[Mapping[str, Any]], communes: Iterable[str]) -> dict[str, Any]:
    entries = sorted(entries, key=lambda e: e["entry_id"])
    adoptions = [_adoption_row(e, a) for e in entries for a in e.get("adoptions") or ()]
    per_commune = Counter(a["commune_id"] for a in adoptions)
    received = Counter(a["origin_commune_id"] for a in adoptions)
    known = sorted({*communes, *(e["origin_commune_id"] for e in entries), *per_commune})
    per_initiative = [{"entry_id": e["entry_id"], "title": e["title"], "origin_commune_id": e["origin_commune_id"],
                       "field": e.get("field", ""), "year": e.get("year"), "adoptions": len(e.get("adoptions") or ()),
                       "with_results": sum(1 for a in e.get("adoptions") or () if a.get("measured_on"))}
                      for e in entries]
    most = sorted((p for p in per_initiative if p["adoptions"]), key=lambda p: (-p["adoptions"], p["entry_id"]))
    return {
        "totals": {"initiatives": len(entries), "adoptions": len(adoptions),
                   "with_results": sum(1 for a in adoptions if a["measured_on"]),
                   "communes": len(known), "communes_adopting": len(per_commune)},
        "per_initiative": per_initiative,
        "per_commune": [{"commune_id": c, "adoptions_made": per_commune.get(c, 0),
                         "adoptions_received": received.get(c, 0)} for c in known],
        "most_adopted": most[:10],
        "communes_adopting_nothing": [c for c in known if not per_commune.get(c)],
        "adoptions": adoptions,
    }
