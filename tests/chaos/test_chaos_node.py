"""Nothing acknowledged is ever lost or answered wrongly: a whole commune node under kill -9 (issue 12).

Real processes only (nats-server, SecantusDB, every service, as `reform_node` starts them). Under a steady
load of clients that retry every command with its own Idempotency-Key and the same body until a definitive
answer, each process kind is killed (SIGKILL) and restarted on the same ports and data, cycling through the
kinds in an order drawn from a seeded RNG. Then every invariant is checked and every violation reported at
once, with the timeline of kills and of what the clients saw.

Knobs (environment): REFORM_CHAOS_SEED (default 12), REFORM_CHAOS_ROUNDS (rounds of one kill per kind, default
2), REFORM_CHAOS_MAX_SECONDS (bound of the kill phase, default 120), REFORM_CHAOS_REPORT (a path for the JSON
report; it is always written beside the node's folder too), REFORM_CHAOS_DIR (where the nodes' data and logs go,
instead of pytest's tmp folders).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from chaos_audit import (
    Violation,
    check_answers,
    check_attachments,
    check_projections,
    check_server_errors,
    check_stream,
    submitted_events,
)
from chaos_load import Load, Recorder, Upload, pdf_bytes, submitter, uploader
from chaos_node import INFRASTRUCTURE, KINDS, ChaosNode, all_ready_after

from reform_node.node import SERVICES

pytestmark = pytest.mark.chaos

SEED = int(os.environ.get("REFORM_CHAOS_SEED", "12"))
ROUNDS = int(os.environ.get("REFORM_CHAOS_ROUNDS", "2"))
MAX_KILL_PHASE = float(os.environ.get("REFORM_CHAOS_MAX_SECONDS", "120"))
CLIENTS = 4
READY_BOUND = 30.0
"""Every service answers /ready 200 within this many seconds of its restart (or of its dependency's)."""
READY_WAIT = 45.0
"""How long a restart is watched: long enough to measure a slow one, bounded so the run is."""
SHORT_OUTAGE = (0.5, 3.0)
LONG_OUTAGE = (6.0, 9.0)
"""Seconds nats-server or the database stays down after its kill (first round, later rounds)."""
DRAIN = 45.0
"""After the kills: how long the clients keep retrying the commands still without an answer."""


class Timeline:
    """What happened when, relative to the start of the load, with what the clients saw in between."""

    def __init__(self, recorder: Recorder) -> None:
        self.started = time.monotonic()
        self.recorder = recorder
        self.entries: list[dict[str, Any]] = []

    def mark(self, what: str, **details: Any) -> None:
        entry = {"t": round(time.monotonic() - self.started, 2), "what": what, **details,
                 "clients_since_last": self.recorder.since_last_mark()}
        self.entries.append(entry)
        print(f"[chaos +{entry['t']:7.2f}s] {what} {details} clients: {entry['clients_since_last']}", flush=True)


@pytest.fixture
def chaos_node(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ChaosNode]:
    """A fresh node; in REFORM_CHAOS_DIR/<test> when set, so its logs outlive pytest's tmp folders."""
    base = Path(os.environ["REFORM_CHAOS_DIR"]) / request.node.name if os.environ.get("REFORM_CHAOS_DIR") \
        else tmp_path
    shutil.rmtree(base / "node", ignore_errors=True)
    node = ChaosNode(base / "node")
    node.start()
    try:
        yield node
    finally:
        node.stop()


async def heal(node: ChaosNode, http: httpx.AsyncClient, timeline: Timeline, violations: list[Violation],
               within: float = READY_WAIT) -> None:
    """Restart whatever died without being killed; when a service does not get ready, do what an operator would:
    restart the database (which ends the transactions killed clients left open) and the service. The checks
    after the kills need the whole node; each such case is a violation of its own."""
    for kind, code in node.exited().items():
        violations.append(("process_stays_up", f"{kind} exited by itself (code {code}); log: "
                                               f"{node.log_tail(kind, 5)}"))
        timeline.mark("restart (exited by itself)", kind=kind, code=code)
        await asyncio.to_thread(node.restart, kind)
    answers = await all_ready_after(http, node, time.monotonic(), within)
    stuck = {service: last for service, (seconds, last) in answers.items() if seconds is None}
    if not stuck:
        return
    violations.append(("recovers_without_operator", f"{sorted(stuck)} not ready (last answers {stuck}): recovered "
                                                    "by restarting the database, then them"))
    timeline.mark("recovery: restart of the database and of the stuck services", services=sorted(stuck))
    for service in stuck:
        node.kill(service)
    await asyncio.to_thread(node.child("mongo").stop)
    await asyncio.to_thread(node.restart, "mongo")
    for service in stuck:
        await asyncio.to_thread(node.restart, service)
    answers = await all_ready_after(http, node, time.monotonic(), READY_WAIT)
    timeline.mark("recovered", ready_s={service: seconds for service, (seconds, _) in answers.items()})
    for service, (seconds, last) in answers.items():
        if seconds is None:
            violations.append(("recovers_without_operator", f"{service} still not ready after the recovery: {last}"))


async def kill_and_restart(node: ChaosNode, kind: str, outage: tuple[float, float], rng: random.Random,
                           http: httpx.AsyncClient, timeline: Timeline, readiness: dict[str, list[float | None]],
                           violations: list[Violation]) -> None:
    pid = node.kill(kind)
    down = round(rng.uniform(*outage) if kind in INFRASTRUCTURE else rng.uniform(0.0, 0.3), 2)
    timeline.mark("kill -9", kind=kind, pid=pid, down_s=down)
    await asyncio.sleep(down)
    started = time.monotonic()
    await asyncio.to_thread(node.restart, kind)
    process_seconds = round(time.monotonic() - started, 2)
    answers = await all_ready_after(http, node, started, READY_WAIT)
    ready = {service: seconds for service, (seconds, _) in answers.items()}
    watched = SERVICES if kind in INFRASTRUCTURE else (kind,)
    for service in watched:
        seconds, last = answers[service]
        readiness.setdefault(f"{service} after {kind}" if kind in INFRASTRUCTURE else service, []).append(seconds)
        if seconds is None or seconds > READY_BOUND:
            violations.append(("ready_within_bound", f"{service} after the restart of {kind} at "
                                                     f"+{timeline.entries[-1]['t']}s: ready after {seconds}s "
                                                     f"(bound {READY_BOUND}s), answer before: {last}; its log: "
                                                     f"{node.log_tail(service, 6)}"))
    timeline.mark("restarted", kind=kind, process_start_s=process_seconds, ready_s=ready)
    await heal(node, http, timeline, violations, within=1.0)


async def kill_phase(node: ChaosNode, timeline: Timeline, readiness: dict[str, list[float | None]],
                     violations: list[Violation]) -> int:
    """ROUNDS rounds of one kill per kind (a seeded order each round), a few seconds apart; returns the kills."""
    rng = random.Random(SEED)
    deadline = time.monotonic() + MAX_KILL_PHASE
    kills = 0
    async with httpx.AsyncClient() as http:
        for round_number in range(ROUNDS):
            order = list(KINDS)
            rng.shuffle(order)
            # nats-server and the database stay down a little in the first round, longer than a client's
            # timeout afterwards: requests meet the outage, and should be answered 503.
            outage = SHORT_OUTAGE if round_number == 0 else LONG_OUTAGE
            timeline.mark("round", number=round_number + 1, order=order, outage_s=outage)
            for kind in order:
                await asyncio.sleep(rng.uniform(2.0, 4.0))
                if time.monotonic() > deadline:
                    timeline.mark("kill phase bound reached", bound_s=MAX_KILL_PHASE)
                    return kills
                await kill_and_restart(node, kind, outage, rng, http, timeline, readiness, violations)
                kills += 1
        await asyncio.sleep(2.0)
    return kills


def readiness_figures(readiness: dict[str, list[float | None]]) -> dict[str, dict[str, Any]]:
    figures = {}
    for what, values in sorted(readiness.items()):
        measured = [v for v in values if v is not None]
        figures[what] = {"n": len(values), "never": len(values) - len(measured),
                         "min": min(measured, default=None),
                         "median": statistics.median(measured) if measured else None,
                         "max": max(measured, default=None)}
    return figures


def verdict(violations: list[Violation], report: dict[str, Any], report_path: Path) -> str:
    by_invariant: dict[str, list[str]] = {}
    for invariant, detail in violations:
        by_invariant.setdefault(invariant, []).append(detail)
    report["violations"] = {k: {"count": len(v), "examples": v[:10]} for k, v in by_invariant.items()}
    text = json.dumps(report, indent=1, default=str, ensure_ascii=False)
    report_path.write_text(text)
    if extra := os.environ.get("REFORM_CHAOS_REPORT"):
        Path(extra).write_text(text)
    lines = [f"{len(violations)} violations of {len(by_invariant)} invariants (seed {SEED}; report {report_path}):"]
    for invariant, details in sorted(by_invariant.items()):
        lines.append(f"- {invariant}: {len(details)}")
        lines.extend(f"    {d}" for d in details[:5])
    lines.append(f"clients saw: {report['client_outcomes']}")
    lines.append(f"logs: {report['log_findings']}")
    return "\n".join(lines)


@pytest.mark.timeout(600)
async def test_nothing_acknowledged_is_lost_or_answered_wrongly_under_kill_9(chaos_node: ChaosNode) -> None:
    node = chaos_node
    campaign = await asyncio.to_thread(node.launch_campaign)
    recorder = Recorder()
    load = Load(node.url("submission"), campaign, recorder)
    timeline = Timeline(recorder)
    violations: list[Violation] = []
    readiness: dict[str, list[float | None]] = {}
    writer = node.bearer("chaos-uploader", ["submitter"])

    clients = [asyncio.create_task(submitter(load, lambda user: node.bearer(user, ["submitter"]), i, SEED))
               for i in range(CLIENTS)]
    clients.append(asyncio.create_task(uploader(load, writer, SEED)))
    timeline.mark("load started", clients=CLIENTS, uploader=1, seed=SEED)
    kills = await kill_phase(node, timeline, readiness, violations)

    load.stop_new.set()
    load.give_up_at = time.monotonic() + DRAIN
    timeline.mark("kills over: no new commands, retries until answered", drain_s=DRAIN)
    done, pending = await asyncio.wait(clients, timeout=DRAIN + 15)
    for task in pending:
        task.cancel()
    for task in done:
        if task.exception() is not None:
            violations.append(("harness", f"a client failed: {task.exception()!r}"))
    async with httpx.AsyncClient() as http:
        await heal(node, http, timeline, violations)
    timeline.mark("load stopped", commands=len(load.commands), uploads=len(load.uploads))

    # A deliberate retry of every acknowledged command, once the node is whole: the first answer, again.
    await replay_acknowledged(load, node)
    timeline.mark("acknowledged commands sent again")

    envelopes = await submitted_events(node)
    violations += check_stream(load.commands, envelopes)
    violations += check_answers(load.commands, timeline.started)
    violations += check_server_errors(recorder.counts)
    timeline.mark("stream and answers checked", events=len(envelopes))
    report: dict[str, Any] = {"seed": SEED, "rounds": ROUNDS, "kills": kills}
    violations += await check_projections(node, report, load.commands)
    timeline.mark("projections checked", rebuild_s=report.get("rebuild_seconds"), caught_up_s={
        name: p["before_rebuild"].get("caught_up_s") for name, p in report.get("projections", {}).items()})
    violations += await check_attachments(node, load.uploads, writer)
    timeline.mark("attachments checked")

    acknowledged = [c for c in load.commands if c.first_success is not None]
    report.update({
        "commands": len(load.commands), "acknowledged": len(acknowledged),
        "unresolved": sum(c.unresolved for c in load.commands),
        "retried_after_an_error": sum(any(a.status is None or a.status >= 500 for a in c.attempts)
                                      for c in load.commands),
        "events_in_stream": len(envelopes),
        "uploads": len(load.uploads), "uploads_acknowledged": sum(u.attachment_id is not None for u in load.uploads),
        "client_outcomes": dict(sorted(recorder.counts.items())), "server_error_samples": recorder.samples,
        "ready_seconds": readiness_figures(readiness), "log_findings": node.log_findings(),
        "timeline": timeline.entries,
        "seconds": round(time.monotonic() - timeline.started, 1),
    })
    print(json.dumps({k: v for k, v in report.items() if k != "timeline"}, indent=1, default=str,
                     ensure_ascii=False))
    message = verdict(violations, report, node.config.data_dir.parent / "chaos-report.json")
    assert not violations, message


async def replay_acknowledged(load: Load, node: ChaosNode) -> None:
    load.patience = 30  # each command's own 30 s: on a loaded machine 1,300 replays take longer than one budget
    limit = asyncio.Semaphore(8)
    async with httpx.AsyncClient(timeout=load.timeout) as http:
        async def again(command: Any) -> None:
            async with limit:
                await load.submit(http, command, node.bearer(command.user, ["submitter"]))

        await asyncio.gather(*(again(c) for c in load.commands if c.first_success is not None))


# -- a kill right after uploads -------------------------------------------------------------------
@pytest.mark.timeout(300)
@pytest.mark.parametrize("kind", ["mongo", "nats"])
async def test_acknowledged_uploads_survive_a_kill_9_right_after(chaos_node: ChaosNode, kind: str) -> None:
    node = chaos_node
    rng = random.Random(SEED)
    writer = node.bearer("chaos-uploader", ["submitter"])
    recorder = Recorder()
    load = Load(node.url("submission"), "-", recorder, timeout=30)
    load.give_up_at = time.monotonic() + 60
    uploads = [Upload(f"bien-ban-{n}.pdf", pdf_bytes(rng, rng.randint(5_000, 200_000))) for n in range(25)]
    async with httpx.AsyncClient(timeout=30) as http:
        for upload in uploads:
            await load.upload(http, upload, writer)
    acknowledged = [u for u in uploads if u.attachment_id is not None]
    assert len(acknowledged) == len(uploads), f"uploads before any kill: {dict(recorder.counts)}"

    node.kill(kind)  # right after the last acknowledgement
    started = time.monotonic()
    await asyncio.to_thread(node.restart, kind)
    async with httpx.AsyncClient() as http:
        answers = await all_ready_after(http, node, started, READY_WAIT)
    ready = {service: seconds for service, (seconds, _) in answers.items()}
    violations: list[Violation] = [
        ("ready_within_bound", f"{service} after the restart of {kind}: {seconds}s, answer before: {last}")
        for service, (seconds, last) in answers.items() if seconds is None or seconds > READY_BOUND]
    violations += await check_attachments(node, acknowledged, writer)
    lost = sum(1 for v in violations if v[0] == "attachment_readable")
    print(f"kill -9 {kind} after {len(acknowledged)} acknowledged uploads: {lost} unreadable; ready {ready}")
    assert not violations, "\n".join(f"- {invariant}: {detail}" for invariant, detail in violations)
