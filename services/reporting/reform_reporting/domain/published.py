"""What the commune publishes as open data (dữ liệu mở), a pure choice over the pipeline's documents.

A record is *published* once a public act made it so, and only then:
- recognised by the chairman's **signed** recognition decision (RecognitionDecisionSigned lists it) —
  a council's conclusion alone is not yet public;
- nominated to the city (Nominated, and not withdrawn);
- recognised by the city (CityRecognitionDecided, recognised);
- the basis of a **granted** award (AwardGranted; a proposal, a rejection or a revocation is not).

Never published: a dossier submitted, revised, returned or withdrawn and nothing more (a draft, in the
commune's words), scores, and anything personal — authors, user ids, actors, contacts.
"""

from __future__ import annotations

from typing import Any

from reform_shared.ids import VIETNAM

OPEN_FIELDS = ("commune_id", "initiative_id", "campaign_id", "title", "field", "unit", "summary", "recognised",
               "decision_number", "decision_date", "nominated", "city_recognised", "awarded", "submitted_on")
"""The columns of the open data, in order (the CSV's header, even for a year with nothing published yet)."""


def is_published(doc: dict[str, Any], awarded: set[str]) -> bool:
    if doc.get("status") in ("withdrawn", "returned"):
        return False
    signed = doc.get("recognised") is True and doc.get("decision_signed") is True
    return bool(signed or doc.get("nominated") or doc.get("city_recognised") is True
                or doc["initiative_id"] in awarded)


def open_record(commune_id: str, doc: dict[str, Any], awarded: set[str]) -> dict[str, Any]:
    """One published initiative without personal data."""
    return {"commune_id": commune_id, "initiative_id": doc["initiative_id"], "campaign_id": doc["campaign_id"],
            "title": doc["title"], "field": doc["field"], "unit": doc.get("unit_name"),
            "summary": doc.get("summary"), "recognised": doc.get("recognised") is True,
            "decision_number": doc.get("decision_number"), "decision_date": doc.get("decision_date"),
            "nominated": bool(doc.get("nominated")), "city_recognised": doc.get("city_recognised") is True,
            "awarded": doc["initiative_id"] in awarded,
            "submitted_on": doc["submitted_at"].astimezone(VIETNAM).date().isoformat()
            if doc["submitted_at"].tzinfo else doc["submitted_at"].date().isoformat()}
