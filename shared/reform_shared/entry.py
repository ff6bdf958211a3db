"""The command line every service shares: serve, rebuild a projection, list and replay parked events."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from collections.abc import Callable
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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = service_settings(service_name, default_port)

    if args.command in (None, "serve"):
        app = build_app(build_runtime(settings, True))
        # uvloop and httptools (dependencies of reform-shared): a command's path is mostly the loop and the protocols
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", access_log=False, loop="uvloop",
                    http="httptools")
        return

    runtime = build_runtime(settings, False)

    async def do_rebuild(rt: ServiceRuntime) -> Any:
        names = list(rt.runners) if args.projection == "all" else [args.projection]
        report = {}
        for name in names:
            runner = rt.runner(name)
            await runner.rebuild()
            await runner.run_until_caught_up(timeout=3600)
            report[name] = await runner.status()
        return report

    async def do_parked(rt: ServiceRuntime) -> Any:
        return {name: await runner.list_parked() for name, runner in rt.runners.items()}

    async def do_replay(rt: ServiceRuntime) -> Any:
        return await rt.runner(args.projection).replay_parked(args.parked_id)

    action = {"rebuild": do_rebuild, "parked": do_parked, "replay": do_replay}[args.command]
    print(json.dumps(asyncio.run(_offline(runtime, action)), default=str, ensure_ascii=False, indent=2))
