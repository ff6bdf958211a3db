"""Fixtures for every tier: real nats-server and SecantusDB on free ports, fresh names per test."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from pydantic import SecretStr

from reform_node.servers import LISTEN_PORTS, PORTS_ENV, free_port, mongo_url, start_mongo, start_nats
from reform_shared.auth.tokens import issue_token
from reform_shared.provisioning import provision
from reform_shared.settings import Settings

sys.path.insert(0, str(Path(__file__).parent / "tests"))


def _worker_ports() -> None:
    """Under pytest-xdist each worker (and every process it starts) hands out ports of its own slice."""
    worker, count = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if worker.startswith("gw") and count:
        width = len(LISTEN_PORTS) // int(count)
        first = LISTEN_PORTS.start + int(worker[2:]) * width
        os.environ[PORTS_ENV] = f"{first}-{first + width - 1}"


_worker_ports()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The fuzz tier's responses by service, summed from its tests' reports (tests/fuzz/conftest.py), in the
    process that prints the run's summary: pytest itself, or pytest-xdist's controller."""
    from fuzz.live import FUZZ_PROPERTY, Stats

    stats = Stats()
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, rows in getattr(report, "user_properties", ()):
                if name == FUZZ_PROPERTY:
                    stats.add([tuple(row) for row in rows])
    if stats.statuses:
        terminalreporter.section("fuzz tier")
        for line in stats.lines():
            terminalreporter.write_line(line)


TEST_SECRET = "test-secret-0123456789-0123456789-0123456789"


@dataclass(frozen=True)
class Servers:
    nats_url: str
    mongo_url: str
    nats_port: int
    mongo_port: int


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """One real nats-server (JetStream, fsync always) and one real SecantusDB for the session."""
    base = tmp_path_factory.mktemp("servers")
    nats_port, http_port, mongo_port = free_port(), free_port(), free_port()
    nats_proc = start_nats(base / "nats", nats_port, http_port, "test-node")
    mongo_proc = start_mongo(base / "mongo", mongo_port)
    try:
        yield Servers(f"nats://127.0.0.1:{nats_port}", mongo_url(mongo_port), nats_port, mongo_port)
    finally:
        mongo_proc.stop()
        nats_proc.stop()


def make_settings(servers: Servers, service: str = "test", **overrides: object) -> Settings:
    tag = uuid.uuid4().hex[:10]
    values: dict[str, object] = {
        "environment": "test",
        "service_name": service,
        "nats_url": servers.nats_url,
        "mongo_url": servers.mongo_url,
        "stream_name": f"T_{tag}",
        "subject_prefix": f"t{tag}",
        "stream_subjects": [f"t{tag}.>"],
        "idempotency_bucket": f"IDEM_{tag}",
        "attachments_bucket": f"ATT_{tag}",
        "database": f"test_{tag}",
        "jwt_secret": SecretStr(TEST_SECRET),
        "projection_batch_size": 100,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def settings_for(servers: Servers) -> Callable[..., Settings]:
    """`make_settings` bound to the session's servers, for fixtures that outlive one test."""
    return functools.partial(make_settings, servers)


@pytest.fixture
def settings(servers: Servers) -> Settings:
    """Fresh stream, subject prefix, bucket and database names: tests never see each other's events."""
    return make_settings(servers)


@pytest.fixture
async def js(settings: Settings) -> AsyncIterator[JetStreamContext]:
    nc: NatsClient = await nats.connect(settings.nats_url)
    context = nc.jetstream(timeout=10)
    await provision(context, settings)
    try:
        yield context
    finally:
        for drop in (context.delete_stream(settings.stream_name),
                     context.delete_object_store(settings.attachments_bucket)):
            try:
                await drop
            except Exception:  # noqa: BLE001 - best-effort clean-up
                pass
        await nc.close()


@pytest.fixture
def token_for():
    """Issue a token signed with the test secret."""

    def issue(
        roles: list[str],
        commune: str = "ninh-giang",
        subject: str = "user-1",
        name: str = "Nguyễn Văn An",
        ttl: dt.timedelta = dt.timedelta(hours=1),
        secret: str = TEST_SECRET,
    ) -> str:
        return issue_token(secret, subject=subject, name=name, commune_id=commune, roles=roles,
                           issuer="reform-node", audience="reform", ttl=ttl)

    return issue
