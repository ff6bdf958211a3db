"""The scoring rubric: criteria from seeds 000 §3 and 003, weights and maxima as campaign data."""

from __future__ import annotations

from reform_shared.errors import RuleViolation
from reform_shared.events import Criterion, Rubric

DEFAULT_RUBRIC = Rubric(
    version=1,
    criteria=(
        Criterion(code="novelty", label="Tính mới", weight=25, max_points=10),
        Criterion(code="effectiveness", label="Tính hiệu quả", weight=30, max_points=10),
        Criterion(code="replicability", label="Khả năng nhân rộng", weight=20, max_points=10),
        Criterion(code="feasibility", label="Tính khả thi, áp dụng ngay", weight=15, max_points=10),
        Criterion(code="creativity", label="Tính sáng tạo", weight=10, max_points=10),
    ),
)
"""Novelty and effectiveness are the recognition conditions of seed 000 §3; seed 003 adds creativity
and immediate applicability; the council's name adds replicability."""


def rubric_is_coherent(rubric: Rubric) -> None:
    codes = [c.code for c in rubric.criteria]
    problems = []
    if len(set(codes)) != len(codes):
        problems.append("mã tiêu chí bị trùng (duplicate criterion codes)")
    if any(c.weight <= 0 or c.max_points <= 0 for c in rubric.criteria):
        problems.append("trọng số và điểm tối đa phải dương (weights and maxima must be positive)")
    if abs(sum(c.weight for c in rubric.criteria) - 100) > 1e-6:
        problems.append("tổng trọng số phải bằng 100 (weights must add up to 100)")
    missing = [code for code in rubric.required_conditions if code not in codes]
    if missing:
        problems.append(f"điều kiện bắt buộc không có tiêu chí: {', '.join(missing)}")
    if not 0 < rubric.quorum <= 1:
        problems.append("tỷ lệ túc số phải trong (0, 1] (quorum must be in (0, 1])")
    if problems:
        raise RuleViolation("Bộ tiêu chí không hợp lệ: " + "; ".join(problems), "the rubric is invalid",
                            field="rubric", rule="rubric_coherent", details={"problems": problems})


def points_in_range(rubric: Rubric, points: dict[str, float]) -> None:
    """Every criterion scored, each between 0 and its maximum, nothing else."""
    by_code = {c.code: c for c in rubric.criteria}
    unknown = sorted(set(points) - set(by_code))
    missing = sorted(set(by_code) - set(points))
    out = [f"{code}={points[code]} (0–{by_code[code].max_points:g})" for code in by_code
           if code in points and not 0 <= points[code] <= by_code[code].max_points]
    if unknown or missing or out:
        parts = []
        if out:
            parts.append("điểm ngoài khung: " + ", ".join(out))
        if missing:
            parts.append("thiếu tiêu chí: " + ", ".join(missing))
        if unknown:
            parts.append("tiêu chí không có trong bộ tiêu chí: " + ", ".join(unknown))
        raise RuleViolation("Phiếu chấm không hợp lệ: " + "; ".join(parts),
                            "points out of range, missing or unknown criteria", field="points",
                            rule="points_in_range", details={"out_of_range": out, "missing": missing,
                                                             "unknown": unknown})


def weighted_total(rubric: Rubric, points: dict[str, float]) -> float:
    """Out of 100: each criterion's share of its maximum, times its weight."""
    return round(sum(c.weight * points[c.code] / c.max_points for c in rubric.criteria), 2)
