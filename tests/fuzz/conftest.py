"""The fuzz tier's targets: each service's real app on uvicorn, on the session's nats-server and
SecantusDB, with a fresh stream, bucket and database, and a little data to reach past the 404s."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from fuzz.live import FUZZ_PROPERTY, STATS, LiveService, Node, delete_stream, provision_stream
from fuzz.targets import COMMUNE, COMMUNE_ROLES, TARGETS

from reform_shared.settings import Settings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis names every operation's test `test_x[GET /path]` but gives them all the function's node id;
    pytest-xdist schedules by node id, so it would run one operation per service. Each gets its name as id."""
    for item in items:
        wanted = f"{item.parent.nodeid}::{item.name}" if item.parent else item.nodeid
        if "[" in item.name and item.nodeid != wanted and item.nodeid.startswith("tests/fuzz/"):
            try:  # pytest 9 keeps the id structured; schemathesis 4.32 still sets pytest 8's string
                from _pytest.nodeid import NodeId
                item._id = NodeId.parse(wanted)  # type: ignore[attr-defined]  # noqa: SLF001
            except ImportError:
                item._nodeid = wanted  # noqa: SLF001


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Each fuzz test's responses ride on its report, so the run's summary (the root conftest's) sums them up
    in the process that prints it: the test process itself, or xdist's controller."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "teardown" and STATS.statuses:
        report.user_properties.append((FUZZ_PROPERTY, STATS.take()))


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
