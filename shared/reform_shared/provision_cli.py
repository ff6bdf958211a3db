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
import sys
import tempfile
from pathlib import Path

from pydantic import ValidationError

from reform_shared.federation import (
    FederationConfig,
    hub_accounts,
)
from reform_shared.provision_runs import (
    DEFAULT_WAIT_SECONDS,
    Keeper,
    city_report,
    ensure_city,
    log,
    run,
    run_city,
    watch,
)
from reform_shared.settings import Settings

PROG = "python -m reform_shared.provision_cli"


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




__all__ = ["ENV_REFERENCE", "Keeper", "accounts_file", "city_report", "ensure_city", "hub_env_vars", "main"]


if __name__ == "__main__":
    main()
