"""The council's printable documents, laid out on reform_shared.docx_layout.

- the score sheet (phiếu chấm điểm) of one member for one initiative; unscored, it prints as a blank form;
- the minutes (biên bản) of the council's meeting: who attended, the rubric, the results, conflicts;
- the recognition decision (quyết định công nhận) of the commune chairman with its annex; marked
  "DỰ THẢO" with blanks for the number and the date until it is signed.

The views are plain frozen data: the application fills them from the events; nothing is decided here.
One module each: `views`, `layout` (the shared pieces), `sheet`, `minutes`, `decision`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from reform_evaluation.documents.council.views import (
    ConflictLine,
    CouncilRef,
    DecisionView,
    DiscussionLine,
    InitiativeLine,
    MinutesView,
    Outcome,
    RecognisedLine,
    ResultLine,
    ScoreSheetView,
)

if TYPE_CHECKING:
    from reform_evaluation.documents.council.decision import render_decision
    from reform_evaluation.documents.council.minutes import render_minutes
    from reform_evaluation.documents.council.sheet import render_score_sheet

_RENDERERS = {"render_decision": "decision", "render_minutes": "minutes", "render_score_sheet": "sheet"}
"""Imported on first use (python-docx and lxml with them), not with the package: the service starts without them."""


def __getattr__(name: str) -> Any:
    if name in _RENDERERS:
        return getattr(importlib.import_module(f"{__name__}.{_RENDERERS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ConflictLine", "CouncilRef", "DecisionView", "DiscussionLine", "InitiativeLine", "MinutesView", "Outcome",
    "RecognisedLine", "ResultLine", "ScoreSheetView", "render_decision", "render_minutes", "render_score_sheet",
]
