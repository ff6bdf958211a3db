"""Commune awards in Debian's Chromium: the secretary checks the conditions of a Giấy khen (each condition met
or not, and why), is refused past the dossier deadline beside the year, proposes; the chairman finds it among
his to-dos, is refused a date that does not exist, grants it and downloads the certificate; the recipient
finds it among her awards and downloads it too. axe-core on every award page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from browser_kit import no_violations, shot
from dev_sign_in import Person
from playwright.sync_api import Locator, Page, expect
from portal_stack import AUTHOR, CHAIRMAN, SECRETARY, Stack, in_directory

pytestmark = pytest.mark.browser
NEXT_YEAR = str(dt.date.today().year + 1)
DEED = "Tham mưu triển khai phiếu hẹn điện tử"


def download_certificate(page: Page, award_id: str) -> None:
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải giấy khen (DOCX)").click()
    assert download.value.suggested_filename == f"giay-khen-{award_id}.docx"


def condition(table: Locator, row: int, label: str, verdict: str, why: str) -> None:
    cells = table.get_by_role("row").nth(row).get_by_role("cell")
    expect(cells).to_have_text([label, verdict, why])


def propose(stack: Stack, signed_in: Callable[[Person], Page]) -> str:
    in_directory(stack)
    secretary = signed_in(SECRETARY)
    secretary.get_by_role("link", name="Khen thưởng", exact=True).click()
    expect(secretary.get_by_role("heading", name="Sổ khen thưởng của xã")).to_be_visible()
    no_violations(secretary)
    secretary.get_by_role("link", name="Đề nghị khen thưởng mới").click()
    expect(secretary.get_by_role("heading", name="Đề nghị khen thưởng cấp xã")).to_be_visible()
    no_violations(secretary)
    secretary.get_by_label(re.compile("Hình thức khen thưởng")).select_option("giay-khen-xa")
    secretary.get_by_label("Cá nhân", exact=True).check()
    secretary.get_by_label("Cá nhân (khi đề nghị cho cá nhân)").select_option(AUTHOR.user_id)
    secretary.get_by_role("button", name="Kiểm tra điều kiện").click()
    table = secretary.locator("#conditions-table")
    expect(secretary.locator("#eligible-verdict")).to_have_text("Chưa đủ điều kiện khen thưởng")
    condition(table, 1, "Là tác giả sáng kiến được công nhận, áp dụng", "Chưa đạt",
              "Chưa chọn sáng kiến nào làm căn cứ")
    condition(table, 2, "Hoặc có thành tích tham mưu xuất sắc / tinh thần trách nhiệm cao", "Chưa đạt",
              "Chưa mô tả thành tích tham mưu xuất sắc hoặc tinh thần trách nhiệm cao")
    expect(secretary.get_by_role("button", name="Gửi đề nghị khen thưởng")).to_have_count(0)
    no_violations(secretary)

    secretary.get_by_label("Loại thành tích 1").select_option("advisory")
    secretary.get_by_label("Mô tả thành tích 1").fill(DEED)
    secretary.get_by_label(re.compile("Năm khen thưởng")).fill("2020")
    secretary.get_by_role("button", name="Kiểm tra điều kiện").click()
    # 2020 is past its 20/11 deadline: the check says so (never "eligible", then refused as late)
    expect(secretary.locator("#eligible-verdict")).to_have_text("Chưa đủ điều kiện khen thưởng")
    condition(table, 2, "Hoặc có thành tích tham mưu xuất sắc / tinh thần trách nhiệm cao", "Đạt",
              f"Đạt: tham mưu xuất sắc: {DEED}")
    condition(table, 3, "Nộp hồ sơ trước hạn", "Chưa đạt",
              "Chưa đạt: Đã quá hạn nộp hồ sơ khen thưởng (20/11/2020) cho 'Giấy khen của Chủ tịch UBND xã'")
    expect(secretary.locator("#f-year-error")).to_contain_text("Đã quá hạn nộp hồ sơ khen thưởng (20/11/2020)")
    expect(secretary.get_by_label(re.compile("Năm khen thưởng"))).to_have_accessible_description(
        re.compile("Đã quá hạn"))
    expect(secretary.get_by_label("Mô tả thành tích 1")).to_have_value(DEED)
    expect(secretary.get_by_role("button", name="Gửi đề nghị khen thưởng")).to_have_count(0)
    no_violations(secretary)

    secretary.get_by_label(re.compile("Năm khen thưởng")).fill(NEXT_YEAR)
    secretary.get_by_role("button", name="Kiểm tra điều kiện").click()
    expect(secretary.locator("#eligible-verdict")).to_have_text("Đủ điều kiện đề nghị khen thưởng")
    shot(secretary, "award-eligibility")
    secretary.get_by_role("button", name="Gửi đề nghị khen thưởng").click()
    expect(secretary.get_by_role("status")).to_have_text("Đã gửi đề nghị khen thưởng.")
    expect(secretary.locator("#award-status")).to_have_text("Chờ quyết định")
    no_violations(secretary)
    award_id = secretary.url.split("?")[0].rsplit("/", 1)[1]
    secretary.get_by_role("link", name="Quay lại sổ khen thưởng").click()
    secretary.get_by_label("Năm").fill(NEXT_YEAR)
    secretary.get_by_label("Trạng thái").select_option("proposed")
    secretary.get_by_role("button", name="Lọc").click()
    expect(secretary.locator(f"#award-{award_id}")).to_contain_text("Chờ quyết định")
    shot(secretary, "award-register")
    return award_id


def test_propose_grant_and_download_a_certificate(stack: Stack, signed_in: Callable[[Person], Page]) -> None:
    award_id = propose(stack, signed_in)

    chairman = signed_in(CHAIRMAN)
    expect(chairman.get_by_role("heading", name=re.compile("Đề nghị khen thưởng cần quyết định"))).to_be_visible()
    no_violations(chairman)
    chairman.locator(f'a[href="/khen-thuong/{award_id}"]').click()
    expect(chairman.get_by_role("heading", name=f"Giấy khen của Chủ tịch UBND xã: {AUTHOR.name}")).to_be_visible()
    expect(chairman.locator("#eligible-verdict")).to_have_text("Đủ điều kiện đề nghị khen thưởng")
    no_violations(chairman)
    chairman.get_by_label(re.compile("Số quyết định")).fill("125/QĐ-UBND")
    chairman.get_by_label(re.compile("Ngày quyết định")).fill("31/02/2026")
    chairman.get_by_role("button", name="Quyết định khen thưởng").click()
    expect(chairman.locator("#f-decision-date-error")).to_contain_text("dd/mm/yyyy")
    expect(chairman.get_by_label(re.compile("Số quyết định"))).to_have_value("125/QĐ-UBND")
    no_violations(chairman)
    chairman.get_by_label(re.compile("Ngày quyết định")).fill("01/12/2026")
    chairman.get_by_role("button", name="Quyết định khen thưởng").click()
    expect(chairman.get_by_role("status")).to_have_text("Đã quyết định khen thưởng.")
    expect(chairman.locator("#award-status")).to_have_text("Đã khen thưởng")
    expect(chairman.locator("#award-decision")).to_have_text(f"Số 125/QĐ-UBND ngày 01/12/2026, {CHAIRMAN.name}")
    no_violations(chairman)
    shot(chairman, "award-granted")
    download_certificate(chairman, award_id)

    author = signed_in(AUTHOR)
    author.get_by_role("link", name="Khen thưởng của tôi").click()
    expect(author.get_by_role("heading", name="Khen thưởng của tôi")).to_be_visible()
    expect(author.locator(f"#award-{award_id}")).to_contain_text("Đã khen thưởng")
    no_violations(author)
    author.locator(f"#award-{award_id}").get_by_role("link", name=AUTHOR.name).click()
    expect(author.locator("#award-status")).to_have_text("Đã khen thưởng")
    expect(author.get_by_role("button", name="Thu hồi khen thưởng")).to_have_count(0)
    no_violations(author)
    download_certificate(author, award_id)

    # a revocation is a decision of its own: number, date, signer and the reason, refused beside its field
    chairman.get_by_role("link", name="Khen thưởng", exact=True).click()
    chairman.locator(f'a[href="/khen-thuong/{award_id}"]').first.click()
    expect(chairman.get_by_label(re.compile("Người ký quyết định thu hồi"))).to_have_value(CHAIRMAN.name)
    no_violations(chairman)
    chairman.get_by_label(re.compile("Số quyết định thu hồi")).fill("140/QĐ-UBND")
    chairman.get_by_label(re.compile("Ngày quyết định thu hồi")).fill("30/11/2026")
    chairman.get_by_label(re.compile("Lý do thu hồi")).fill("Quyết định ghi sai người nhận")
    chairman.get_by_role("button", name="Thu hồi khen thưởng").click()
    date = chairman.get_by_label(re.compile("Ngày quyết định thu hồi"))
    expect(date).to_have_accessible_description(re.compile("không thể trước quyết định khen thưởng"))
    expect(chairman.get_by_label(re.compile("Số quyết định thu hồi"))).to_have_value("140/QĐ-UBND")
    no_violations(chairman)
    date.fill("10/12/2026")
    date.press("Enter")  # the keyboard submits the form
    expect(chairman.get_by_role("status")).to_have_text("Đã thu hồi khen thưởng.")
    expect(chairman.locator("#award-revocation")).to_have_text(f"Số 140/QĐ-UBND ngày 10/12/2026, {CHAIRMAN.name}")
    expect(chairman.get_by_role("link", name="Tải giấy khen (DOCX)")).to_have_count(0)
    no_violations(chairman)
