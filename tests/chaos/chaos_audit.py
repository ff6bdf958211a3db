"""The invariants checked once the node is back: the stream, the answers, the projections, the attachments.

Each check returns violations: (invariant, detail) pairs, so one run reports everything that failed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter, defaultdict
from typing import Any

import httpx
import nats
from chaos_load import Command, Upload
from chaos_node import ChaosNode
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pymongo import MongoClient

from reform_awards.application.board import AwardBoard
from reform_directory.application.projection import DirectoryBook
from reform_evaluation.application.board import Board
from reform_evaluation.application.city import CityBoard
from reform_node.demo import COMMUNE
from reform_reporting.application.projection import Pipeline
from reform_shared.projection import Projection
from reform_submission.application.dossiers import Dossiers

Violation = tuple[str, str]

PROJECTIONS: dict[str, tuple[type[Projection], ...]] = {
    "submission": (Dossiers,),
    "evaluation": (Board, CityBoard),
    "awards": (AwardBoard,),
    "reporting": (Pipeline,),
    "directory": (DirectoryBook,),
}
"""Each service's projections, as its bootstrap.py wires them."""

RUN_FIELDS: frozenset[str] = frozenset()
"""Fields a projection would stamp with the time of its own run (none today: every projected document is a pure
function of the events, and the checkpoint's `updated_at` lives in `_projection_checkpoints`, not compared)."""


CATCH_UP_BOUND = 15.0
"""Seconds a projection may still lag once the load stopped and the node is whole (it had followed the load)."""


# -- the stream ------------------------------------------------------------------------------------
async def submitted_events(node: ChaosNode) -> list[dict[str, Any]]:
    """Every InitiativeSubmitted envelope of the commune, read from the stream itself (not a projection)."""
    nc = await nats.connect(node.config.nats_url, connect_timeout=5, max_reconnect_attempts=3)
    try:
        js = nc.jetstream(timeout=10)
        subject = f"{node.config.subject_prefix}.{COMMUNE}.initiative.*.InitiativeSubmitted"
        config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE,
                                inactive_threshold=120.0)
        sub = await js.pull_subscribe(subject, stream=node.config.stream_name, config=config)
        expected = (await sub.consumer_info()).num_pending
        envelopes: list[dict[str, Any]] = []
        deadline = time.monotonic() + 60
        while len(envelopes) < expected and time.monotonic() < deadline:
            try:
                batch = await sub.fetch(min(500, expected - len(envelopes)), timeout=2)
            except nats.errors.TimeoutError:
                continue
            envelopes.extend(json.loads(msg.data) for msg in batch)
        if len(envelopes) < expected:
            raise TimeoutError(f"read {len(envelopes)} of {expected} InitiativeSubmitted events from the stream")
        await sub.unsubscribe()
        return envelopes
    finally:
        await nc.close()


def check_stream(commands: list[Command], envelopes: list[dict[str, Any]]) -> list[Violation]:
    """Every acknowledged command has exactly one event, the one it was answered with; none has two."""
    by_key: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for envelope in envelopes:
        by_key[envelope.get("idempotency_key")].append(envelope)
    violations: list[Violation] = []
    ours = set()
    for command in commands:
        key = command.scoped_key
        ours.add(key)
        events = by_key.get(key, [])
        success = command.first_success
        seqs = [e.get("event_id") for e in events]
        if success is not None:
            if len(events) != 1:
                violations.append(("acknowledged_exactly_once",
                                   f"{command.client_key} (scoped {key}) acknowledged, {len(events)} events: {seqs}"))
            elif isinstance(success.body, dict) and (
                    events[0]["event_id"] != success.body.get("event_id")
                    or events[0]["payload"]["initiative_id"] != success.body.get("id")):
                violations.append(("answer_is_the_stored_event",
                                   f"{command.client_key}: answered event {success.body.get('event_id')} "
                                   f"id {success.body.get('id')}, stream holds {events[0]['event_id']} "
                                   f"id {events[0]['payload']['initiative_id']}"))
        elif len(events) > 1:
            violations.append(("unacknowledged_at_most_once",
                               f"{command.client_key} never acknowledged, {len(events)} events: {seqs}"))
    strangers = [k for k in by_key if k not in ours]
    if strangers:
        violations.append(("no_event_without_command",
                           f"{sum(len(by_key[k]) for k in strangers)} InitiativeSubmitted events under "
                           f"{len(strangers)} keys no client sent, e.g. {strangers[:3]}"))
    return violations


# -- the answers -----------------------------------------------------------------------------------
def history(command: Command, origin: float) -> str:
    """The attempts of a command: when (seconds since the load started) and what came back."""
    return ", ".join(f"+{a.at - origin:.2f}s {a.outcome}" for a in command.attempts)


def check_answers(commands: list[Command], origin: float) -> list[Violation]:
    """Every retry of a key got the first answer; no key was ever refused (each body is unique and valid)."""
    violations: list[Violation] = []
    for command in commands:
        first = command.first_success
        for attempt in command.attempts:
            if attempt.status is None or attempt.status >= 500:
                continue
            if not 200 <= attempt.status < 300:
                violations.append(("retry_never_refused",
                                   f"{command.client_key}: {attempt.outcome} "
                                   f"{json.dumps(attempt.body, ensure_ascii=False)[:160]}; attempts: "
                                   f"{history(command, origin)}"))
            elif first is not None and attempt is not first and attempt.body != first.body:
                violations.append(("retry_gets_the_first_answer",
                                   f"{command.client_key}: first {summary(first.body)}, then {summary(attempt.body)}"
                                   f"{' (replayed)' if attempt.replayed else ''}; "
                                   f"attempts: {history(command, origin)}"))
        if command.unresolved:
            violations.append(("every_command_answered",
                               f"{command.client_key}: no definitive answer after {len(command.attempts)} attempts, "
                               f"{history(command, origin)[-300:]}"))
    return violations


def summary(body: Any) -> str:
    if isinstance(body, dict):
        return f"id={body.get('id')} event_id={body.get('event_id')} seq={body.get('stream_sequence')}"
    return repr(body)[:120]


def check_server_errors(counts: Counter[str]) -> list[Violation]:
    """An outage answers 503 (retry later); a 500 says the server did not know what happened."""
    errors = {outcome: n for outcome, n in counts.items()
              if outcome.split(" ")[1].startswith("5") and outcome.split(" ")[1] != "503"}
    return [("outage_answers_503", f"{n} answers {outcome}") for outcome, n in sorted(errors.items())]


# -- the projections -------------------------------------------------------------------------------
async def projection_status(http: httpx.AsyncClient, node: ChaosNode, service: str) -> list[dict[str, Any]]:
    response = await http.get(f"{node.url(service)}/ops/projections", headers=node.operator, timeout=10)
    response.raise_for_status()
    statuses: list[dict[str, Any]] = response.json()
    return statuses


async def caught_up(http: httpx.AsyncClient, node: ChaosNode, service: str, name: str,
                    within: float) -> dict[str, Any]:
    """Wait until the projection has nothing pending twice in a row; returns its last status (caught up or not)."""
    started = time.monotonic()
    deadline = started + within
    quiet = 0
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            status = next(s for s in await projection_status(http, node, service) if s["projection"] == name)
        except (httpx.HTTPError, StopIteration) as exc:
            status = {"error": repr(exc)}
            quiet = 0
        else:
            quiet = quiet + 1 if status["lag"] == 0 and status["running"] else 0
            if quiet >= 2:
                return {**status, "caught_up": True, "caught_up_s": round(time.monotonic() - started, 1)}
        await asyncio.sleep(0.3)
    return {**status, "caught_up": False, "caught_up_s": None}


def dump(node: ChaosNode, service: str, projection: type[Projection]) -> dict[str, dict[str, Any]]:
    """The projection's documents, by collection and id, without fields of the projection's own run."""
    client: MongoClient[dict[str, Any]] = MongoClient(node.config.mongo_url, tz_aware=True,
                                                      serverSelectionTimeoutMS=10_000)
    try:
        db = client[node.config.database(service)]
        return {
            collection: {repr(doc["_id"]): {k: v for k, v in doc.items() if k not in RUN_FIELDS}
                         for doc in db[collection].find()}
            for collection in projection.collections
        }
    finally:
        client.close()


def diff(live: dict[str, dict[str, Any]], rebuilt: dict[str, dict[str, Any]]) -> list[str]:
    """Per collection: documents missing from the live projection, extra in it, and different (first fields)."""
    lines = []
    for collection in sorted(set(live) | set(rebuilt)):
        a, b = live.get(collection, {}), rebuilt.get(collection, {})
        missing = sorted(set(b) - set(a))
        extra = sorted(set(a) - set(b))
        changed = sorted(k for k in set(a) & set(b) if a[k] != b[k])
        if not (missing or extra or changed):
            continue
        line = (f"{collection}: live {len(a)} docs, rebuilt {len(b)}; missing {len(missing)} {missing[:3]}, "
                f"extra {len(extra)} {extra[:3]}, different {len(changed)}")
        if changed:
            k = changed[0]
            fields = sorted(f for f in set(a[k]) | set(b[k]) if a[k].get(f) != b[k].get(f))
            line += f", e.g. {k}: fields {fields[:6]} live={_short(a[k], fields)} rebuilt={_short(b[k], fields)}"
        lines.append(line)
    return lines


def _short(doc: dict[str, Any], fields: list[str]) -> str:
    return repr({f: doc.get(f) for f in fields[:3]})[:240]


async def check_projections(node: ChaosNode, report: dict[str, Any], commands: list[Command],
                            within: float = 90) -> list[Violation]:
    """Every projection, caught up, equals its rebuild from the stream; nothing is parked; the live dossiers
    hold every acknowledged initiative."""
    violations: list[Violation] = []
    async with httpx.AsyncClient() as http:
        live: dict[str, dict[str, dict[str, Any]]] = {}
        for service, projections in PROJECTIONS.items():
            for projection in projections:
                status = await caught_up(http, node, service, projection.name, within)
                report.setdefault("projections", {})[projection.name] = {"before_rebuild": status}
                if not status["caught_up"]:
                    violations.append(("projection_catches_up", f"{service}/{projection.name}: {status}"))
                elif status["caught_up_s"] > CATCH_UP_BOUND:
                    violations.append(("projection_catches_up", f"{service}/{projection.name}: caught up "
                                                                f"{status['caught_up_s']}s after the load stopped "
                                                                f"(bound {CATCH_UP_BOUND}s)"))
                if status.get("parked"):
                    violations.append(("nothing_parked", f"{service}/{projection.name}: {status['parked']} parked, "
                                                         f"last error {status.get('last_error')}"))
                live[projection.name] = await asyncio.to_thread(dump, node, service, projection)
        violations += check_acknowledged_are_projected(commands, live[Dossiers.name])
        started = time.monotonic()
        for service, projections in PROJECTIONS.items():
            for projection in projections:
                response = await http.post(f"{node.url(service)}/ops/projections/{projection.name}/rebuild",
                                           headers=node.operator, timeout=60)
                if response.status_code != 202:
                    violations.append(("projection_rebuilds", f"{service}/{projection.name}: "
                                                              f"{response.status_code} {response.text[:200]}"))
        for service, projections in PROJECTIONS.items():
            for projection in projections:
                status = await caught_up(http, node, service, projection.name, within)
                report["projections"][projection.name]["after_rebuild"] = status
                if not status["caught_up"]:
                    violations.append(("projection_rebuilds", f"{service}/{projection.name} not caught up: {status}"))
                    continue
                rebuilt = await asyncio.to_thread(dump, node, service, projection)
                before = report["projections"][projection.name]["before_rebuild"]
                report["projections"][projection.name]["documents"] = {c: len(d) for c, d in rebuilt.items()}
                if before.get("last_applied_sequence") != status.get("last_applied_sequence"):
                    violations.append(("checkpoint_equals_rebuild",
                                       f"{service}/{projection.name}: live checkpoint "
                                       f"{before.get('last_applied_sequence')}, rebuilt "
                                       f"{status.get('last_applied_sequence')}"))
                for line in diff(live[projection.name], rebuilt):
                    violations.append(("projection_equals_rebuild", f"{service}/{projection.name}: {line}"))
        report["rebuild_seconds"] = round(time.monotonic() - started, 1)
    return violations


def check_acknowledged_are_projected(commands: list[Command], live: dict[str, dict[str, Any]]) -> list[Violation]:
    """The submission service's live read side knows every acknowledged initiative."""
    acknowledged = {c.first_success.body.get("id") for c in commands
                    if c.first_success is not None and isinstance(c.first_success.body, dict)}
    known = {doc.get("initiative_id") for doc in live.get("initiatives", {}).values()}
    lost = sorted(str(i) for i in acknowledged - known)
    return [("acknowledged_is_projected", f"{len(lost)} acknowledged initiatives absent from the live dossiers "
                                          f"projection, e.g. {lost[:3]}")] if lost else []


# -- the attachments -------------------------------------------------------------------------------
async def check_attachments(node: ChaosNode, uploads: list[Upload], headers: dict[str, str]) -> list[Violation]:
    """Every acknowledged upload reads back byte for byte."""
    violations: list[Violation] = []
    async with httpx.AsyncClient(timeout=30) as http:
        for upload in uploads:
            if upload.attachment_id is None:
                continue
            if upload.server_sha256 != upload.sha256:
                violations.append(("attachment_checksum_acknowledged",
                                   f"{upload.name}: sent {upload.sha256}, acknowledged {upload.server_sha256}"))
            url = f"{node.url('submission')}/api/v1/communes/{COMMUNE}/attachments/{upload.attachment_id}"
            try:
                response = await http.get(url, headers=headers)
            except httpx.HTTPError as exc:
                violations.append(("attachment_readable", f"{upload.name} ({upload.attachment_id}): {exc!r}"))
                continue
            if response.status_code != 200:
                violations.append(("attachment_readable", f"{upload.name} ({upload.attachment_id}): "
                                                          f"{response.status_code} {response.text[:160]}"))
            elif hashlib.sha256(response.content).hexdigest() != upload.sha256:
                violations.append(("attachment_readable", f"{upload.name} ({upload.attachment_id}): "
                                                          f"{len(response.content)} bytes, not the "
                                                          f"{len(upload.data)} acknowledged"))
    return violations
