"""Projection apply rate: raw `bulk_write` of a projection's own writes against `ProjectionRunner`.

The projection is the submission service's dossier register (one upsert per submission).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from nats.js.api import PubAck
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from bench.environment import Environment
from bench.events import submitted_batch
from bench.harness import Measurement, Row, Stopwatch
from reform_shared.events import build_registry
from reform_shared.projection import CHECKPOINTS, MongoOp, ProjectionRunner, by_collection_of
from reform_shared.settings import Settings
from reform_shared.store import StoredEvent
from reform_shared.subjects import event_subject
from reform_shared.telemetry import context_of, tracer
from reform_submission.application.dossiers import INITIATIVES, Dossiers

AIM = 0.70
BATCH = 500

Batches = list[dict[str, list[MongoOp]]]


async def seed(env: Environment, settings: Settings, count: int) -> tuple[list[StoredEvent], list[bytes]]:
    """Publish `count` InitiativeSubmitted events (concurrently, untimed); the stored events in order."""
    envelopes = submitted_batch(count)
    stored: list[StoredEvent] = []
    for start in range(0, count, 1000):
        chunk = envelopes[start:start + 1000]
        subjects = [event_subject(settings.subject_prefix, e) for e in chunk]
        acks: list[PubAck] = await asyncio.gather(*(
            env.js.publish(subject, e.to_json(), stream=settings.stream_name, headers=e.header_fields())
            for subject, e in zip(subjects, chunk, strict=True)
        ))
        stored += [StoredEvent(e, ack.seq, s) for e, ack, s in zip(chunk, acks, subjects, strict=True)]
    stored.sort(key=lambda event: event.stream_seq)
    return stored, [event.envelope.to_json() for event in stored]


def batches_of(stored: list[StoredEvent]) -> Batches:
    """The writes the dossier register makes, grouped per runner batch and collection (as `_commit`)."""
    register = Dossiers()
    return [by_collection_of([write for event in stored[start:start + BATCH] for write in register.apply(event)])
            for start in range(0, len(stored), BATCH)]


async def check_register(db: AsyncDatabase[dict[str, Any]], count: int) -> None:
    initiatives = await db[INITIATIVES].count_documents({})
    if initiatives != count:
        raise RuntimeError(f"the register holds {initiatives} initiatives, expected {count}")


class ProjectionBench:
    def __init__(self, env: Environment, events: int, rounds: int, diagnostics: bool) -> None:
        self.env = env
        self.events = events
        self.rounds = rounds
        self.diagnostics = diagnostics
        self.warmup = max(BATCH, min(2000, events // 5))
        self.registry = build_registry()

    async def run(self) -> tuple[list[Row], list[Row]]:
        warm_settings = await self.env.provision("pw")
        warm_stored, _ = await seed(self.env, warm_settings, self.warmup)
        settings = await self.env.provision("prj")
        stored, bodies = await seed(self.env, settings, self.events)
        batches = batches_of(stored)

        raw = Measurement(f"raw     bulk_write UpdateOne upserts, {BATCH} events/batch, no transaction", self.events)
        runner = Measurement(f"runner  prepare() + run_until_caught_up(), batch_size={BATCH}", self.events)
        tx = Measurement("raw     same bulk_writes + checkpoint, one transaction per batch", self.events)
        nats_only = Measurement("nats    fetch(500) + ack each, same durable consumer config", self.events)
        parse = Measurement("cpu     registry.parse(msg.data)  (json + pydantic)", self.events)
        span = Measurement("cpu     projection span (start_as_current_span + context_of)", self.events)
        apply = Measurement("cpu     Dossiers.apply", self.events)

        # warm-up: one small pass of everything on its own stream and database
        await self._raw(warm_settings, batches_of(warm_stored), "w", None)
        await self._runner(warm_settings, "w", len(warm_stored), None)
        for r in range(self.rounds):
            tag = f"r{r}"
            await self._raw(settings, batches, tag, raw)
            await self._runner(settings, tag, self.events, runner)
            if self.diagnostics:
                await self._raw_transaction(settings, batches, tag, tx)
                await self._nats_only(settings, tag, nats_only)
                self._cpu(stored, bodies, parse, span, apply)
        main = [Row(raw, is_baseline=True), Row(runner, raw, AIM)]
        extra = [Row(m) for m in (tx, nats_only, parse, span, apply)] if self.diagnostics else []
        return main, extra

    def _db(self, settings: Settings, tag: str) -> AsyncDatabase[dict[str, Any]]:
        return self.env.mongo[f"{settings.database_name}_{tag}"]

    async def _raw(self, settings: Settings, batches: Batches, tag: str, into: Measurement | None) -> None:
        db = self._db(settings, tag)
        await Dossiers().create_indexes(db)
        count = sum(len(ops) for ops in (batch.get(INITIATIVES, []) for batch in batches))
        with Stopwatch() as sw:
            for by_collection in batches:
                for collection, ops in by_collection.items():
                    await db[collection].bulk_write(ops, ordered=True)
        await check_register(db, count)
        # the runner of this round starts from the same (empty) database
        await self.env.mongo.drop_database(db.name)
        if into is not None:
            into.seconds.append(sw.seconds)

    async def _runner(self, settings: Settings, tag: str, count: int, into: Measurement | None) -> None:
        db = self._db(settings, tag)
        runner = ProjectionRunner(
            service=f"bench{tag}", projection=Dossiers(), js=self.env.js, client=self.env.mongo, db=db,
            registry=self.registry, stream=settings.stream_name, prefix=settings.subject_prefix, batch_size=BATCH,
        )
        with Stopwatch() as sw:
            await runner.prepare()
            await runner.run_until_caught_up(timeout=600)
        await runner.stop()
        await self.env.js.delete_consumer(settings.stream_name, runner.consumer)
        await check_register(db, count)
        checkpoint = await db[CHECKPOINTS].find_one({"_id": runner.projection.name})
        if checkpoint is None:
            raise RuntimeError("the runner wrote no checkpoint")
        await self.env.mongo.drop_database(db.name)
        if into is not None:
            into.seconds.append(sw.seconds)

    async def _raw_transaction(self, settings: Settings, batches: Batches, tag: str, into: Measurement) -> None:
        db = self._db(settings, f"{tag}tx")
        client = self.env.mongo
        await Dossiers().create_indexes(db)
        with Stopwatch() as sw:
            for index, by_collection in enumerate(batches):
                checkpoint = UpdateOne({"_id": "dossiers"}, {"$set": {"seq": index}}, upsert=True)
                async with client.start_session() as session, await session.start_transaction():
                    for collection, ops in by_collection.items():
                        await db[collection].bulk_write(ops, ordered=True, session=session)
                    await db[CHECKPOINTS].bulk_write([checkpoint], session=session)
        await client.drop_database(db.name)
        into.seconds.append(sw.seconds)

    async def _nats_only(self, settings: Settings, tag: str, into: Measurement) -> None:
        js = self.env.js
        probe = ProjectionRunner(
            service=f"benchnats{tag}{uuid.uuid4().hex[:6]}", projection=Dossiers(), js=js,
            client=self.env.mongo, db=self._db(settings, tag), registry=self.registry,
            stream=settings.stream_name, prefix=settings.subject_prefix, batch_size=BATCH,
        )
        with Stopwatch() as sw:
            await js.add_consumer(settings.stream_name, probe.consumer_config())
            sub = await js.pull_subscribe_bind(probe.consumer, stream=settings.stream_name)
            seen = 0
            while seen < self.events:
                msgs = await sub.fetch(BATCH, timeout=1.0)
                for msg in msgs:
                    _ = msg.metadata.sequence.stream
                    await msg.ack()
                seen += len(msgs)
        await sub.unsubscribe()
        await js.delete_consumer(settings.stream_name, probe.consumer)
        into.seconds.append(sw.seconds)

    def _cpu(self, stored: list[StoredEvent], bodies: list[bytes], parse: Measurement, span: Measurement,
             apply: Measurement) -> None:
        registry = self.registry
        with Stopwatch() as sw:
            envelopes = [registry.parse(body) for body in bodies]
        parse.seconds.append(sw.seconds)
        span_tracer = tracer("reform.projection.bench")
        with Stopwatch() as sw:
            for event in stored:
                envelope = event.envelope
                with span_tracer.start_as_current_span(
                    f"project dossiers {envelope.event_type}",
                    context=context_of(envelope.trace),
                    attributes={"reform.event_id": envelope.event_id, "messaging.message.id": str(event.stream_seq)},
                ):
                    pass
        span.seconds.append(sw.seconds)
        register = Dossiers()
        events = [StoredEvent(e, s.stream_seq, s.subject) for e, s in zip(envelopes, stored, strict=True)]
        with Stopwatch() as sw:
            for event in events:
                register.apply(event)
        apply.seconds.append(sw.seconds)
