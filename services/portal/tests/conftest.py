"""The portal's tests import their helpers from this folder (appended to the path: the root conftest keeps
the name `conftest`), and share one running stack per session."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).parent))

from browser_kit import browser, signed_in  # noqa: F401 - the browser tier's fixtures
from portal_stack import Stack, running_stack

from reform_shared.settings import Settings


@pytest.fixture(scope="session")
def stack(settings_for: Callable[..., Settings]) -> Iterator[Stack]:
    yield from running_stack(settings_for)
