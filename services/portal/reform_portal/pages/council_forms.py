"""The council's forms read for the evaluation API: members chosen from the directory (one of them the chair),
the decision's number and date, the rubric's rows. Only the format of what was typed is read here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reform_portal.formatting import parse_vn_date, parse_vn_number, vn_points
from reform_portal.forms import DATE_FORMAT_VI, NUMBER_FORMAT_VI, Parsed, reader

Errors = dict[str, dict[str, str]]
KEPT = ("required_conditions", "condition_threshold", "quorum", "disagreement_spread")
"""The rubric's settings the form does not show, sent back as they are."""


def members_body(officials: list[dict[str, Any]], chosen: list[str], chair: str) -> tuple[list[dict[str, Any]],
                                                                                           Errors]:
    """The council's members as the API takes them: the chair among them even if not ticked."""
    by_id = {o["official_id"]: o for o in officials}
    ids = list(dict.fromkeys([chair, *chosen] if chair else chosen))
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        return [], {"members": {"vi": f"Không có trong danh bạ: {', '.join(unknown)}",
                                "en": "not in the directory"}}
    members = [{"user_id": i, "name": by_id[i]["full_name"], "unit_id": by_id[i].get("unit_id"),
                "role": "chair" if i == chair else "member", "heads_unit": bool(by_id[i].get("heads"))}
               for i in ids]
    return members, {}


def council_fields(values: Mapping[str, str], errors: Errors) -> dict[str, Any]:
    """The decision constituting the council: its number and its date (dd/mm/yyyy)."""
    get = reader(values)
    day = parse_vn_date(get("decision_date")) if get("decision_date") else None
    if get("decision_date") and day is None:
        errors["decision_date"] = {"vi": DATE_FORMAT_VI, "en": "a date reads dd/mm/yyyy"}
    elif not get("decision_date"):
        errors["decision_date"] = {"vi": "Nhập ngày của quyết định thành lập hội đồng", "en": "a date is required"}
    return {"decision_number": get("decision_number"), "decision_date": day.isoformat() if day else None}


def rubric_values(rubric: Mapping[str, Any]) -> dict[str, str]:
    values = {"pass_threshold": vn_points(rubric.get("pass_threshold"))}
    for index, c in enumerate(rubric.get("criteria", [])):
        values |= {f"criteria.{index}.code": c["code"], f"criteria.{index}.label": c["label"],
                   f"criteria.{index}.weight": vn_points(c["weight"]),
                   f"criteria.{index}.max_points": vn_points(c["max_points"])}
    return values


def rubric_body(values: Mapping[str, str], rubric: Mapping[str, Any]) -> Parsed:
    """PUT …/council/rubric from the rows that have a code or a label (blank rows are left out)."""
    get = reader(values)
    parsed = Parsed(body={}, rows={"criteria": []})
    criteria = []
    indexes = sorted({int(k.split(".")[1]) for k in values if k.startswith("criteria.") and k.count(".") == 2
                      and k.split(".")[1].isdigit()})
    for index in indexes:
        prefix = f"criteria.{index}"
        if not (get(f"{prefix}.code") or get(f"{prefix}.label")):
            continue
        criterion: dict[str, Any] = {"code": get(f"{prefix}.code"), "label": get(f"{prefix}.label")}
        for part in ("weight", "max_points"):
            criterion[part] = number(parsed, f"{prefix}.{part}", get(f"{prefix}.{part}"))
        criteria.append(criterion)
        parsed.rows["criteria"].append(index)
    body: dict[str, Any] = {"criteria": criteria, **{k: rubric[k] for k in KEPT if k in rubric}}
    body["pass_threshold"] = number(parsed, "pass_threshold", get("pass_threshold"))
    parsed.body = body
    return parsed


def number(parsed: Parsed, name: str, text: str) -> float | None:
    value = parse_vn_number(text) if text else None
    if value is None:
        parsed.errors[name] = {"vi": NUMBER_FORMAT_VI, "en": "a number, e.g. 1.234,5"}
    return value
