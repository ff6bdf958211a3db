"""The portal's tests import their helpers from this folder (appended to the path: the root conftest keeps
the name `conftest`), and share one running stack per session."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

sys.path.append(str(Path(__file__).parent))

from browser_kit import browser, signed_in  # noqa: F401 - the browser tier's fixtures
from portal_stack import Stack, running_stack

from reform_shared.settings import Settings


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A plain HTTP client (signed in by the test with `sign_in_over_http`)."""
    with httpx.Client(timeout=15) as http:
        yield http


@pytest.fixture
def clients() -> Iterator[dict[str, httpx.Client]]:
    """The test's signed-in portal clients by person (see `portal_stack.as_`), closed after it."""
    opened: dict[str, httpx.Client] = {}
    yield opened
    for opened_client in opened.values():
        opened_client.close()


@pytest.fixture(scope="session")
def stack(settings_for: Callable[..., Settings]) -> Iterator[Stack]:
    yield from running_stack(settings_for)
