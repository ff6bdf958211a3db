"""The directory service's wiring: what its routes use, built once at start by `bootstrap.py`."""

from __future__ import annotations

from dataclasses import dataclass

from reform_directory.application.commands import DirectoryCommands
from reform_directory.application.profile import ProfileCommands
from reform_directory.application.queries import DirectoryQueries


@dataclass(frozen=True)
class DirectoryWiring:
    commands: DirectoryCommands
    queries: DirectoryQueries
    profile: ProfileCommands
