"""The fuzz tier's targets: each service's real app on uvicorn, on the session's nats-server and
SecantusDB, with a fresh stream, bucket and database, and a little data to reach past the 404s."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from fuzz.live import STATS, LiveService, Node, delete_stream, provision_stream
from fuzz.targets import COMMUNE, COMMUNE_ROLES, TARGETS

from reform_shared.settings import Settings


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if STATS.statuses:
        terminalreporter.section("fuzz tier")
        for line in STATS.lines():
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def node(settings_for: Callable[..., Settings]) -> Iterator[Node]:
    """The node, started once for the module, with the seeded data's ids in `known`."""
    base = settings_for()
    asyncio.run(provision_stream(base))
    services: dict[str, LiveService] = {}
    try:
        for name, target in TARGETS.items():
            settings = base.model_copy(update={"service_name": name, "database": f"{base.database}_{name}"})
            services[name] = LiveService(name, settings, target.build_runtime, target.build_app)
            services[name].start()
        known: dict[str, str] = {}
        for name, target in TARGETS.items():
            known |= target.seed(services[name].base_url, services[name].headers(COMMUNE_ROLES, COMMUNE), known)
        yield Node(services, known)
    finally:
        for service in services.values():
            service.stop()
        asyncio.run(delete_stream(base))
