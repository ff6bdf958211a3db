"""`python -m reform_shared.provision_cli`: provision the node's stream and buckets, once, before the services.

Reads the same REFORM_* settings as the services, waits for NATS (a container may start before its server
accepts connections), runs the idempotent `provision` and prints its report as JSON. Safe to run again.

Federation (reform_shared.federation, deploy/README.md):

    provision_cli hub-accounts --federation federation.json [--output accounts.conf] [--env-vars]
        the city hub's `accounts { ... }` block (passwords as $ENV references), or the names of the
        environment variables it needs
    provision_cli --federation federation.json
        on the city node (REFORM_STREAM_NAME=CITY_EVENTS, REFORM_SUBJECT_PREFIX=city, ...): the city
        stream with a source per node, the idempotency bucket, each node account's FED_/OUT_ streams
    provision_cli [--federation federation.json] --watch SECONDS [--ready-file PATH]
        keeps running: every SECONDS the same idempotent provisioning, then the source keeper
        (keep_city_sources on the city, restart_stalled_sources on a node's stream), so a partition
        heals within SECONDS of the link coming back; federation.json is read again every time
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import re
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import nats
from nats.aio.client import Client as NatsClient
from nats.js.errors import NotFoundError
from pydantic import ValidationError

from reform_shared.federation import (
    FederationConfig,
    hub_accounts,
    keep_city_sources,
    provision_city,
    restart_stalled_sources,
)
from reform_shared.provisioning import ProvisionReport, provision
from reform_shared.settings import Settings

log = logging.getLogger("reform_shared.provision")

DEFAULT_WAIT_SECONDS = 60.0
PROG = "python -m reform_shared.provision_cli"


def redact(url: str) -> str:
    """The URL without its password, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


async def _quiet(exc: Exception) -> None:
    log.debug("nats: %r", exc)


async def connect_with_retry(url: str, wait_seconds: float, interval: float = 1.0) -> NatsClient:
    """Connect to NATS, retrying any failure until `wait_seconds` have passed."""
    deadline = time.monotonic() + wait_seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            return await nats.connect(
                url,
                connect_timeout=2,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=interval,
                error_cb=_quiet,
            )
        except Exception as exc:  # every failure to connect is retried until the deadline
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConnectionError(
                    f"NATS at {redact(url)} not reachable after {wait_seconds:.0f}s ({attempt} attempts): {exc!r}"
                ) from exc
            log.warning("waiting for NATS at %s (attempt %d): %r", redact(url), attempt, exc)
            await asyncio.sleep(min(interval, remaining))


async def run(settings: Settings, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> ProvisionReport:
    nc = await connect_with_retry(settings.nats_url, wait_seconds)
    try:
        return await provision(nc.jetstream(timeout=10), settings)
    finally:
        await nc.close()


# -- the city hub's accounts ------------------------------------------------------------------------
ENV_REFERENCE = re.compile(r"(?<![\"\w.])\$([A-Z][A-Z0-9_]*)(?=[\s,}\]]|$)")
"""An unquoted $NAME value, which nats-server reads from its environment ("$JS.API.>" is a subject)."""


def accounts_file(cfg: FederationConfig, source_name: str) -> str:
    """The file the hub's config includes (deploy/nats/city.conf: `include "accounts.conf"`)."""
    block = hub_accounts(cfg)
    nodes = "; ".join(f"{n.node_id} ({', '.join(n.communes)})" for n in cfg.nodes) or "none yet"
    return (
        f"# GENERATED from {source_name} by `{PROG} hub-accounts`: do not edit, regenerate.\n"
        "# The city hub's accounts (reform_shared.federation.hub_accounts): CITY, and one account per\n"
        f"# commune node. Nodes: {nodes}.\n"
        f"# Environment of the hub's nats-server: {' '.join(hub_env_vars(cfg))}\n"
        "# A NEW account needs a restart of the hub (nats-server #8560: an account added by a reload\n"
        "# gets no working imports); a changed existing account reloads (nats-server --signal reload).\n"
        + block
    )


def hub_env_vars(cfg: FederationConfig) -> list[str]:
    """The environment variables the hub's accounts refer to: the city's and each node's leaf password."""
    return list(dict.fromkeys(ENV_REFERENCE.findall(hub_accounts(cfg))))


def write_atomically(path: Path, text: str) -> None:
    """Write beside, then rename: a server reloading at that moment reads the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# -- the city node's provisioning -------------------------------------------------------------------
def check_city_settings(cfg: FederationConfig, settings: Settings) -> None:
    if settings.stream_name != cfg.city_stream:
        raise ValueError(f"REFORM_STREAM_NAME is {settings.stream_name!r} but the federation's city stream is "
                         f"{cfg.city_stream!r}: run the city's provisioning with the city services' settings")
    if settings.federation_role == "commune":
        raise ValueError("--federation provisions the city node: REFORM_FEDERATION_ROLE must not be 'commune'")


async def ensure_city(nc: NatsClient, cfg: FederationConfig, settings: Settings) -> bool:
    """Idempotent: provision the city; True if anything was missing or differed."""
    check_city_settings(cfg, settings)
    return await provision_city(nc, cfg, settings)


async def city_report(nc: NatsClient, cfg: FederationConfig, provisioned: bool) -> dict[str, Any]:
    info = await nc.jetstream(timeout=10).stream_info(cfg.city_stream)
    nodes: dict[str, Any] = {}
    for node in cfg.nodes:
        node_js = nc.jetstream(prefix=node.api_import, timeout=10)
        streams = []
        for name in (node.fed_stream, node.out_stream):
            with contextlib.suppress(NotFoundError):
                streams.append((await node_js.stream_info(name)).config.name)
        nodes[node.node_id] = {"account": node.account, "communes": node.communes, "streams": streams}
    return {
        "stream": cfg.city_stream,
        "provisioned": provisioned,
        "messages": info.state.messages,
        "sources": sorted(s.name for s in info.config.sources or []),
        "nodes": nodes,
    }


async def run_city(settings: Settings, federation: Path, wait_seconds: float) -> dict[str, Any]:
    cfg = FederationConfig.load(federation)
    check_city_settings(cfg, settings)
    nc = await connect_with_retry(settings.nats_url, wait_seconds)
    try:
        provisioned = await ensure_city(nc, cfg, settings)
        return await city_report(nc, cfg, provisioned)
    finally:
        await nc.close()


# -- the keeper ---------------------------------------------------------------------------------------
@dataclasses.dataclass
class Keeper:
    """Every `interval` seconds: the idempotent provisioning, then re-attach the stalled sources."""

    settings: Settings
    interval: float
    federation: Path | None = None
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    ready_file: Path | None = None
    cycles: int = 0
    _last_restarted: list[str] = dataclasses.field(default_factory=list)
    _cfg: FederationConfig | None = None

    def _federation(self) -> FederationConfig | None:
        """federation.json read again each cycle (a node joined); a broken edit keeps the last good one."""
        if self.federation is None:
            return None
        try:
            cfg = FederationConfig.load(self.federation)
        except (OSError, ValueError, ValidationError) as exc:
            if self._cfg is None:
                raise
            log.error("%s unreadable, keeping the previous federation: %s", self.federation, exc)
            return self._cfg
        if self._cfg is not None and cfg != self._cfg:
            log.info("federation changed: nodes %s", ", ".join(n.node_id for n in cfg.nodes))
        self._cfg = cfg
        return cfg

    async def cycle(self) -> list[str]:
        cfg = self._federation()
        nc = await connect_with_retry(self.settings.nats_url, self.wait_seconds if self.cycles == 0 else 0)
        try:
            if cfg is not None:
                if await ensure_city(nc, cfg, self.settings):
                    log.info("provisioned the city stream %s and the streams of nodes %s", cfg.city_stream,
                             ", ".join(n.node_id for n in cfg.nodes) or "(none)")
                restarted = await keep_city_sources(nc, cfg)
            else:
                js = nc.jetstream(timeout=10)
                report = await provision(js, self.settings)
                if report.stream_created or report.bucket_created or report.attachments_bucket_created:
                    log.info("provisioned: %s", json.dumps(dataclasses.asdict(report)))
                restarted = await restart_stalled_sources(js, self.settings.stream_name)
        finally:
            await nc.close()
        self.cycles += 1
        if self.ready_file is not None:
            self.ready_file.parent.mkdir(parents=True, exist_ok=True)
            self.ready_file.touch()
        # A node that stays away is re-attached every cycle: say so when the set changes, not every time.
        if restarted != self._last_restarted:
            if restarted:
                log.info("re-attached stalled sources: %s", ", ".join(restarted))
            else:
                log.info("every source is attached")
        self._last_restarted = restarted
        return restarted

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.cycle()
            except (ValueError, ValidationError) as exc:
                log.error("configuration: %s", exc)  # stays visible until fixed; the container keeps running
            except Exception as exc:  # noqa: BLE001 - the hub or the node's server being down is what it waits out
                log.warning("keeper cycle failed: %r", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)


async def watch(keeper: Keeper) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("keeper: every %.0fs on %s (%s)", keeper.interval, redact(keeper.settings.nats_url),
             f"city, federation {keeper.federation}" if keeper.federation else f"stream {keeper.settings.stream_name}")
    await keeper.run(stop)
    log.info("keeper stopped")


# -- command line ---------------------------------------------------------------------------------------
def _hub_accounts(args: argparse.Namespace) -> None:
    try:
        cfg = FederationConfig.load(args.federation)
    except (OSError, ValueError, ValidationError) as exc:
        sys.exit(f"{args.federation}: {exc}")
    if args.env_vars:
        print("\n".join(hub_env_vars(cfg)))
        return
    text = accounts_file(cfg, args.federation.name)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_atomically(args.output, text)
        print(f"wrote {args.output}: accounts CITY, {', '.join(n.account for n in cfg.nodes)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Create or align the node's event stream, idempotency and attachments buckets (REFORM_* settings); "
                    "with --federation, the city node's streams; with --watch, keep them and their sources",
    )
    parser.add_argument(
        "--wait", type=float, default=DEFAULT_WAIT_SECONDS, help="seconds to keep retrying the NATS connection"
    )
    parser.add_argument("--federation", type=Path, metavar="FEDERATION_JSON",
                        help="provision the city node of this federation (REFORM_* settings of the city services)")
    parser.add_argument("--watch", type=float, metavar="SECONDS",
                        help="keep running: provision and re-attach stalled sources every SECONDS")
    parser.add_argument("--ready-file", type=Path, metavar="PATH",
                        help="with --watch: touched after every successful cycle (a container healthcheck)")
    commands = parser.add_subparsers(dest="command", metavar="{hub-accounts}")
    hub = commands.add_parser("hub-accounts", help="print the city hub's accounts block (deploy/nats/accounts.conf)")
    hub.add_argument("--federation", type=Path, required=True, metavar="FEDERATION_JSON")
    hub.add_argument("--output", type=Path, help="write the file (atomically) instead of printing it")
    hub.add_argument("--env-vars", action="store_true",
                     help="print the environment variables the accounts refer to, one a line")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "hub-accounts":
        _hub_accounts(args)
        return
    if args.watch is not None and args.watch <= 0:
        parser.error("--watch needs a positive number of seconds")
    settings = Settings()
    if args.watch is not None:
        keeper = Keeper(settings, args.watch, args.federation, args.wait, args.ready_file)
        try:
            keeper._federation()  # a missing or invalid federation file stops the keeper at once
        except (OSError, ValueError, ValidationError) as exc:
            sys.exit(f"{args.federation}: {exc}")
        asyncio.run(watch(keeper))
        return
    try:
        if args.federation is not None:
            print(json.dumps(asyncio.run(run_city(settings, args.federation, args.wait)), indent=2))
        else:
            report = asyncio.run(run(settings, args.wait))
            print(json.dumps(dataclasses.asdict(report), indent=2))
    except ConnectionError as exc:
        log.error("%s", exc)
        sys.exit(1)
    except (OSError, ValueError, ValidationError) as exc:
        log.error("%s", exc)
        sys.exit(2)


if __name__ == "__main__":
    main()
