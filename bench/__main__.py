"""`python -m bench [--quick | --events N] [--rounds R] [--only SECTION] [--communes N] [--no-tracing]
[--no-diagnostics]`."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import time

from bench.environment import client_versions, environment, machine
from bench.harness import render

DEFAULT_APPENDS = 5000
DEFAULT_PROJECTION = 10000
DEFAULT_REPORTING = 100_000
QUICK = 1000
QUICK_REPORTING = 5000
DEFAULT_REPORTING_ROUNDS = 1
DEFAULT_BACKLOG = 10_000
QUICK_BACKLOG = 1000
DEFAULT_LAG_SECONDS = 15.0
DEFAULT_COMMANDS = 300
DEFAULT_MEMORY = 100_000
QUICK_MEMORY = 5000
QUICK_COMMANDS = 60
QUICK_LAG_SECONDS = 5.0
DEFAULT_COMMUNES = 114
QUICK_COMMUNES = 10
PEER = (5000, 1000, 5)
"""The peer comparison's work (issue 20): aggregates created, aggregates commanded, events each."""
QUICK_PEER = (1000, 200, 5)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Event store and projection runner throughput against raw NATS / MongoDB baselines, "
                    "federation lag and catch-up, "
                    "on real servers started in a temporary folder.",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--events", type=int, metavar="N",
                      help=f"events per measurement, in every section alike "
                           f"(default {DEFAULT_APPENDS:,} appends, {DEFAULT_PROJECTION:,} projected, "
                           f"{DEFAULT_REPORTING:,} for the reporting rebuild, a federation backlog of "
                           f"{DEFAULT_BACKLOG:,})")
    size.add_argument("--quick", action="store_true",
                      help=f"= --events {QUICK} --rounds 1, and {QUICK_REPORTING:,} events for the reporting rebuild; "
                           f"federation lag over {QUICK_LAG_SECONDS:.0f}s instead of {DEFAULT_LAG_SECONDS:.0f}s")
    parser.add_argument("--rounds", type=int, default=None,
                        help=f"rounds per variant, alternating between variants; the median is shown "
                             f"(default 3; {DEFAULT_REPORTING_ROUNDS} for the reporting rebuild)")
    parser.add_argument("--no-tracing", action="store_true",
                        help="do not install the SDK tracer provider the services install (spans become no-ops)")
    parser.add_argument("--no-diagnostics", action="store_true", help="only the headline figures, no breakdown")
    parser.add_argument("--only", choices=("appends", "projection", "reporting", "federation", "durability",
                                           "commands", "replicas", "memory", "peer", "scale"),
                        help="run one section only")
    parser.add_argument("--communes", type=int, default=None,
                        help=f"commune nodes on the city hub in the scale section (default {DEFAULT_COMMUNES}, "
                             f"Hải Phòng's; {QUICK_COMMUNES} with --quick)")
    parser.add_argument("--commands", dest="commands_given", type=int, default=None, metavar="N",
                        help=f"commands per level in the commands section (default {DEFAULT_COMMANDS}, "
                             f"{QUICK_COMMANDS} with --quick)")
    args = parser.parse_args(argv)
    args.reporting_rounds = args.rounds or DEFAULT_REPORTING_ROUNDS
    args.lag_seconds = DEFAULT_LAG_SECONDS
    if args.quick:
        args.appends = args.projection = QUICK
        args.reporting = QUICK_REPORTING
        args.backlog = QUICK_BACKLOG
        args.lag_seconds = QUICK_LAG_SECONDS
        args.commands = QUICK_COMMANDS
        args.memory = QUICK_MEMORY
        args.rounds = args.rounds or 1
    elif args.events is not None:
        if args.events < 1:
            parser.error("--events must be at least 1")
        args.appends = args.projection = args.reporting = args.backlog = args.memory = args.events
        args.commands = DEFAULT_COMMANDS
    else:
        args.appends, args.projection, args.reporting = DEFAULT_APPENDS, DEFAULT_PROJECTION, DEFAULT_REPORTING
        args.backlog = DEFAULT_BACKLOG
        args.commands = DEFAULT_COMMANDS
        args.memory = DEFAULT_MEMORY
    args.rounds = args.rounds or 3
    if args.commands_given is not None and args.commands_given < 1:
        parser.error("--commands must be at least 1")
    args.commands = args.commands_given or args.commands
    args.peer = QUICK_PEER if args.quick else PEER
    args.communes = args.communes or (QUICK_COMMUNES if args.quick else DEFAULT_COMMUNES)
    if args.communes < 1:
        parser.error("--communes must be at least 1")
    if args.rounds < 1 or args.reporting_rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


async def run(args: argparse.Namespace) -> None:
    tracing = "off (no-op spans)"
    if not args.no_tracing:
        from reform_shared.telemetry import setup_tracing

        setup_tracing("bench", None)  # as every service does: SDK provider, pymongo instrumented, no exporter
        tracing = "SDK tracer provider without exporter + pymongo instrumentation (as the services run)"
    diagnostics = not args.no_diagnostics
    started = time.perf_counter()
    print(f"Reform benchmark — {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}", flush=True)
    print(f"  machine : {machine()}")
    print(f"  clients : {client_versions()}")
    print(f"  tracing : {tracing}")
    print(f"  sizes   : {args.appends:,} appends, {args.projection:,} projected events; "
          f"{args.rounds} round(s) per variant, median shown, after a warm-up; "
          f"reporting rebuild of {args.reporting:,} events, {args.reporting_rounds} round(s); "
          f"federation lag over {args.lag_seconds:.0f}s, backlog of {args.backlog:,}", flush=True)
    async with environment() as env:
        print(f"  servers : {env.nats_version}; {env.mongo_version}")
        print(f"  data in : {env.base} (deleted at the end)", flush=True)
        # Each section imported when it runs: one that no longer imports does not stop the others.
        if args.only in (None, "appends"):
            from bench.appends import AppendBench, check_probe_sees_events

            appends = AppendBench(env, args.appends, args.rounds, diagnostics)
            main, extra = await appends.run()
            print()
            print(render("1. Append rate — sequential, one event per new aggregate, fsync on every write", main))
            if extra:
                print(render("   Breakdown (diagnostics: where the time goes)", extra))
                print(f"  * {await check_probe_sees_events(env, appends)}")
        if args.only in (None, "projection"):
            from bench.projections import ProjectionBench

            projection = ProjectionBench(env, args.projection, args.rounds, diagnostics)
            main, extra = await projection.run()
            print()
            print(render("2. Projection apply rate — the dossier register over events already in the stream", main))
            if extra:
                print(render("   Breakdown (diagnostics: where the time goes)", extra))
        if args.only in (None, "reporting"):
            from bench.reporting import ReportingBench

            reporting = ReportingBench(env, args.reporting, args.reporting_rounds, diagnostics)
            main, extra = await reporting.run()
            print()
            print("3. Reporting rebuild — every projection of the reporting runtime, rebuilt one after the other "
                  "from a stream of several communes")
            print("\n".join(reporting.lines))
            print(render("", main).removeprefix("\n"))
            print("\n".join(f"  * {note}" for note in reporting.notes))
            if extra:
                print(render("   Breakdown (diagnostics: where the time goes, per projection)", extra))
        if args.only in (None, "federation"):
            from bench.federation import FederationBench, render_lag

            federation = FederationBench(env, args.lag_seconds, args.backlog, diagnostics)
            section_started = time.perf_counter()
            await federation.run()
            print()
            print("4. Federation — a commune node and the city hub linked by a leafnode; the reporting projection "
                  "at the city")
            print("\n".join(federation.lines))
            print(render_lag("   Lag, append at the commune → applied by the projection", federation.lag))
            if diagnostics:
                print(render_lag("   Breakdown (diagnostics: where the time goes)", federation.extra))
            print(render("   Catch-up after the hub was down (one run)", federation.catchup))
            print("\n".join(f"  * {note}" for note in federation.notes))
            print(f"  section run time {time.perf_counter() - section_started:.0f}s")
        if args.only in (None, "durability"):
            from bench.durability import DurabilityBench

            durability = DurabilityBench(env, args.projection, args.rounds)
            print()
            print(render("5. The embedded database's durability — projection-like transactions (upserts + "
                         "checkpoint), with and without --sync-on-commit", await durability.run()))
        if args.only in (None, "commands"):
            from bench.commands import LEVELS, CommandBench

            commands = CommandBench(env, args.commands, diagnostics)
            section_started = time.perf_counter()
            await commands.run()
            print()
            print(f"6. Commands through HTTP — a whole node as processes, new initiatives each with an "
                  f"Idempotency-Key, {args.commands:,} per level by {', '.join(map(str, LEVELS))} concurrent clients")
            print("\n".join(commands.lines))
            print("\n".join(f"  * {note}" for note in commands.notes))
            print(f"  section run time {time.perf_counter() - section_started:.0f}s")
        if args.only in (None, "replicas"):
            from bench.replicas import ReplicaBench

            replicas = ReplicaBench(env, args.appends, args.rounds)
            rows = await replicas.run()
            print()
            print(render(f"7. Three replicas — load() + append() of one event, sequential, {replicas.events:,} per "
                         "round, the city hub's cluster of three nats-servers on this machine", rows))
        if args.only in (None, "memory"):
            from bench.memory import MemoryBench

            memory = MemoryBench(env, args.memory, diagnostics)
            section_started = time.perf_counter()
            await memory.run()
            print()
            print(f"8. A node's memory and its live projections keeping up — a whole node as processes with the demo, "
                  f"{args.memory:,} events appended while its projections run")
            print("\n".join(memory.lines))
            print("\n".join(f"  * {note}" for note in memory.notes))
            print(f"  section run time {time.perf_counter() - section_started:.0f}s")
        if args.only in (None, "peer"):
            from bench.peer import PeerBench

            peer = PeerBench(env, *args.peer)
            section_started = time.perf_counter()
            await peer.run()
            print()
            print("9. Against the peer — the eventsourcing library, the same work in the same run, one after the other")
            print(peer.render())
            print(f"  section run time {time.perf_counter() - section_started:.0f}s")
        if args.only in (None, "scale"):
            from bench.scale import ScaleBench

            scale = ScaleBench(env, args.communes, args.quick)
            section_started = time.perf_counter()
            await scale.run()
            print()
            print(f"10. Hải Phòng's scale — a city hub with {args.communes} commune nats-servers as TLS leafnodes, "
                  "the city's reporting projection applying their appends")
            print(scale.render())
            print(f"  section run time {time.perf_counter() - section_started:.0f}s")
    print(f"\nDone in {time.perf_counter() - started:.0f}s; servers stopped, temporary folder removed.")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
