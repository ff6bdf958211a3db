"""The fuzz tier's targets: each service's real app on uvicorn, on the session's nats-server and
SecantusDB, with a fresh stream, bucket and database, and a little data to reach past the 404s."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fuzz.live import STATS, LiveService
from fuzz.targets import COMMUNE, COMMUNE_ROLES, TARGETS

from reform_shared.settings import Settings


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if STATS.statuses:
        terminalreporter.section("fuzz tier")
        for line in STATS.lines():
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def live(settings_for: Callable[..., Settings]) -> Iterator[Callable[[str], LiveService]]:
    """`live("submission")` starts that service once for the module and returns it."""
    started: dict[str, LiveService] = {}

    def get(name: str) -> LiveService:
        if name not in started:
            target = TARGETS[name]
            service = LiveService(name, settings_for(service=name), target.build_runtime, target.build_app)
            service.start()
            started[name] = service
            service.known = target.seed(service.base_url, service.headers(COMMUNE_ROLES, COMMUNE))
        return started[name]

    try:
        yield get
    finally:
        for service in started.values():
            service.stop()

