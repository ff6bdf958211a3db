"""The rules of the call for initiatives (seeds 000, 001, 003), each a named function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from reform_shared.catalog import REFORM_FIELDS, field_label
from reform_shared.errors import Conflict, NotFound, RuleViolation

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")


def local(moment: dt.datetime) -> str:
    """A moment as a Vietnamese reader writes it: 17:00 ngày 25/09/2026."""
    return moment.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


def fields_come_from_the_catalogue(fields: Iterable[str]) -> None:
    unknown = [code for code in fields if code not in REFORM_FIELDS]
    if unknown:
        raise RuleViolation(
            f"Lĩnh vực không có trong danh mục: {', '.join(unknown)} (hợp lệ: {', '.join(REFORM_FIELDS)})",
            f"unknown reform fields {unknown}; known codes: {', '.join(REFORM_FIELDS)}",
            field="fields",
            rule="fields_from_catalogue",
        )


def window_closes_after_it_opens(opens_at: dt.datetime, closes_at: dt.datetime) -> None:
    if closes_at <= opens_at:
        raise RuleViolation(
            f"Hạn nộp ({local(closes_at)}) phải sau ngày mở nhận hồ sơ ({local(opens_at)})",
            "the submission deadline must come after the window opens",
            field="submission_closes_at",
            rule="window_closes_after_opening",
        )


def campaign_is_new(exists: bool, campaign_id: str) -> None:
    if exists:
        raise Conflict(
            f"Đợt phát động {campaign_id} đã tồn tại",
            f"campaign {campaign_id} already exists",
            field="campaign_id",
            rule="campaign_unique",
        )


def campaign_exists(exists: bool, campaign_id: str) -> None:
    if not exists:
        raise NotFound(
            f"Không tìm thấy đợt phát động {campaign_id}",
            f"no campaign {campaign_id} in this commune",
            field="campaign_id",
            rule="campaign_exists",
        )


def submission_window_is_open(now: dt.datetime, opens_at: dt.datetime, closes_at: dt.datetime) -> None:
    if now < opens_at:
        raise RuleViolation(
            f"Đợt phát động chưa mở nhận hồ sơ; mở từ {local(opens_at)}",
            f"submissions open at {opens_at.isoformat()}",
            rule="submission_window_open",
            details={"opens_at": opens_at.isoformat()},
        )
    if now >= closes_at:
        raise RuleViolation(
            f"Đã hết hạn nộp hồ sơ sáng kiến; hạn cuối là {local(closes_at)}",
            f"the submission deadline has passed; it was {closes_at.isoformat()}",
            rule="submission_deadline",
            details={"deadline": closes_at.isoformat()},
        )


def field_is_open_in_campaign(field: str, open_fields: tuple[str, ...]) -> None:
    if field not in open_fields:
        labels = "; ".join(f"{code}) {field_label(code)}" for code in open_fields)
        raise RuleViolation(
            f"Đợt phát động không mở lĩnh vực '{field}'. Các lĩnh vực được mở: {labels}",
            f"the campaign does not open field '{field}'; open fields: {', '.join(open_fields)}",
            field="field",
            rule="field_open_in_campaign",
        )


def authors_match_author_kind(author_kind: str, author_count: int) -> None:
    if author_kind == "individual" and author_count == 0:
        raise RuleViolation(
            "Sáng kiến của cá nhân phải có ít nhất một tác giả",
            "an individual initiative needs at least one author",
            field="authors",
            rule="individual_needs_author",
        )
