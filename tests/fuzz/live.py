"""A service's real app served by uvicorn in a thread of its own, and the tier's response counts.

uvicorn runs in a thread with its own event loop (the app's NATS and Mongo clients live there), so
schemathesis' synchronous pytest tests talk to it over real HTTP, as a client would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import nats
import uvicorn
from fastapi import FastAPI
from fuzz.targets import NOW

from reform_node.servers import free_port
from reform_shared.auth.tokens import issue_token
from reform_shared.ids import FixedClock
from reform_shared.provisioning import provision
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings


class Stats:
    """Responses by service, operation and status, summed up at the end of the run."""

    def __init__(self) -> None:
        self.statuses: dict[tuple[str, str], Counter[int]] = {}

    def record(self, service: str, operation: str, status: int) -> None:
        self.statuses.setdefault((service, operation), Counter())[status] += 1

    def take(self) -> list[tuple[str, str, int, int]]:
        """What was recorded since the last take, as plain rows a test report carries (to xdist's controller)."""
        rows = [(service, operation, status, n) for (service, operation), counter in self.statuses.items()
                for status, n in counter.items()]
        self.statuses.clear()
        return rows

    def add(self, rows: list[tuple[str, str, int, int]]) -> None:
        for service, operation, status, n in rows:
            self.statuses.setdefault((service, operation), Counter())[status] += n

    def lines(self) -> list[str]:
        by_service: dict[str, Counter[int]] = {}
        for (service, _), counter in self.statuses.items():
            by_service.setdefault(service, Counter()).update(counter)
        lines = []
        for service, counter in by_service.items():
            operations = sum(1 for key in self.statuses if key[0] == service)
            codes = ", ".join(f"{code}: {n}" for code, n in sorted(counter.items()))
            lines.append(f"{service}: {operations} operations, {sum(counter.values())} requests ({codes})")
        return lines


STATS = Stats()
FUZZ_PROPERTY = "fuzz_statuses"
"""The name under which a fuzz test's report carries its responses (`Stats.take`)."""


@dataclass
class LiveService:
    """One service's app served by uvicorn on a free port, in a thread of its own (the stream and the
    idempotency bucket are the node's, provisioned before)."""

    name: str
    settings: Settings
    build_runtime: Callable[[Settings], ServiceRuntime]
    build_app: Callable[[ServiceRuntime, FixedClock], FastAPI]
    port: int = field(default_factory=free_port)
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    failure: BaseException | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def headers(self, roles: list[str], commune: str) -> dict[str, str]:
        """A bearer token of the service's secret, for a user of `commune` holding `roles`."""
        token = issue_token(self.settings.jwt_secret.get_secret_value(), subject="fuzz-user", name="Người kiểm thử",
                            commune_id=commune, roles=roles, issuer="reform-node", audience="reform",
                            ttl=dt.timedelta(hours=2))
        return {"Authorization": f"Bearer {token}"}

    def start(self, timeout: float = 60) -> None:
        self.thread = threading.Thread(target=self._run, name=f"fuzz-{self.name}", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not (self.server and self.server.started):
            if self.failure is not None or not self.thread.is_alive():
                raise RuntimeError(f"{self.name} did not start") from self.failure
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not start within {timeout} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=30)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to the thread that waits for start()
            self.failure = exc

    async def _serve(self) -> None:
        app = self.build_app(self.build_runtime(self.settings), FixedClock(NOW))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
                                access_log=False)
        self.server = uvicorn.Server(config)
        await self.server.serve()


@dataclass
class Node:
    """The four services of one commune node: one stream, one idempotency bucket, a database each."""

    services: dict[str, LiveService]
    known: dict[str, str]

    def __getitem__(self, name: str) -> LiveService:
        return self.services[name]


async def provision_stream(settings: Settings) -> None:
    nc = await nats.connect(settings.nats_url)
    try:
        await provision(nc.jetstream(timeout=10), settings)
    finally:
        await nc.close()


async def delete_stream(settings: Settings) -> None:
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream(timeout=10).delete_stream(settings.stream_name)
    except Exception:  # noqa: BLE001 - best-effort clean-up
        pass
    finally:
        await nc.close()
