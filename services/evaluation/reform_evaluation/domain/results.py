"""Aggregates of scores: mean, median, spread, quorum, conditions, normalisation, ranking.

Ranking tie-break (documented for the council): a higher mean weighted total first; then a
higher mean on effectiveness, then on novelty (the two recognition conditions of seed 000 §3);
then the earlier submission; then the initiative id, so the order is total and reproducible.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reform_shared.events import Rubric, ScoreResult


@dataclass(frozen=True)
class Sheet:
    member_id: str
    points: Mapping[str, float]
    total: float


def quorum_needed(rubric: Rubric, eligible: int) -> int:
    return max(1, math.ceil(rubric.quorum * eligible - 1e-9)) if eligible else 0


def result_of(rubric: Rubric, sheets: Sequence[Sheet], eligible: int) -> ScoreResult:
    totals = [s.total for s in sheets]
    means = {c.code: round(statistics.fmean(s.points[c.code] for s in sheets), 2) if sheets else 0.0
             for c in rubric.criteria}
    maxima = {c.code: c.max_points for c in rubric.criteria}
    conditions = {code: bool(sheets) and means[code] >= rubric.condition_threshold * maxima[code]
                  for code in rubric.required_conditions}
    return ScoreResult(
        mean_total=round(statistics.fmean(totals), 2) if totals else 0.0,
        median_total=round(statistics.median(totals), 2) if totals else 0.0,
        spread=round(max(totals) - min(totals), 2) if totals else 0.0,
        scored=len(sheets),
        eligible=eligible,
        criterion_means=means,
        conditions=conditions,
    )


def disagreement(rubric: Rubric, result: ScoreResult) -> bool:
    return result.scored >= 2 and result.spread > rubric.disagreement_spread


def unmet_reasons(rubric: Rubric, result: ScoreResult) -> list[str]:
    """Each unmet condition of recognition, in words for the decision."""
    labels = {c.code: c.label for c in rubric.criteria}
    maxima = {c.code: c.max_points for c in rubric.criteria}
    reasons = [
        f"Chưa đạt điều kiện '{labels[code]}': điểm trung bình {result.criterion_means[code]:g}"
        f"/{maxima[code]:g}, cần tối thiểu {rubric.condition_threshold * maxima[code]:g}"
        for code, met in result.conditions.items() if not met
    ]
    if result.mean_total < rubric.pass_threshold:
        reasons.append(f"Tổng điểm bình quân {result.mean_total:g}/100 thấp hơn ngưỡng {rubric.pass_threshold:g}")
    return reasons


def normalised(sheets_by_member: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float | None]]:
    """Per member, each initiative's total as a z-score among that member's own totals.

    A lenient and a severe member become comparable; a member with one sheet (or identical
    totals) has no spread to normalise by, so None.
    """
    out: dict[str, dict[str, float | None]] = {}
    for member, totals in sheets_by_member.items():
        values = list(totals.values())
        sd = statistics.pstdev(values) if len(values) > 1 else 0.0
        mean = statistics.fmean(values) if values else 0.0
        out[member] = {i: (round((t - mean) / sd, 3) if sd > 0 else None) for i, t in totals.items()}
    return out


@dataclass(frozen=True)
class Ranked:
    initiative_id: str
    result: ScoreResult
    submitted_at_iso: str


def ranking(items: Sequence[Ranked]) -> list[Ranked]:
    return sorted(items, key=lambda r: (
        -r.result.mean_total,
        -r.result.criterion_means.get("effectiveness", 0.0),
        -r.result.criterion_means.get("novelty", 0.0),
        r.submitted_at_iso,
        r.initiative_id,
    ))
