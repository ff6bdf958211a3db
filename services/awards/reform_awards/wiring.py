"""The awards service's wiring: what its routes use, built once at start by `bootstrap.py`."""

from __future__ import annotations

from dataclasses import dataclass

from reform_awards.application.commands import AwardCommands
from reform_awards.application.par import ParRankings
from reform_awards.application.queries import AwardQueries


@dataclass(frozen=True)
class AwardsWiring:
    commands: AwardCommands
    queries: AwardQueries
    par: ParRankings
