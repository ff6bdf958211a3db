"""Where each initiative stands, as a pure function of events.

`updates(event)` says which fields of which documents an event sets. The live projection applies
them as upserts; an as-of report applies the same updates in memory to the event log up to a
moment. One function, so both give the same numbers, every time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reform_reporting.domain.origin import field_key, service_of
from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.events import (
    AwardGranted,
    AwardProposed,
    AwardRejected,
    AwardRevoked,
    CampaignAmended,
    CampaignLaunched,
    CityAppraisalScored,
    CityRecognitionDecided,
    ConflictDeclared,
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
    RecognitionDecisionSigned,
    ScoreRecorded,
    SubmissionsClosed,
)
from reform_shared.events.deliberation import QuestionAnswered, QuestionAsked
from reform_shared.tables import EventTable
from reform_shared.text import fold

PIPELINE, CAMPAIGNS, AWARDS = "pipeline", "campaigns", "awards"
Update = tuple[str, str, dict[str, Any], dict[str, Any] | None]
"""(collection, document key, fields to set, a trace entry to append to the document's `events`).

The trace entry rides on the same write as the stage it records: one write per event. Appending is
safe because the runner applies each event exactly once (checkpoint in the same transaction)."""

Fields = Callable[[EventEnvelope, Any, int], dict[str, Any]]
"""The fields one event sets on the document it is about: (envelope, its payload, its stream sequence)."""

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


Handler = Callable[[EventEnvelope, Any, int], list[Update]]
"""The updates of one event type: (envelope, its payload, its stream sequence) -> updates."""

HANDLERS: EventTable[Handler] = EventTable()
"""One handler per event type the pipeline reads, in the order of `EVENT_TYPES` (derived from it)."""


def _entry(envelope: EventEnvelope, stream_seq: int) -> dict[str, Any]:
    """The trace entry of an event, appended to the `events` of the document it updates."""
    return {
        "event_id": envelope.event_id, "event_type": envelope.event_type, "occurred_at": envelope.occurred_at,
        "stream_seq": stream_seq, "aggregate": f"{envelope.aggregate_type}/{envelope.aggregate_id}",
        "service": service_of(envelope.event_type), "actor": envelope.actor.model_dump(),
        "trace_id": envelope.trace.trace_id, "correlation_id": envelope.correlation_id,
        "causation_id": envelope.causation_id}


def _register(event_classes: tuple[type[EventPayload], ...], handler: Handler) -> None:
    for event_class in event_classes:
        HANDLERS.add(event_class, handler)


def _campaign(*event_classes: type[EventPayload]) -> Callable[[Fields], Fields]:
    """Fields of the campaign's document (no trace entry)."""

    def register(fields: Fields) -> Fields:
        _register(event_classes, lambda e, p, seq: [(CAMPAIGNS, f"{e.commune_id}:{p.campaign_id}",
                                                     fields(e, p, seq), None)])
        return fields

    return register


def _stage(*event_classes: type[EventPayload]) -> Callable[[Fields], Fields]:
    """Fields of the initiative's pipeline document, traced; an event about no initiative writes nothing."""

    def register(fields: Fields) -> Fields:
        _register(event_classes, lambda e, p, seq: _staged(e, fields(e, p, seq), seq))
        return fields

    return register


def _staged(envelope: EventEnvelope, fields: dict[str, Any], stream_seq: int) -> list[Update]:
    key = f"{envelope.commune_id}:{getattr(envelope.payload, 'initiative_id', '')}"
    return [(PIPELINE, key, fields, _entry(envelope, stream_seq))] if initiative_ids_of(envelope) else []


def _award(*event_classes: type[EventPayload]) -> Callable[[Fields], Fields]:
    """Fields of the award's document, traced."""

    def register(fields: Fields) -> Fields:
        _register(event_classes, lambda e, p, seq: [(AWARDS, f"{e.commune_id}:{p.award_id}", fields(e, p, seq),
                                                     _entry(e, seq))])
        return fields

    return register


def _terms(c: str, p: CampaignLaunched | CampaignAmended) -> dict[str, Any]:
    return {"commune_id": c, "campaign_id": p.campaign_id, "title": p.title, "commune_name": p.commune_name,
            "closes_at": p.submission_closes_at, "fields": list(p.fields),
            "expected_units": [u.model_dump() for u in p.expected_units]}


@_campaign(CampaignLaunched)
def _launched(e: EventEnvelope, p: CampaignLaunched, seq: int) -> dict[str, Any]:
    return {**_terms(e.commune_id, p), "year": p.year}


@_campaign(CampaignAmended)
def _amended(e: EventEnvelope, p: CampaignAmended, seq: int) -> dict[str, Any]:
    return _terms(e.commune_id, p)


@_campaign(SubmissionsClosed)
def _closed(e: EventEnvelope, p: SubmissionsClosed, seq: int) -> dict[str, Any]:
    return {"closed_early_at": p.closed_at}


@_campaign(CouncilConstituted, CouncilMembershipChanged)
def _council(e: EventEnvelope, p: CouncilConstituted | CouncilMembershipChanged, seq: int) -> dict[str, Any]:
    return {"council_members": len(p.members)}


@_stage(InitiativeSubmitted)
def _submitted(e: EventEnvelope, p: InitiativeSubmitted, seq: int) -> dict[str, Any]:
    at = e.occurred_at
    return {"commune_id": e.commune_id, "initiative_id": p.initiative_id, "campaign_id": p.campaign_id,
            **_content(p.content), "status": "submitted", "submitted_at": at, "last_submitted_at": at,
            "submitted_by": e.actor.user_id, "trace_id": e.trace.trace_id, "version": e.aggregate_version,
            "last_event_seq": seq}


@_stage(InitiativeRevised)
def _revised(e: EventEnvelope, p: InitiativeRevised, seq: int) -> dict[str, Any]:
    fields = {**_content(p.content), "status": "submitted", "version": e.aggregate_version}
    if p.resubmission:
        fields["last_submitted_at"] = e.occurred_at
    return fields


@_stage(InitiativeReturned)
def _returned(e: EventEnvelope, p: InitiativeReturned, seq: int) -> dict[str, Any]:
    return {"status": "returned", "returned_at": e.occurred_at, "was_returned": True}


@_stage(InitiativeWithdrawn)
def _withdrawn(e: EventEnvelope, p: InitiativeWithdrawn, seq: int) -> dict[str, Any]:
    return {"status": "withdrawn", "withdrawn_at": e.occurred_at}


@_stage(ScoreRecorded)
def _scored(e: EventEnvelope, p: ScoreRecorded, seq: int) -> dict[str, Any]:
    return {"scored": True, "last_scored_at": e.occurred_at, f"sheets.{p.member_id}": e.occurred_at}


@_stage(ConflictDeclared)
def _traced(e: EventEnvelope, p: Any, seq: int) -> dict[str, Any]:
    """An event about the initiative that changes no stage (a declared conflict): traced only."""
    return {}


@_stage(QuestionAsked)
def _asked(e: EventEnvelope, p: QuestionAsked, seq: int) -> dict[str, Any]:
    """The council's question to the author (through the secretary): traced, and kept until it is answered."""
    return {f"questions.{field_key(p.question_id)}": {"question_id": p.question_id, "question": p.text,
                                                      "asked_at": p.asked_at, "asked_by": p.asked_by}}


@_stage(QuestionAnswered)
def _answered(e: EventEnvelope, p: QuestionAnswered, seq: int) -> dict[str, Any]:
    key = f"questions.{field_key(p.question_id)}"
    return {f"{key}.answer": p.text, f"{key}.answered_at": p.answered_at, f"{key}.seconds_taken": p.seconds_taken}


@_stage(InitiativeRecognized)
def _recognised(e: EventEnvelope, p: InitiativeRecognized, seq: int) -> dict[str, Any]:
    return {"recognised": True, "finalised_at": e.occurred_at, "mean_total": p.result.mean_total}


@_stage(InitiativeNotRecognized)
def _not_recognised(e: EventEnvelope, p: InitiativeNotRecognized, seq: int) -> dict[str, Any]:
    return {"recognised": False, "finalised_at": e.occurred_at, "mean_total": p.result.mean_total}


def _decision_signed(e: EventEnvelope, p: RecognitionDecisionSigned, seq: int) -> list[Update]:
    """The chairman's signed decision makes each initiative it lists public (open data publishes it)."""
    fields = {"decision_signed": True, "decision_number": p.decision_number,
              "decision_date": p.decision_date.isoformat()}
    return [(PIPELINE, f"{e.commune_id}:{iid}", fields, _entry(e, seq)) for iid in p.initiative_ids]


_register((RecognitionDecisionSigned,), _decision_signed)


@_stage(Nominated)
def _nominated(e: EventEnvelope, p: Nominated, seq: int) -> dict[str, Any]:
    return {"nominated": True, "nominated_at": e.occurred_at}


@_stage(NominationWithdrawn)
def _nomination_withdrawn(e: EventEnvelope, p: NominationWithdrawn, seq: int) -> dict[str, Any]:
    return {"nominated": False}


@_stage(CityAppraisalScored)
def _city_scored(e: EventEnvelope, p: CityAppraisalScored, seq: int) -> dict[str, Any]:
    """Written at the city node, about this commune's initiative."""
    at = e.occurred_at
    return {"city_appraised": True, "last_city_appraised_at": at, f"city_sheets.{field_key(p.member_id)}": at}


@_stage(CityRecognitionDecided)
def _city_decided(e: EventEnvelope, p: CityRecognitionDecided, seq: int) -> dict[str, Any]:
    fields: dict[str, Any] = {"city_recognised": p.recognised, "city_decided_at": e.occurred_at, "city_decision": {
        "recognised": p.recognised, "decision_number": p.decision_number,
        "decision_date": p.decision_date.isoformat(), "mean_effectiveness": p.mean_effectiveness,
        "mean_replicability": p.mean_replicability, "appraisals": p.appraisals, "reason": p.reason,
        "decided_by": p.decided_by}}
    if p.recognised:
        fields["city_recognised_at"] = e.occurred_at
    return fields


@_award(AwardProposed)
def _proposed(e: EventEnvelope, p: AwardProposed, seq: int) -> dict[str, Any]:
    return {"commune_id": e.commune_id, "award_id": p.award_id, "form": p.form, "form_name": p.form_name,
            "level": p.level, "year": p.year, "status": "proposed", "initiative_ids": list(p.basis.initiative_ids),
            "proposed_at": e.occurred_at,
            "recipient_kind": p.recipient.kind}


@_award(AwardGranted)
def _granted(e: EventEnvelope, p: AwardGranted, seq: int) -> dict[str, Any]:
    return {"status": "granted", "granted_at": e.occurred_at}


@_award(AwardRejected)
def _rejected(e: EventEnvelope, p: AwardRejected, seq: int) -> dict[str, Any]:
    return {"status": "rejected"}


@_award(AwardRevoked)
def _revoked(e: EventEnvelope, p: AwardRevoked, seq: int) -> dict[str, Any]:
    return {"status": "revoked"}


EVENT_TYPES = HANDLERS.event_types
"""What the pipeline reads: the projection's subjects and the as-of report's filter."""


_handler_of = HANDLERS.handler_of


def updates(envelope: EventEnvelope, stream_seq: int) -> list[Update]:
    """The updates of one event; one no handler names is traced on its initiative, if it is about one."""
    handler = _handler_of(type(envelope.payload))
    if handler is None:
        return _staged(envelope, {}, stream_seq)
    return handler(envelope, envelope.payload, stream_seq)
