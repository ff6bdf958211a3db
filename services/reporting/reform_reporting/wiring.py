"""The reporting service's wiring: what its routes use, built once at start by `bootstrap.py`."""

from __future__ import annotations

from dataclasses import dataclass

from reform_reporting.application.queries import ReportingQueries


@dataclass(frozen=True)
class ReportingWiring:
    queries: ReportingQueries
