"""The rules of the call for initiatives (seeds 000, 001, 003), each a named function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NoReturn

from reform_shared.catalog import REFORM_FIELDS, field_label
from reform_shared.errors import Conflict, NotFound, RuleViolation
from reform_shared.ids import VIETNAM


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


def campaign_amended_before_window_opens(now: dt.datetime, opens_at: dt.datetime) -> None:
    if now >= opens_at:
        raise RuleViolation(
            f"Chỉ sửa đợt phát động trước khi mở nhận hồ sơ ({local(opens_at)})",
            "a campaign can be amended only before its submission window opens",
            rule="amend_before_window_opens",
        )


def submissions_can_close_early(now: dt.datetime, opens_at: dt.datetime, closes_at: dt.datetime) -> None:
    if now >= closes_at:
        raise Conflict(
            f"Đợt phát động đã đóng nhận hồ sơ lúc {local(closes_at)}",
            "submissions are already closed",
            rule="already_closed",
        )
    if now < opens_at:
        raise RuleViolation(
            "Đợt phát động chưa mở nhận hồ sơ nên không thể đóng sớm",
            "submissions have not opened yet, so they cannot close early",
            rule="close_only_when_open",
        )


def sub_area_is_open(sub_area: str, open_sub_areas: tuple[str, ...]) -> None:
    if sub_area and open_sub_areas and sub_area not in open_sub_areas:
        raise RuleViolation(
            f"Nhóm nội dung '{sub_area}' không có trong đợt phát động ({'; '.join(open_sub_areas)})",
            f"sub-area '{sub_area}' is not one of the campaign's",
            field="sub_area",
            rule="sub_area_open_in_campaign",
        )


def authors_belong_to_the_commune(author_communes: list[str | None], commune_id: str) -> None:
    foreign = sorted({c for c in author_communes if c is not None and c != commune_id})
    if foreign:
        raise RuleViolation(
            f"Tác giả phải là cán bộ của {commune_id}; có tác giả thuộc {', '.join(foreign)}",
            f"authors must be officials of {commune_id}; some belong to {', '.join(foreign)}",
            field="authors",
            rule="authors_same_commune",
        )


def not_withdrawn(status: str) -> None:
    if status == "withdrawn":
        raise Conflict(
            "Sáng kiến đã được rút, không thể thao tác thêm",
            "the initiative was withdrawn; nothing more can be done to it",
            rule="withdrawn_is_final",
        )


def return_needs_a_submitted_dossier(status: str) -> None:
    if status != "submitted":
        raise Conflict(
            "Chỉ trả lại hồ sơ đang ở trạng thái đã nộp",
            "only a submitted dossier can be returned",
            rule="return_only_submitted",
        )


def a_title_is_unique_per_unit_and_campaign(holder_id: str, holder_title: str) -> None:
    raise RuleViolation(
        f"Đơn vị đã có sáng kiến cùng tên trong đợt phát động này: \"{holder_title}\" (mã {holder_id})",
        f"the unit already has an initiative with this title in this campaign: \"{holder_title}\" ({holder_id})",
        field="title",
        rule="unique_title_per_unit",
        details={"existing_initiative_id": holder_id},
    )


def a_title_being_submitted_is_held_for_its_submission() -> NoReturn:
    raise RuleViolation(
        "Một sáng kiến cùng tên của đơn vị đang được nộp; vui lòng thử lại sau ít phút",
        "an initiative with this title from this unit is being submitted right now; retry shortly",
        field="title",
        rule="unique_title_per_unit",
    )
