"""`python -m bench [--quick | --events N] [--rounds R] [--no-tracing] [--no-diagnostics]`."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import time

from bench.appends import AppendBench, check_probe_sees_events
from bench.environment import client_versions, environment, machine
from bench.harness import render
from bench.projections import ProjectionBench

DEFAULT_APPENDS = 5000
DEFAULT_PROJECTION = 10000
QUICK = 1000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Event store and projection runner throughput against raw NATS / MongoDB baselines, "
                    "on real servers started in a temporary folder.",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--events", type=int, metavar="N",
                      help=f"events per measurement, appends and projection alike "
                           f"(default {DEFAULT_APPENDS} appends, {DEFAULT_PROJECTION} projected)")
    size.add_argument("--quick", action="store_true", help=f"= --events {QUICK} --rounds 1")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds per variant, alternating between variants; the median is shown (default 3)")
    parser.add_argument("--no-tracing", action="store_true",
                        help="do not install the SDK tracer provider the services install (spans become no-ops)")
    parser.add_argument("--no-diagnostics", action="store_true", help="only the headline figures, no breakdown")
    parser.add_argument("--only", choices=("appends", "projection"), help="run one section only")
    args = parser.parse_args(argv)
    if args.quick:
        args.appends = args.projection = QUICK
        args.rounds = args.rounds or 1
    elif args.events is not None:
        if args.events < 1:
            parser.error("--events must be at least 1")
        args.appends = args.projection = args.events
    else:
        args.appends, args.projection = DEFAULT_APPENDS, DEFAULT_PROJECTION
    args.rounds = args.rounds or 3
    if args.rounds < 1:
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
          f"{args.rounds} round(s) per variant, median shown, after a warm-up", flush=True)
    async with environment() as env:
        print(f"  servers : {env.nats_version}; {env.mongo_version}")
        print(f"  data in : {env.base} (deleted at the end)", flush=True)
        if args.only in (None, "appends"):
            appends = AppendBench(env, args.appends, args.rounds, diagnostics)
            main, extra = await appends.run()
            print()
            print(render("1. Append rate — sequential, one event per new aggregate, fsync on every write", main))
            if extra:
                print(render("   Breakdown (diagnostics: where the time goes)", extra))
                print(f"  * {await check_probe_sees_events(env, appends)}")
        if args.only in (None, "projection"):
            projection = ProjectionBench(env, args.projection, args.rounds, diagnostics)
            main, extra = await projection.run()
            print()
            print(render("2. Projection apply rate — InitiativeRegister over events already in the stream", main))
            if extra:
                print(render("   Breakdown (diagnostics: where the time goes)", extra))
    print(f"\nDone in {time.perf_counter() - started:.0f}s; servers stopped, temporary folder removed.")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
