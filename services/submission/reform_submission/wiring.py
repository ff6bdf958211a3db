"""The submission service's wiring: what its routes use, built once at start by `bootstrap.py`."""

from __future__ import annotations

from dataclasses import dataclass

from reform_submission.application.service import SubmissionService


@dataclass(frozen=True)
class SubmissionWiring:
    service: SubmissionService
