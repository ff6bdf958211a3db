"""What the portal reads from a person's typing (dd/mm/yyyy, 1.234,5, rows left empty) and shows back."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_portal.formatting import parse_vn_date, parse_vn_number, vn_date, vn_datetime, vn_number
from reform_portal.forms import campaign_body, initiative_body, initiative_values
from reform_portal.pages.author import authors_from_directory

pytestmark = pytest.mark.domain


def test_dates_and_numbers_in_vietnamese_conventions() -> None:
    assert vn_date("2026-09-25") == "25/09/2026"
    assert vn_date("2026-09-24T18:30:00+00:00") == "25/09/2026"  # read in Vietnam's time
    assert vn_datetime("2026-09-25T10:00:00+00:00") == "17:00 25/09/2026"
    assert (vn_number(1234.5), vn_number(1234567), vn_number(0.25, 2)) == ("1.234,5", "1.234.567", "0,25")
    assert parse_vn_date("5/9/2026") == dt.date(2026, 9, 5) and parse_vn_date("31/02/2026") is None
    assert parse_vn_number("1.234,5") == 1234.5 and parse_vn_number("1.234") == 1234.0
    assert parse_vn_number("12.5") == 12.5 and parse_vn_number("mười") is None


def test_empty_rows_are_skipped_and_the_services_indexes_point_back_to_the_form() -> None:
    values = {"title": "Một cửa điện tử", "unit.unit_id": "vh-xh", "field": "g", "summary": "Tóm tắt đủ dài.",
              "authors.0.name": "Nguyễn Thị Lan", "authors.0.user_id": "lan", "authors.2.name": "Trần Văn Bình",
              "effectiveness.indicators.1.name": "Số ngày", "effectiveness.indicators.1.before": "1.234,5",
              "novelty.since": "01/03/2026"}
    parsed = initiative_body(values, {"vh-xh": "Phòng Văn hóa – Xã hội"}, ["att-1"])
    body = parsed.body
    assert body["unit"] == {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"}
    assert [a["name"] for a in body["authors"]] == ["Nguyễn Thị Lan", "Trần Văn Bình"]
    assert body["authors"][0]["user_id"] == "lan" and "user_id" not in body["authors"][1]
    assert body["effectiveness"]["indicators"] == [{"name": "Số ngày", "unit": "", "before": 1234.5}]
    assert body["novelty"]["since"] == "2026-03-01" and body["attachment_ids"] == ["att-1"]
    assert parsed.form_field("authors.1.name") == "authors.2.name"
    assert parsed.form_field("effectiveness.indicators.0.before") == "effectiveness.indicators.1.before"
    assert parsed.form_field("title") == "title" and not parsed.errors


def test_a_dossier_shows_again_as_it_was_typed() -> None:
    values = {"title": "Một cửa điện tử", "unit.unit_id": "vh-xh", "unit.name": "Phòng VH-XH", "field": "g",
              "summary": "Tóm tắt đủ dài.", "authors.0.name": "Lan", "effectiveness.indicators.0.name": "Ngày",
              "effectiveness.indicators.0.after": "12,5", "novelty.since": "01/03/2026"}
    shown = initiative_values(initiative_body(values, {}, []).body)
    assert shown["effectiveness.indicators.0.after"] == "12,5" and shown["novelty.since"] == "01/03/2026"
    assert shown["unit.name"] == "Phòng VH-XH" and shown["authors.0.name"] == "Lan"


def test_a_campaign_window_is_whole_days_in_vietnam_and_units_one_a_line() -> None:
    parsed = campaign_body({"title": "Đợt 2026", "year": "2026", "submission_opens_at": "01/09/2026",
                            "submission_closes_at": "25/09/2026", "expected_units": "vh-xh | Phòng VH-XH\n\nbad"},
                           ["a", "g"])
    assert parsed.body["submission_opens_at"] == "2026-09-01T00:00:00+07:00"
    assert parsed.body["submission_closes_at"] == "2026-09-25T23:59:59+07:00"
    assert parsed.body["expected_units"][0] == {"unit_id": "vh-xh", "name": "Phòng VH-XH"}
    assert "expected_units" in parsed.errors  # «bad» has no name
    assert parsed.form_field("expected_units.1.name") == "expected_units"


OFFICIALS = [{"official_id": "pham-van-duc", "full_name": "Phạm Văn Đức", "position": "Công chức Tư pháp"},
             {"official_id": "le-thi-hoa", "full_name": "Lê Thị Hoa", "position": "Chuyên viên"},
             {"official_id": "le-thi-hoa-2", "full_name": "Lê  Thị Hoa", "position": "Kế toán"}]


def test_an_author_named_as_in_the_directory_is_that_official_with_his_position() -> None:
    values = authors_from_directory({"authors.0.user_id": "nguyen-thi-lan", "authors.0.name": "Nguyễn Thị Lan",
                                     "authors.1.name": " phạm văn  đức "}, OFFICIALS)
    assert values["authors.0.user_id"] == "nguyen-thi-lan"  # not in this directory: kept as the session said
    assert values["authors.1.user_id"] == "pham-van-duc"
    assert values["authors.1.position"] == "Công chức Tư pháp"


def test_a_typed_position_is_kept_and_an_outsider_or_a_namesake_gets_no_id() -> None:
    values = authors_from_directory({"authors.0.name": "Phạm Văn Đức", "authors.0.position": "Tổ trưởng",
                                     "authors.1.name": "Trần Khách Mời", "authors.2.name": "Lê Thị Hoa"}, OFFICIALS)
    assert values["authors.0.user_id"] == "pham-van-duc" and values["authors.0.position"] == "Tổ trưởng"
    assert values.get("authors.1.user_id", "") == ""  # from outside the commune: as typed
    assert values.get("authors.2.user_id", "") == ""  # two officials share the name: nobody is guessed


def test_an_official_whose_name_was_changed_in_the_form_loses_the_id() -> None:
    values = authors_from_directory({"authors.1.user_id": "pham-van-duc", "authors.1.name": "Phạm Văn Đạt"},
                                    OFFICIALS)
    assert values["authors.1.user_id"] == ""
    kept = authors_from_directory({"authors.1.user_id": "le-thi-hoa-2", "authors.1.name": "Lê Thị Hoa"}, OFFICIALS)
    assert kept["authors.1.user_id"] == "le-thi-hoa-2"  # picked before: the namesake stays who was picked
