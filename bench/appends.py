"""Append rate: raw `js.publish` against `JetStreamEventStore.append`, one new aggregate per event."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from nats.js.api import PubAck
from nats.js.errors import NotFoundError
from opentelemetry import trace

from bench.environment import Environment
from bench.events import COMMUNE, submitted_batch
from bench.harness import Measurement, Row, Stopwatch
from reform_shared.envelope import EventEnvelope
from reform_shared.events import build_registry
from reform_shared.store import (
    EXPECTED_LAST_SUBJECT_SEQ,
    EXPECTED_LAST_SUBJECT_SEQ_SUBJECT,
    MSG_ID,
    AggregateHistory,
    JetStreamEventStore,
)
from reform_shared.subjects import aggregate_filter, event_subject

AIM = 0.70
AGGREGATE = "initiative"

Variant = Callable[[list[EventEnvelope]], Awaitable[float]]


class _AckingStub:
    """Stands for JetStreamContext in the CPU-only variant: every publish is acknowledged at once."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.seq = 0
        self._nc = None  # the store only uses the connection in load(), which this variant never calls

    async def publish(self, subject: str, payload: bytes = b"", **options: Any) -> PubAck:
        self.seq += 1
        return PubAck(stream=self.stream, seq=self.seq)


class AppendBench:
    def __init__(self, env: Environment, events: int, rounds: int, diagnostics: bool) -> None:
        self.env = env
        self.events = events
        self.rounds = rounds
        self.diagnostics = diagnostics
        self.warmup = max(50, min(500, events // 10))

    async def run(self) -> tuple[list[Row], list[Row]]:
        settings = await self.env.provision("app")
        self.stream = settings.stream_name
        self.prefix = settings.subject_prefix
        self.store = JetStreamEventStore(self.env.js, build_registry(), self.stream, self.prefix)
        raw = Measurement("raw     js.publish(subject, body), pre-serialised", self.events)
        store = Measurement("store   append(AggregateHistory(...), [event])", self.events)
        load_append = Measurement("store   load() + append()  (what a command does)", self.events)
        variants: list[tuple[Measurement, Variant]] = [
            (raw, self._raw), (store, self._store_append), (load_append, self._load_append)
        ]
        extra: list[tuple[Measurement, Variant]] = []
        if self.diagnostics:
            extra = [
                (Measurement("raw     js.publish + the store's headers incl. traceparent", self.events),
                 self._raw_with_headers),
                (Measurement("store   append() with js.publish stubbed out: client CPU only", self.events),
                 self._store_cpu_only),
            ]
            if hasattr(self.store, "_tracer"):
                extra.append((Measurement("store   append() with a no-op tracer (no producer span)", self.events),
                              self._store_no_span))
            extra += [
                (Measurement("store   load() alone, empty aggregate", self.events), self._load_only),
                (Measurement("probe   STREAM.MSG.GET last_by_subj=<aggregate>.* (empty)", self.events),
                 self._probe_get_last),
                (Measurement("probe   DIRECT.GET last_by_subj=<aggregate>.* (empty)", self.events),
                 self._probe_direct_get),
            ]
        for _measurement, variant in [*variants, *extra]:
            await variant(submitted_batch(self.warmup))  # warm-up: connections, server caches
        for _ in range(self.rounds):
            for measurement, variant in [*variants, *extra]:
                measurement.seconds.append(await variant(submitted_batch(self.events)))
        main = [Row(raw, is_baseline=True), Row(store, raw, AIM), Row(load_append, raw)]
        return main, [Row(m) for m, _ in extra]

    # -- variants: each gets fresh envelopes (new aggregates) and returns seconds ------------
    async def _raw(self, envelopes: list[EventEnvelope]) -> float:
        bodies = [(event_subject(self.prefix, e), e.to_json()) for e in envelopes]
        publish = self.env.js.publish
        with Stopwatch() as sw:
            for subject, body in bodies:
                await publish(subject, body)
        return sw.seconds

    async def _store_append(self, envelopes: list[EventEnvelope]) -> float:
        return await self._append_all(self.store, envelopes)

    async def _load_append(self, envelopes: list[EventEnvelope]) -> float:
        store = self.store
        with Stopwatch() as sw:
            for envelope in envelopes:
                history = await store.load(COMMUNE, AGGREGATE, envelope.aggregate_id)
                await store.append(history, [envelope])
        return sw.seconds

    async def _raw_with_headers(self, envelopes: list[EventEnvelope]) -> float:
        """The exact headers the store sends (with a trace context), published without the store's code."""
        prepared = []
        for e in envelopes:
            headers = {
                EXPECTED_LAST_SUBJECT_SEQ: "0",
                EXPECTED_LAST_SUBJECT_SEQ_SUBJECT: aggregate_filter(self.prefix, COMMUNE, AGGREGATE, e.aggregate_id),
                MSG_ID: e.event_id,
                **e.header_fields(),
                "traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01",
            }
            prepared.append((event_subject(self.prefix, e), e.to_json(), headers))
        publish = self.env.js.publish
        stream = self.stream
        with Stopwatch() as sw:
            for subject, body, headers in prepared:
                await publish(subject, body, stream=stream, headers=headers)
        return sw.seconds

    async def _store_cpu_only(self, envelopes: list[EventEnvelope]) -> float:
        """The store's own code per append: the same store over a JetStream stub that acks at once."""
        store = JetStreamEventStore(_AckingStub(self.stream), self.store.registry, self.stream, self.prefix)  # type: ignore[arg-type]
        return await self._append_all(store, envelopes)

    async def _store_no_span(self, envelopes: list[EventEnvelope]) -> float:
        store = JetStreamEventStore(self.env.js, self.store.registry, self.stream, self.prefix)
        store._tracer = trace.NoOpTracer()  # type: ignore[attr-defined]
        return await self._append_all(store, envelopes)

    @staticmethod
    async def _append_all(store: JetStreamEventStore, envelopes: list[EventEnvelope]) -> float:
        histories = [AggregateHistory(COMMUNE, AGGREGATE, e.aggregate_id) for e in envelopes]
        append = store.append
        with Stopwatch() as sw:
            for history, envelope in zip(histories, envelopes, strict=True):
                await append(history, [envelope])
        return sw.seconds

    async def _load_only(self, envelopes: list[EventEnvelope]) -> float:
        load = self.store.load
        with Stopwatch() as sw:
            for e in envelopes:
                await load(COMMUNE, AGGREGATE, e.aggregate_id)
        return sw.seconds

    async def _probe_get_last(self, envelopes: list[EventEnvelope]) -> float:
        js = self.env.js
        filters = [aggregate_filter(self.prefix, COMMUNE, AGGREGATE, e.aggregate_id) for e in envelopes]
        with Stopwatch() as sw:
            for subject_filter in filters:
                try:
                    await js.get_last_msg(self.stream, subject_filter)
                except NotFoundError:
                    pass
        return sw.seconds

    async def _probe_direct_get(self, envelopes: list[EventEnvelope]) -> float:
        nc = self.env.nc
        subject = f"$JS.API.DIRECT.GET.{self.stream}"
        requests = [
            json.dumps({"last_by_subj": aggregate_filter(self.prefix, COMMUNE, AGGREGATE, e.aggregate_id)}).encode()
            for e in envelopes
        ]
        with Stopwatch() as sw:
            for body in requests:
                reply = await nc.request(subject, body, timeout=10)
                if reply.data or (reply.headers or {}).get("Status") != "404":
                    raise RuntimeError(f"direct get of an empty aggregate: {reply.headers} {reply.data[:80]!r}")
        return sw.seconds


async def check_probe_sees_events(env: Environment, bench: AppendBench) -> str:
    """Does last_by_subj with the aggregate's wildcard find an existing aggregate's last event?"""
    envelope = submitted_batch(1)[0]
    outcome = await bench.store.append(AggregateHistory(COMMUNE, AGGREGATE, envelope.aggregate_id), [envelope])
    subject_filter = aggregate_filter(bench.prefix, COMMUNE, AGGREGATE, envelope.aggregate_id)
    found = await env.js.get_last_msg(bench.stream, subject_filter)
    reply = await env.nc.request(
        f"$JS.API.DIRECT.GET.{bench.stream}", json.dumps({"last_by_subj": subject_filter}).encode(), timeout=10
    )
    direct_seq = int((reply.headers or {}).get("Nats-Sequence", "0"))
    expected = outcome.events[0].stream_seq
    return (
        f"last_by_subj with a wildcard finds an aggregate's last event: STREAM.MSG.GET seq {found.seq}, "
        f"DIRECT.GET seq {direct_seq}, appended at seq {expected} "
        f"({'both match' if found.seq == direct_seq == expected else 'MISMATCH'})"
    )
