"""The command line every service shares: serve, rebuild a projection, list and replay parked events."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import uvicorn
from fastapi import FastAPI

from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings


def service_settings(service_name: str, default_port: int) -> Settings:
    overrides: dict[str, Any] = {"service_name": service_name}
    if "REFORM_PORT" not in os.environ:
        overrides["port"] = default_port
    return Settings(**overrides)


async def _offline(runtime: ServiceRuntime, action: Callable[[ServiceRuntime], Any]) -> Any:
    await runtime.start()
    try:
        return await action(runtime)
    finally:
        await runtime.stop()


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def rebuild_one(build_runtime: Callable[[Settings, bool], ServiceRuntime], settings: Settings,
                name: str) -> dict[str, Any]:
    """Drop one projection and rebuild it from the stream, in this process; its status once caught up."""

    async def action(rt: ServiceRuntime) -> dict[str, Any]:
        runner = rt.runner(name)
        await runner.rebuild()
        await runner.run_until_caught_up(timeout=3600)
        return await runner.status()

    result: dict[str, Any] = asyncio.run(_offline(build_runtime(settings, False), action))
    return result


def rebuild_projections(build_runtime: Callable[[Settings, bool], ServiceRuntime], settings: Settings,
                        names: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Rebuild several projections at once, each in a process of its own; (report by name, names that failed).

    A projection's rebuild is bound by its own process's CPU (fetch, parse, apply, plan: one core) as much as by
    the database, and the projections of a service share nothing but the stream and the parked collection (each
    its own consumer, collections and checkpoint), so two rebuilt side by side take about the longer one's time,
    not the sum (the reporting service's two over 1,000,000 events: see the README's benchmarks). At most one
    process per core. One projection is rebuilt in this process. A failed rebuild does not stop the others; it
    is reported by name, with its error, and leaves its projection to be rebuilt again by name.
    """
    if len(names) <= 1:
        return {name: rebuild_one(build_runtime, settings, name) for name in names}, []
    report: dict[str, Any] = {}
    failed: list[str] = []
    workers = max(1, min(len(names), os.cpu_count() or 1))
    # spawn, not fork: each child starts its own event loop and clients from nothing
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_log_to_stderr) as pool:
        futures = {name: pool.submit(rebuild_one, build_runtime, settings, name) for name in names}
        for name, future in futures.items():
            try:
                report[name] = future.result()
            except Exception as exc:
                logging.getLogger(__name__).exception("rebuild of %s failed", name)
                report[name] = {"projection": name, "error": repr(exc)}
                failed.append(name)
    return report, failed


def run_service(
    service_name: str,
    default_port: int,
    build_runtime: Callable[[Settings, bool], ServiceRuntime],
    build_app: Callable[[ServiceRuntime], FastAPI],
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"reform-{service_name}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the HTTP API and the projections (default)")
    rebuild = sub.add_parser("rebuild", help="drop a projection and rebuild it from the stream (service stopped)")
    rebuild.add_argument("projection", help="projection name, or 'all'")
    sub.add_parser("parked", help="list parked events of every projection")
    replay = sub.add_parser("replay", help="apply a parked event again")
    replay.add_argument("projection")
    replay.add_argument("parked_id")
    args = parser.parse_args(argv)
    _log_to_stderr()
    settings = service_settings(service_name, default_port)

    if args.command in (None, "serve"):
        app = build_app(build_runtime(settings, True))
        # uvloop and httptools (dependencies of reform-shared): a command's path is mostly the loop and the protocols
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", access_log=False, loop="uvloop",
                    http="httptools")
        return

    runtime = build_runtime(settings, False)
    if args.command == "rebuild":
        names = runtime.projection_names if args.projection == "all" else [args.projection]
        report, failed = rebuild_projections(build_runtime, settings, names)
        print(json.dumps(report, default=str, ensure_ascii=False, indent=2))
        if failed:
            raise SystemExit(f"rebuild failed: {', '.join(failed)} (see above; run each again with its name)")
        return

    async def do_parked(rt: ServiceRuntime) -> Any:
        return {name: await runner.list_parked() for name, runner in rt.runners.items()}

    async def do_replay(rt: ServiceRuntime) -> Any:
        return await rt.runner(args.projection).replay_parked(args.parked_id)

    action = {"parked": do_parked, "replay": do_replay}[args.command]
    print(json.dumps(asyncio.run(_offline(runtime, action)), default=str, ensure_ascii=False, indent=2))
