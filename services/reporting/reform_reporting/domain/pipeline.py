"""Where each initiative stands, as a pure function of events.

`updates(event)` says which fields of which documents an event sets. The live projection applies
them as upserts; an as-of report applies the same updates in memory to the event log up to a
moment. One function, so both give the same numbers, every time.
"""

from __future__ import annotations

from typing import Any

from reform_shared.envelope import EventEnvelope
from reform_shared.events import (
    AwardGranted,
    AwardProposed,
    AwardRejected,
    AwardRevoked,
    CampaignAmended,
    CampaignLaunched,
    CityAppraisalScored,
    CityRecognitionDecided,
    CouncilConstituted,
    CouncilMembershipChanged,
    InitiativeContent,
    InitiativeNotRecognized,
    InitiativeRecognized,
    InitiativeReturned,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
    Nominated,
    NominationWithdrawn,
    ScoreRecorded,
    SubmissionsClosed,
)
from reform_shared.text import fold

PIPELINE, CAMPAIGNS, AWARDS = "pipeline", "campaigns", "awards"
Update = tuple[str, str, dict[str, Any], dict[str, Any] | None]
"""(collection, document key, fields to set, a trace entry to append to the document's `events`).

The trace entry rides on the same write as the stage it records: one write per event. Appending is
safe because the runner applies each event exactly once (checkpoint in the same transaction)."""

SERVICE_OF = {
    "Campaign": "submission", "Initiative": "submission", "Submissions": "submission", "Title": "submission",
    "Council": "evaluation", "Rubric": "evaluation", "Scoring": "evaluation", "Conflict": "evaluation",
    "Score": "evaluation", "Recognition": "evaluation", "Nominat": "evaluation", "Award": "awards",
    "Basis": "awards", "Par": "awards", "City": "evaluation",
}


def service_of(event_type: str) -> str:
    if event_type in ("InitiativeRecognized", "InitiativeNotRecognized"):
        return "evaluation"
    return next((s for prefix, s in SERVICE_OF.items() if event_type.startswith(prefix)), "unknown")


def field_key(value: str) -> str:
    """A user id as one MongoDB field name (no dots, no leading $)."""
    return value.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


def _content(content: InitiativeContent) -> dict[str, Any]:
    return {"title": content.title, "title_folded": fold(content.title), "summary": content.summary,
            "field": content.field, "unit": content.unit.model_dump(), "unit_id": content.unit.unit_id,
            "unit_name": content.unit.name, "author_kind": content.author_kind,
            "authors": [a.model_dump() for a in content.authors]}


def initiative_ids_of(envelope: EventEnvelope) -> list[str]:
    payload = envelope.payload
    if isinstance(payload, AwardProposed):
        return list(payload.basis.initiative_ids)
    initiative_id = getattr(payload, "initiative_id", None)
    return [initiative_id] if isinstance(initiative_id, str) else []


def updates(envelope: EventEnvelope, stream_seq: int) -> list[Update]:
    p, c, at = envelope.payload, envelope.commune_id, envelope.occurred_at
    key = f"{c}:{getattr(p, 'initiative_id', '')}"
    entry = {
        "event_id": envelope.event_id, "event_type": envelope.event_type, "occurred_at": at,
        "stream_seq": stream_seq, "aggregate": f"{envelope.aggregate_type}/{envelope.aggregate_id}",
        "service": service_of(envelope.event_type), "actor": envelope.actor.model_dump(),
        "trace_id": envelope.trace.trace_id, "correlation_id": envelope.correlation_id,
        "causation_id": envelope.causation_id}
    if isinstance(p, CampaignLaunched | CampaignAmended):
        doc = {"commune_id": c, "campaign_id": p.campaign_id, "title": p.title, "commune_name": p.commune_name,
               "closes_at": p.submission_closes_at, "fields": list(p.fields),
               "expected_units": [u.model_dump() for u in p.expected_units]}
        if isinstance(p, CampaignLaunched):
            doc["year"] = p.year
        return [(CAMPAIGNS, f"{c}:{p.campaign_id}", doc, None)]
    if isinstance(p, SubmissionsClosed):
        return [(CAMPAIGNS, f"{c}:{p.campaign_id}", {"closed_early_at": p.closed_at}, None)]
    if isinstance(p, CouncilConstituted | CouncilMembershipChanged):
        return [(CAMPAIGNS, f"{c}:{p.campaign_id}", {"council_members": len(p.members)}, None)]
    fields: dict[str, Any]
    if isinstance(p, InitiativeSubmitted):
        fields = {"commune_id": c, "initiative_id": p.initiative_id, "campaign_id": p.campaign_id,
                  **_content(p.content), "status": "submitted", "submitted_at": at, "last_submitted_at": at,
                  "submitted_by": envelope.actor.user_id, "trace_id": envelope.trace.trace_id,
                  "version": envelope.aggregate_version, "last_event_seq": stream_seq}
    elif isinstance(p, InitiativeRevised):
        fields = {**_content(p.content), "status": "submitted", "version": envelope.aggregate_version}
        if p.resubmission:
            fields["last_submitted_at"] = at
    elif isinstance(p, InitiativeReturned):
        fields = {"status": "returned", "returned_at": at, "was_returned": True}
    elif isinstance(p, InitiativeWithdrawn):
        fields = {"status": "withdrawn", "withdrawn_at": at}
    elif isinstance(p, ScoreRecorded):
        fields = {"scored": True, "last_scored_at": at, f"sheets.{p.member_id}": at}
    elif isinstance(p, InitiativeRecognized | InitiativeNotRecognized):
        fields = {"recognised": isinstance(p, InitiativeRecognized), "finalised_at": at,
                  "mean_total": p.result.mean_total}
    elif isinstance(p, Nominated):
        fields = {"nominated": True, "nominated_at": at}
    elif isinstance(p, NominationWithdrawn):
        fields = {"nominated": False}
    elif isinstance(p, CityAppraisalScored):  # written at the city node, about this commune's initiative
        fields = {"city_appraised": True, "last_city_appraised_at": at, f"city_sheets.{field_key(p.member_id)}": at}
    elif isinstance(p, CityRecognitionDecided):
        fields = {"city_recognised": p.recognised, "city_decided_at": at, "city_decision": {
            "recognised": p.recognised, "decision_number": p.decision_number,
            "decision_date": p.decision_date.isoformat(), "mean_effectiveness": p.mean_effectiveness,
            "mean_replicability": p.mean_replicability, "appraisals": p.appraisals, "reason": p.reason,
            "decided_by": p.decided_by}}
        if p.recognised:
            fields["city_recognised_at"] = at
    elif isinstance(p, AwardProposed):
        return [(AWARDS, f"{c}:{p.award_id}", {
            "commune_id": c, "award_id": p.award_id, "form": p.form, "level": p.level, "year": p.year,
            "status": "proposed", "initiative_ids": list(p.basis.initiative_ids), "proposed_at": at,
            "recipient_kind": p.recipient.kind}, entry)]
    elif isinstance(p, AwardGranted):
        return [(AWARDS, f"{c}:{p.award_id}", {"status": "granted", "granted_at": at}, entry)]
    elif isinstance(p, AwardRejected | AwardRevoked):
        status = "rejected" if isinstance(p, AwardRejected) else "revoked"
        return [(AWARDS, f"{c}:{p.award_id}", {"status": status}, entry)]
    else:
        fields = {}  # an event about the initiative that changes no stage (a declared conflict): traced only
    return [(PIPELINE, key, fields, entry)] if initiative_ids_of(envelope) else []

EVENT_TYPES = (
    "CampaignLaunched", "CampaignAmended", "SubmissionsClosed", "CouncilConstituted", "CouncilMembershipChanged",
    "InitiativeSubmitted", "InitiativeRevised", "InitiativeReturned", "InitiativeWithdrawn", "ScoreRecorded",
    "ConflictDeclared", "InitiativeRecognized", "InitiativeNotRecognized", "Nominated", "NominationWithdrawn",
    "CityAppraisalScored", "CityRecognitionDecided", "AwardProposed", "AwardGranted", "AwardRejected", "AwardRevoked",
)
