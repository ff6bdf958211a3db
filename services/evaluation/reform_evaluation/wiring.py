"""The evaluation service's wiring: what its routes use, built once at start by `bootstrap.py`."""

from __future__ import annotations

from dataclasses import dataclass

from reform_evaluation.application.city import CityAppraisals
from reform_evaluation.application.commands import EvaluationCommands
from reform_evaluation.application.deliberation import DeliberationCommands
from reform_evaluation.application.deliberation_views import DeliberationViews
from reform_evaluation.application.documents import EvaluationDocuments
from reform_evaluation.application.queries import EvaluationQueries


@dataclass(frozen=True)
class EvaluationWiring:
    commands: EvaluationCommands
    queries: EvaluationQueries
    documents: EvaluationDocuments
    city: CityAppraisals
    deliberation: DeliberationCommands
    deliberation_views: DeliberationViews
