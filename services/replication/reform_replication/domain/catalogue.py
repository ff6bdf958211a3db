"""The catalogue: what the city publishes of a recognised initiative, and how one is found again.

The city keeps, per initiative of any commune, the facts it received (the dossier's content, the chairman's
signed decision, the city's decision, the adoptions by other communes and their results) in one *source*
document; an initiative recognised at commune level (a signed decision lists it) or at city level is
published as a `CatalogueEntryPublished` at the source's revision. The entry never carries authors: the
recognition events name none, so the catalogue publishes only what the decisions published.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reform_shared.events.replication import CatalogueAdoption, CatalogueEntryPublished
from reform_shared.events.submission import InitiativeContent
from reform_shared.text import fold

PUBLIC_CONTENT = ("title", "unit", "field", "sub_area", "summary", "problem", "solution", "novelty",
                  "effectiveness", "replication_scope", "attachments")
"""What of a dossier the catalogue keeps: never its authors."""


def public_content(content: InitiativeContent) -> dict[str, Any]:
    return content.model_dump(mode="json", include=set(PUBLIC_CONTENT))


def is_recognised(source: Mapping[str, Any]) -> bool:
    """Recognised at commune level (the chairman's signed decision lists it) or by the city's decision."""
    return bool(source.get("recognition_number")) or source.get("city_recognised") is True


def entry_of(source: Mapping[str, Any], year: int | None = None) -> CatalogueEntryPublished | None:
    """The catalogue entry of a source document (`year`: its campaign's), or None while it is not recognised
    or has no content yet."""
    content = source.get("content")
    if not content or not is_recognised(source):
        return None
    adoptions = sorted((CatalogueAdoption.model_validate(a) for a in (source.get("adoptions") or {}).values()),
                       key=lambda a: (a.since, a.commune_id))
    effectiveness = content.get("effectiveness") or {}
    return CatalogueEntryPublished.model_validate({
        "entry_id": source["_id"], "revision": int(source.get("revision", 0)),
        "origin_commune_id": source["origin_commune_id"], "initiative_id": source["initiative_id"],
        "year": year or source.get("city_year") or source.get("year"), "title": content["title"],
        "unit": content["unit"],
        "field": content["field"], "sub_area": content.get("sub_area", ""), "summary": content.get("summary", ""),
        "problem": content.get("problem", ""), "solution": content.get("solution", ""),
        "novelty": content.get("novelty") or {}, "indicators": tuple(effectiveness.get("indicators") or ()),
        "replication_scope": content.get("replication_scope", ""),
        "attachments": tuple(content.get("attachments") or ()),
        "recognition_number": source.get("recognition_number"), "recognition_date": source.get("recognition_date"),
        "city_recognised": source.get("city_recognised"), "city_decision_number": source.get("city_decision_number"),
        "city_decision_date": source.get("city_decision_date"), "adoptions": tuple(adoptions),
    })


def search_text(entry: CatalogueEntryPublished) -> str:
    """Every word a reader may look for, folded (case and diacritics ignored)."""
    parts = [entry.title, entry.summary, entry.problem, entry.solution, entry.replication_scope, entry.unit.name,
             entry.origin_commune_id, *(i.name for i in entry.indicators)]
    return fold(" ".join(parts))


def matches(doc: Mapping[str, Any], words: str | None, problem: str | None) -> bool:
    """Every word of `words` in the entry's text, every word of `problem` in its problem (folded)."""
    text, problem_text = doc.get("search_text", ""), doc.get("problem_text", "")
    return all(w in text for w in fold(words or "").split()) and \
        all(w in problem_text for w in fold(problem or "").split())


def search(docs: Iterable[Mapping[str, Any]], words: str | None = None, problem: str | None = None
           ) -> list[Mapping[str, Any]]:
    found = [d for d in docs if matches(d, words, problem)]
    return sorted(found, key=lambda d: (-(d.get("year") or 0), d.get("origin_commune_id", ""), d.get("title", "")))
