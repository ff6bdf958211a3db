"""The audit view of any aggregate, served by every service: who did what, when, under which trace.

`GET /api/v1/communes/{c}/audit/{aggregate_type}/{aggregate_id}` reads the aggregate's own history from the
record (the stream, not a projection: what it shows is what was decided, in order), for the commune's
secretary and operators. A campaign, a council, a score sheet, an evaluation, a slate, an award, a claim, the
directory — every aggregate type the event registry knows — reads the same way.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from reform_shared.envelope import TOKEN_PATTERN, EventEnvelope
from reform_shared.errors import InvalidInput, NotFound, ServiceUnavailable
from reform_shared.http.deps import ActorDep, CommuneId, RuntimeDep, require_commune, require_role
from reform_shared.ports import StoredEvent
from reform_shared.registry import EventRegistry

AUDITORS = ("secretary", "operator")
AggregateType = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$", description="e.g. campaign, council, award")]
AggregateId = Annotated[str, Path(pattern=TOKEN_PATTERN)]


def aggregate_types(registry: EventRegistry) -> set[str]:
    return {registry.model_for(t).aggregate_type for t in registry.event_types}


def entry(event: StoredEvent, jaeger: str | None) -> dict[str, Any]:
    """One line of the audit: who (the authenticated actor), what (the event and its facts), when, which trace."""
    e: EventEnvelope = event.envelope
    trace = e.trace.trace_id
    return {
        "version": e.aggregate_version, "stream_seq": event.stream_seq, "event_id": e.event_id,
        "when": e.occurred_at.isoformat(),
        "who": {"user_id": e.actor.user_id, "name": e.actor.name, "roles": list(e.actor.roles)},
        "what": {"event_type": e.event_type, "schema_version": e.schema_version,
                 "facts": e.payload.model_dump(mode="json")},
        "trace": {"trace_id": trace, "traceparent": e.trace.traceparent,
                  "jaeger_url": f"{jaeger.rstrip('/')}/trace/{trace}" if jaeger and trace else None},
        "correlation_id": e.correlation_id, "causation_id": e.causation_id,
        "idempotency_key": e.idempotency_key,
    }


def audit_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/communes/{commune_id}/audit", tags=["audit"])

    @router.get("/{aggregate_type}/{aggregate_id}")
    async def audit(commune_id: CommuneId, aggregate_type: AggregateType, aggregate_id: AggregateId,
                    actor: ActorDep, runtime: RuntimeDep) -> dict[str, Any]:
        """Every event of one aggregate, in order: who, what, when, which trace (secretary, operator)."""
        require_commune(actor, commune_id)
        require_role(actor, *AUDITORS)
        known = aggregate_types(runtime.registry)
        if aggregate_type not in known:
            raise InvalidInput(
                f"Loại hồ sơ '{aggregate_type}' không có trong sổ sự kiện; các loại: {', '.join(sorted(known))}",
                f"unknown aggregate type '{aggregate_type}'", field="aggregate_type", rule="known_aggregate_type")
        if runtime.store is None:
            raise ServiceUnavailable("nats", "no event store")
        history = await runtime.store.load(commune_id, aggregate_type, aggregate_id)
        if not history.events:
            raise NotFound(f"Không có bản ghi nào của {aggregate_type} '{aggregate_id}' tại {commune_id}",
                           f"no record of {aggregate_type} '{aggregate_id}' in commune {commune_id}",
                           field="aggregate_id", rule="known_aggregate")
        jaeger = runtime.settings.jaeger_ui_url
        return {"commune_id": commune_id, "aggregate_type": aggregate_type, "aggregate_id": aggregate_id,
                "version": history.version, "events": [entry(event, jaeger) for event in history.events]}

    return router
