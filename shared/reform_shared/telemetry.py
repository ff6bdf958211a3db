"""OpenTelemetry set-up and W3C trace-context propagation through NATS headers.

Spans are always created (so every event can keep the trace id of its request), but they are
exported only when an OTLP endpoint is configured.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased

from reform_shared.envelope import TraceContext

_configured: TracerProvider | None = None


def setup_tracing(service_name: str, otlp_endpoint: str | None) -> TracerProvider:
    """Install the process's tracer provider once; export by OTLP/HTTP only if configured."""
    global _configured
    if _configured is not None:
        return _configured
    # Nothing to export: spans are not recorded unless a caller's trace is sampled, but every
    # span still gets a trace id, so events keep theirs. (Recording costs ~45 µs per append.)
    sampler = ParentBased(ALWAYS_ON if otlp_endpoint else ALWAYS_OFF)
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}), sampler=sampler)
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = otlp_endpoint.rstrip("/")
        if not endpoint.endswith("/v1/traces"):
            endpoint += "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    try:
        from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

        PymongoInstrumentor().instrument()
    except Exception:  # noqa: BLE001 - instrumentation is optional at run time
        pass
    _configured = provider
    return provider


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def current_trace_context() -> TraceContext:
    """The active span's context, in the form kept inside events."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    span_context = trace.get_current_span().get_span_context()
    trace_id = format(span_context.trace_id, "032x") if span_context.is_valid else None
    return TraceContext(
        traceparent=carrier.get("traceparent"), tracestate=carrier.get("tracestate"), trace_id=trace_id
    )


def inject_headers(headers: dict[str, str]) -> None:
    propagate.inject(headers)


def extract_context(headers: Mapping[str, str] | None) -> Context:
    return propagate.extract(dict(headers or {}))


def context_of(trace_context: TraceContext) -> Context:
    """A parent context from the trace context kept in an event."""
    carrier = {}
    if trace_context.traceparent:
        carrier["traceparent"] = trace_context.traceparent
    if trace_context.tracestate:
        carrier["tracestate"] = trace_context.tracestate
    return propagate.extract(carrier)
