"""Which service an event comes from (by its type's name), and a user id as a document's field name."""

from __future__ import annotations

SERVICE_OF = {
    "Campaign": "submission", "Initiative": "submission", "Submissions": "submission", "Title": "submission",
    "Council": "evaluation", "Rubric": "evaluation", "Scoring": "evaluation", "Conflict": "evaluation",
    "Score": "evaluation", "Recognition": "evaluation", "Nominat": "evaluation", "Award": "awards",
    "Basis": "awards", "Par": "awards", "City": "evaluation", "Question": "evaluation",
}


def service_of(event_type: str) -> str:
    if event_type in ("InitiativeRecognized", "InitiativeNotRecognized"):
        return "evaluation"
    return next((s for prefix, s in SERVICE_OF.items() if event_type.startswith(prefix)), "unknown")


def field_key(value: str) -> str:
    """A user id as one MongoDB field name (no dots, no leading $)."""
    return value.replace("%", "%25").replace(".", "%2E").replace("$", "%24")

__all__ = ["SERVICE_OF", "field_key", "service_of"]
