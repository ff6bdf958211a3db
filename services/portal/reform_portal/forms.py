"""The pages' forms as flat values named after the API's fields (`novelty.since`, `authors.1.name`), so an API
refusal naming a field lands beside that input, and what the user typed is shown again as typed.

Only the format of what a person types is read here (dd/mm/yyyy, 1.234,5, one line per item); every rule
of the dossier or the campaign is the service's, and its refusal is what the page shows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reform_portal.formatting import parse_vn_date, parse_vn_number, vn_date
from reform_shared.ids import VIETNAM

AUTHOR_ROWS = 4
INDICATOR_ROWS = 3
TEXTS = ("title", "summary", "problem", "solution", "sub_area", "field", "author_kind", "replication_scope",
         "unit.unit_id", "unit.name", "novelty.kind", "novelty.where", "novelty.since", "novelty.description",
         "effectiveness.expected_benefit", "effectiveness.description", "note")
AUTHOR_PARTS = ("user_id", "name", "position")
INDICATOR_PARTS = ("name", "unit", "before", "after")
DATE_FORMAT_VI = "Ngày phải viết dạng dd/mm/yyyy, ví dụ 25/09/2026"
NUMBER_FORMAT_VI = "Phải là một số, ví dụ 1.234,5"


@dataclass
class Parsed:
    """A form read for the API: the body, the errors of format, and where the API's list indexes point."""

    body: dict[str, Any]
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)
    collapsed: tuple[str, ...] = ()
    """Lists typed in one box (one item a line): an error on any item is shown beside the box."""

    def form_field(self, api_field: str | None) -> str:
        """The input an API field names: `authors.0.name` is the first *filled* author row of the form."""
        if not api_field:
            return ""
        for prefix in self.collapsed:
            if api_field == prefix or api_field.startswith(f"{prefix}."):
                return prefix
        for prefix, rows in self.rows.items():
            match = re.fullmatch(rf"{re.escape(prefix)}\.(\d+)(\..*)?", api_field)
            if match and int(match.group(1)) < len(rows):
                return f"{prefix}.{rows[int(match.group(1))]}{match.group(2) or ''}"
        return api_field


Reader = Callable[[str], str]


def reader(values: Mapping[str, str]) -> Reader:
    """A form value by name, stripped ("" when absent)."""

    def get(key: str) -> str:
        return values.get(key, "").strip()

    return get


def _error(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


def form_values(form: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


# -- the initiative form ---------------------------------------------------------------------------------
def initiative_blank(user_id: str, name: str, unit_id: str | None) -> dict[str, str]:
    return {"author_kind": "individual", "novelty.kind": "first_applied", "authors.0.user_id": user_id,
            "authors.0.name": name, "unit.unit_id": unit_id or ""}


def initiative_values(content: Mapping[str, Any]) -> dict[str, str]:
    """A dossier's content as the form shows it (to revise it)."""
    values = {key: str(content.get(key) or "") for key in TEXTS if "." not in key}
    values["unit.unit_id"], values["unit.name"] = content["unit"]["unit_id"], content["unit"]["name"]
    novelty, effect = content.get("novelty") or {}, content.get("effectiveness") or {}
    values |= {"novelty.kind": novelty.get("kind", "first_applied"), "novelty.where": novelty.get("where", ""),
               "novelty.since": vn_date(novelty.get("since")), "novelty.description": novelty.get("description", ""),
               "effectiveness.expected_benefit": effect.get("expected_benefit", ""),
               "effectiveness.description": effect.get("description", "")}
    for index, author in enumerate(content.get("authors") or []):
        values |= {f"authors.{index}.{part}": str(author.get(part) or "") for part in AUTHOR_PARTS}
    for index, item in enumerate(effect.get("indicators") or []):
        values |= {f"effectiveness.indicators.{index}.{part}": _number_text(item.get(part)) for part in
                   INDICATOR_PARTS}
    return values


def _number_text(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value).replace(".", ",") if not float(value).is_integer() else str(int(value))
    return "" if value is None else str(value)


def initiative_body(values: Mapping[str, str], unit_names: Mapping[str, str], attachment_ids: list[str]) -> Parsed:
    """The body of POST …/initiatives (or PUT …/initiatives/{id}) from the form's values."""
    get = reader(values)
    parsed = Parsed(body={})
    unit_id = get("unit.unit_id")
    body: dict[str, Any] = {
        "title": get("title"), "unit": {"unit_id": unit_id, "name": get("unit.name") or unit_names.get(unit_id, "")},
        "author_kind": get("author_kind") or "individual", "field": get("field"), "sub_area": get("sub_area"),
        "summary": get("summary"), "problem": get("problem"), "solution": get("solution"),
        "replication_scope": get("replication_scope"), "attachment_ids": attachment_ids,
        "novelty": {"kind": get("novelty.kind") or "first_applied", "where": get("novelty.where"),
                    "description": get("novelty.description")},
        "effectiveness": {"expected_benefit": get("effectiveness.expected_benefit"),
                          "description": get("effectiveness.description"), "indicators": []},
    }
    if get("novelty.since"):
        since = parse_vn_date(get("novelty.since"))
        if since is None:
            parsed.errors["novelty.since"] = _error(DATE_FORMAT_VI, "a date reads dd/mm/yyyy")
        body["novelty"]["since"] = since.isoformat() if since else None
    body["authors"], parsed.rows["authors"] = _authors(get)
    body["effectiveness"]["indicators"], parsed.rows["effectiveness.indicators"] = _indicators(get, parsed)
    if "note" in values:
        body["note"] = get("note")
    parsed.body = body
    return parsed


def _authors(get: Reader) -> tuple[list[dict[str, Any]], list[int]]:
    authors, rows = [], []
    for index in range(AUTHOR_ROWS):
        name = get(f"authors.{index}.name")
        if not name:
            continue
        author: dict[str, Any] = {"name": name, "position": get(f"authors.{index}.position")}
        if get(f"authors.{index}.user_id"):
            author["user_id"] = get(f"authors.{index}.user_id")
        authors.append(author)
        rows.append(index)
    return authors, rows


def _indicators(get: Reader, parsed: Parsed) -> tuple[list[dict[str, Any]], list[int]]:
    indicators, rows = [], []
    for index in range(INDICATOR_ROWS):
        prefix = f"effectiveness.indicators.{index}"
        if not get(f"{prefix}.name"):
            continue
        item: dict[str, Any] = {"name": get(f"{prefix}.name"), "unit": get(f"{prefix}.unit")}
        for part in ("before", "after"):
            text = get(f"{prefix}.{part}")
            if text:
                number = parse_vn_number(text)
                if number is None:
                    parsed.errors[f"{prefix}.{part}"] = _error(NUMBER_FORMAT_VI, "a number, e.g. 1.234,5")
                item[part] = number
        indicators.append(item)
        rows.append(index)
    return indicators, rows


# -- the campaign form -----------------------------------------------------------------------------------
def campaign_body(values: Mapping[str, str], fields: list[str]) -> Parsed:
    """The body of POST …/campaigns: the window from whole days in Vietnam's time (opens at 00:00 of its
    first day, closes at 23:59:59 of its last), expected units one a line as `code | name`."""
    get = reader(values)
    parsed = Parsed(body={}, collapsed=("expected_units", "sub_areas", "fields"))
    body: dict[str, Any] = {"title": get("title"), "commune_name": get("commune_name"), "fields": fields,
                            "sub_areas": [line.strip() for line in get("sub_areas").splitlines() if line.strip()]}
    if get("campaign_id"):
        body["campaign_id"] = get("campaign_id")
    year = get("year")
    body["year"] = int(year) if year.isdigit() else year
    nominations = get("max_nominations")
    body["max_nominations"] = int(nominations) if nominations.isdigit() else (nominations or 2)
    for name, end_of_day in (("submission_opens_at", False), ("submission_closes_at", True)):
        day = _date(parsed, name, get(name))
        if day is not None:
            moment = dt.datetime.combine(day, dt.time(23, 59, 59) if end_of_day else dt.time(0, 0), VIETNAM)
            body[name] = moment.isoformat()
        elif not get(name):
            body[name] = None
    for name in ("evaluation_deadline", "recognition_deadline", "nomination_deadline"):
        day = _date(parsed, name, get(name))
        if day is not None:
            body[name] = day.isoformat()
    if get("legal_basis.document_number") or get("legal_basis.document_date"):
        basis_date = _date(parsed, "legal_basis.document_date", get("legal_basis.document_date"))
        body["legal_basis"] = {"document_number": get("legal_basis.document_number"),
                               "document_date": basis_date.isoformat() if basis_date else None}
    body["expected_units"] = _units(get("expected_units"), parsed)
    parsed.body = body
    return parsed


def _date(parsed: Parsed, name: str, text: str) -> dt.date | None:
    if not text:
        return None
    day = parse_vn_date(text)
    if day is None:
        parsed.errors[name] = _error(DATE_FORMAT_VI, "a date reads dd/mm/yyyy")
    return day


def _units(text: str, parsed: Parsed) -> list[dict[str, str]]:
    units = []
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        code, _, name = line.partition("|")
        if not name.strip():
            parsed.errors["expected_units"] = _error(
                f"Mỗi dòng một đơn vị dạng 'mã | tên', dòng «{line}» thiếu tên",
                f"one unit a line as 'code | name'; «{line}» has no name")
        units.append({"unit_id": code.strip(), "name": name.strip()})
    return units
