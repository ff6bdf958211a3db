"""`python -m reform_shared.provision_cli`: provision the node's stream and buckets, once, before the services.

Reads the same REFORM_* settings as the services, waits for NATS (a container may start before its server
accepts connections), runs the idempotent `provision` and prints its report as JSON. Safe to run again.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import nats
from nats.aio.client import Client as NatsClient

from reform_shared.provisioning import ProvisionReport, provision
from reform_shared.settings import Settings

log = logging.getLogger("reform_shared.provision")

DEFAULT_WAIT_SECONDS = 60.0


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m reform_shared.provision_cli",
        description="Create or align the node's event stream and idempotency bucket (REFORM_* settings)",
    )
    parser.add_argument(
        "--wait", type=float, default=DEFAULT_WAIT_SECONDS, help="seconds to keep retrying the NATS connection"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    try:
        report = asyncio.run(run(settings, args.wait))
    except ConnectionError as exc:
        log.error("%s", exc)
        sys.exit(1)
    print(json.dumps(dataclasses.asdict(report), indent=2))


if __name__ == "__main__":
    main()
