"""The whole yearly cycle in Debian's Chromium, in a real local federation (the city node and Ninh Giang's node as
processes, each with its NATS, its services, its identity provider and its portal), every person signed in
through their node's own identity provider with the demo accounts' password: the secretary launches the campaign;
the author submits with an attachment; the secretary returns it with a reason, the author resubmits; the secretary
closes submissions, constitutes the council from the directory and opens scoring; three members score blind, one
of them declaring a conflict; the chair concludes; the chairman signs the recognition decision; the secretary
nominates it to the city; the city council appraises it and the city officer records the city's decision, which
comes back to the commune; the secretary proposes a Giấy khen for the author, the chairman grants it, the author
downloads the certificate; the secretary reads and downloads the annual report. Each step checked in the page a
user sees; axe-core on the pages of each step."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from browser_kit import no_violations, shot
from federation_browser import sign_in_at
from playwright.sync_api import Browser, Page, expect
from support import ONE_PAGE_PDF

from reform_node.demo import demo_commune
from reform_node.demo_accounts import demo_password, set_demo_passwords
from reform_node.demo_city_directory import load_city_directory
from reform_node.demo_directory import load_directory
from reform_node.federation import LocalFederation, Ports
from reform_node.servers import free_port
from reform_shared.federation import FederatedNode

pytestmark = [pytest.mark.browser, pytest.mark.system, pytest.mark.timeout(1200)]

COMMUNE = "ninh-giang"
YEAR = dt.date.today().year
TODAY = dt.date.today().strftime("%d/%m/%Y")
CAMPAIGN = f"ca-nam-{YEAR}"
CAMPAIGN_TITLE = f"Sáng kiến cải cách hành chính năm {YEAR} của xã Ninh Giang"
TITLE = "Trả kết quả thủ tục hành chính tại nhà cho người cao tuổi"
SECRETARY, AUTHOR, CHAIR, CHAIRMAN = "vhxh-thu-ky", "nguyen-thi-lan", "vu-van-nam", "chu-tich-ubnd"
MEMBERS = {"do-minh": "Đỗ Minh", "hoang-thu": "Hoàng Thị Thu", "tran-van-hung": "Trần Văn Hùng"}
CITY_OFFICER = "le-minh-tuan"
CITY_COUNCIL = ("pham-thi-mai-anh", "tran-quoc-khanh", "nguyen-duc-long")
SHEETS = {"do-minh": {"Tính mới": "9", "Tính hiệu quả": "8,5", "Khả năng nhân rộng": "9",
                      "Tính khả thi, áp dụng ngay": "8", "Tính sáng tạo": "8"},
          "hoang-thu": {"Tính mới": "8", "Tính hiệu quả": "9", "Khả năng nhân rộng": "8,5",
                        "Tính khả thi, áp dụng ngay": "9", "Tính sáng tạo": "7"}}


@dataclass
class Cycle:
    fed: LocalFederation
    browser: Browser
    commune_password: str
    city_password: str

    def commune(self, user_id: str) -> Page:
        return sign_in_at(self.browser, self.fed.nodes[COMMUNE].config.url("portal"), user_id,
                          self.commune_password)

    def city(self, user_id: str) -> Page:
        assert self.fed.city is not None
        return sign_in_at(self.browser, self.fed.city.config.url("portal"), user_id, self.city_password)


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFederation]:
    """The city and Ninh Giang, each with its demo directory and its people's demo password; no campaign yet."""
    fed = LocalFederation(tmp_path_factory.mktemp("whole-cycle"), free_port(), free_port(), Ports.free())
    try:
        fed.start([FederatedNode(node_id=COMMUNE, communes=[COMMUNE])])
        assert fed.city is not None
        now = dt.datetime.now(dt.UTC)
        city = fed.city.config
        load_city_directory(city.settings(), city.url("directory"), now)
        set_demo_passwords(city.settings(), city.url("identity"), "city", [CITY_OFFICER, *CITY_COUNCIL],
                           demo_password(city.data_dir))
        node = fed.nodes[COMMUNE].config
        load_directory(node.settings(), node.url("directory"), demo_commune(COMMUNE), now)
        set_demo_passwords(node.settings(), node.url("identity"), COMMUNE,
                           [SECRETARY, AUTHOR, CHAIR, CHAIRMAN, *MEMBERS], demo_password(node.data_dir))
        yield fed
    finally:
        fed.stop()


@pytest.fixture
def cycle(federation: LocalFederation, browser: Browser) -> Cycle:
    assert federation.city is not None
    return Cycle(federation, browser, demo_password(federation.nodes[COMMUNE].config.data_dir),
                 demo_password(federation.city.config.data_dir))


def reload_until(page: Page, found: Callable[[], bool], tries: int = 120) -> None:
    """What another node decides reaches this one through the federation a moment later: reload until it shows."""
    for _ in range(tries):
        if found():
            return
        page.wait_for_timeout(500)
        page.reload()
    raise AssertionError(f"never shown on {page.url}")


def launch(secretary: Page) -> None:
    secretary.get_by_role("link", name="Quản lý đợt phát động").click()
    secretary.get_by_role("link", name="Phát động đợt mới").click()
    expect(secretary.get_by_role("heading", name="Phát động đợt sáng kiến mới", level=1)).to_be_visible()
    no_violations(secretary)
    secretary.get_by_label("Tên đợt phát động").fill(CAMPAIGN_TITLE)
    secretary.get_by_label(re.compile("^Năm")).fill(str(YEAR))
    secretary.get_by_label("Mã đợt (không bắt buộc)").fill(CAMPAIGN)
    secretary.get_by_label("Tên xã, phường").fill("xã Ninh Giang")
    secretary.get_by_label("Bắt đầu nhận hồ sơ").fill(TODAY)
    secretary.get_by_label("Hạn nộp hồ sơ").fill((dt.date.today() + dt.timedelta(days=20)).strftime("%d/%m/%Y"))
    secretary.get_by_label("Hạn công nhận").fill(f"31/12/{YEAR}")
    secretary.get_by_label("Hạn đề nghị lên thành phố").fill(f"31/12/{YEAR}")
    secretary.get_by_role("button", name="Phát động").click()
    expect(secretary.get_by_role("status")).to_have_text("Đã phát động đợt mới.")
    expect(secretary.get_by_role("row", name=re.compile(CAMPAIGN_TITLE))).to_contain_text("Đang nhận hồ sơ")
    no_violations(secretary)
    shot(secretary, "1-campaigns")


def submit(author: Page, tmp_path: Path) -> str:
    author.get_by_role("link", name="Đợt phát động").first.click()
    author.get_by_role("link", name=f"Nộp sáng kiến cho {CAMPAIGN_TITLE}").click()
    expect(author.get_by_role("heading", name="Nộp hồ sơ sáng kiến", exact=True, level=1)).to_be_visible()
    no_violations(author)
    author.get_by_label("Tên sáng kiến").fill(TITLE)
    author.get_by_label("Đơn vị (bắt buộc)").select_option("tt-phvhcc")
    author.get_by_label("Lĩnh vực").select_option("g")
    author.get_by_label("Tóm tắt sáng kiến").fill("Công chức một cửa mang kết quả đến nhà người cao tuổi, người "
                                                  "khuyết tật theo lịch hẹn; không phải đi lại.")
    author.get_by_label("Tên chỉ tiêu 1").fill("Số lượt đi lại của người dân")
    author.get_by_label("Trước khi áp dụng, chỉ tiêu 1").fill("2")
    author.get_by_label("Họ và tên đồng tác giả 1").fill("Nguyễn Văn Tâm")  # picked from the commune's directory
    shot(author, "2-initiative-form")
    scan = tmp_path / "thuyet-minh-sang-kien.pdf"
    scan.write_bytes(ONE_PAGE_PDF)
    author.get_by_label(re.compile("Thêm tệp")).set_input_files(scan)
    author.get_by_role("button", name="Nộp hồ sơ").click()
    expect(author.get_by_role("status")).to_have_text("Đã nộp hồ sơ sáng kiến.")
    expect(author.locator("#status")).to_have_text("Đã nộp")
    expect(author.locator("#attachments")).to_contain_text("thuyet-minh-sang-kien.pdf")
    no_violations(author)
    return author.url.split("?")[0].rsplit("/", 1)[1]


def return_and_resubmit(secretary: Page, author: Page) -> None:
    secretary.get_by_role("link", name="Sổ hồ sơ").click()
    reload_until(secretary, lambda: secretary.get_by_role("link", name=TITLE).count() > 0)
    secretary.get_by_role("link", name=TITLE).click()
    secretary.get_by_label("Lý do trả lại").fill("Bổ sung số liệu sau khi áp dụng ở chỉ tiêu 1")
    secretary.get_by_role("button", name="Trả lại hồ sơ").click()
    expect(secretary.get_by_role("status")).to_have_text("Đã trả lại hồ sơ cho tác giả kèm lý do.")
    no_violations(secretary)
    author.goto("/sang-kien-cua-toi")
    author.get_by_role("link", name=TITLE).click()
    expect(author.locator("#returned-reason")).to_have_text("Lý do: Bổ sung số liệu sau khi áp dụng ở chỉ tiêu 1")
    author.get_by_role("link", name="Bổ sung và nộp lại").click()
    author.get_by_label("Sau khi áp dụng, chỉ tiêu 1").fill("0")
    author.get_by_label("Những gì đã sửa, bổ sung").fill("Bổ sung số liệu sau áp dụng")
    author.get_by_role("button", name="Lưu và nộp lại").click()
    expect(author.get_by_role("status")).to_have_text("Đã lưu phiên bản mới của hồ sơ.")
    expect(author.locator("#status")).to_have_text("Đã nộp")
    expect(author.locator("#authors")).to_contain_text("Nguyễn Văn Tâm, Trưởng Thôn Đông")
    no_violations(author)
    shot(author, "3-dossier-with-history")


def council(secretary: Page) -> None:
    secretary.get_by_role("link", name="Quản lý đợt phát động").click()
    secretary.get_by_role("link", name=f"Khoá nhận hồ sơ của {CAMPAIGN_TITLE}").click()
    secretary.get_by_role("button", name="Khoá nhận hồ sơ").click()
    expect(secretary.get_by_role("status")).to_have_text("Đã khoá nhận hồ sơ của đợt.")
    secretary.get_by_role("link", name="Hội đồng đánh giá").click()
    secretary.get_by_role("link", name=CAMPAIGN_TITLE).click()
    secretary.get_by_label(re.compile("^Số quyết định")).fill("215/QĐ-UBND")
    secretary.get_by_label(re.compile("^Ngày quyết định")).fill(TODAY)
    for member, name in MEMBERS.items():
        box = secretary.locator(f"#m-{member}")
        expect(secretary.locator(f'label[for="m-{member}"]')).to_contain_text(name)  # from the directory
        box.check()
    secretary.get_by_label(re.compile("^Chủ tịch hội đồng")).select_option(CHAIR)
    secretary.get_by_role("button", name="Thành lập hội đồng").click()
    expect(secretary.get_by_role("status")).to_have_text("Đã thành lập hội đồng đánh giá.")
    no_violations(secretary)
    for _ in range(60):  # the evaluation service learns of the closing from the stream, a moment later
        with secretary.expect_navigation():
            secretary.get_by_role("button", name="Mở chấm điểm").click()
        if secretary.locator("#scoring-state").text_content() == "Đang mở":
            break
    expect(secretary.locator("#scoring-state")).to_have_text("Đang mở")


def score(cycle: Cycle, initiative: str) -> None:
    for member, sheet in SHEETS.items():
        page = cycle.commune(member)
        page.get_by_role("link", name="Chấm điểm", exact=True).click()
        reload_until(page, lambda p=page: p.get_by_role("link", name=TITLE).count() > 0)
        page.get_by_role("link", name=TITLE).click()
        expect(page.locator("#sheet-state")).to_have_text("Chưa chấm")  # blind: the other sheets are not shown
        for label, value in sheet.items():
            page.get_by_label(f"Điểm «{label}»").fill(value)
        page.get_by_role("button", name="Lưu phiếu chấm").click()
        expect(page.get_by_role("status")).to_have_text("Đã lưu phiếu chấm điểm.")
        no_violations(page)
        shot(page, "4-score-sheet")
        page.context.close()
    conflicted = cycle.commune("tran-van-hung")
    conflicted.goto(f"/cham-diem/{initiative}")
    conflicted.get_by_role("link", name="Báo xung đột lợi ích").click()
    conflicted.get_by_label("Lý do xung đột lợi ích").fill("Cùng tổ công tác với tác giả")
    conflicted.get_by_role("button", name="Xác nhận không chấm sáng kiến này").click()
    expect(conflicted.locator("#sheet-closed")).to_contain_text("Xung đột lợi ích: Cùng tổ công tác với tác giả")
    no_violations(conflicted)
    conflicted.context.close()


def conclude(cycle: Cycle, initiative: str) -> None:
    chair = cycle.commune(CHAIR)
    chair.get_by_role("link", name="Tiến độ chấm điểm").click()
    chair.get_by_role("link", name=CAMPAIGN_TITLE).click()
    row = chair.locator(f"#row-{initiative}")
    reload_until(chair, lambda: (row.locator(".sheets").text_content() or "") == "2/3")
    expect(row.locator(".conflicted")).to_have_text("1")
    no_violations(chair)
    shot(chair, "5-council-progress")
    row.get_by_role("link", name=f"Kết luận {TITLE}").click()
    chair.get_by_role("button", name="Xác nhận kết luận").click()
    expect(chair.get_by_role("status")).to_have_text("Đã kết luận sáng kiến.")
    expect(row.locator(".outcome")).to_have_text("Được công nhận")
    chair.context.close()


def sign_decision(cycle: Cycle) -> None:
    chairman = cycle.commune(CHAIRMAN)
    chairman.get_by_role("link", name="Quyết định công nhận", exact=True).click()
    chairman.get_by_role("link", name=CAMPAIGN_TITLE).click()
    reload_until(chairman, lambda: chairman.get_by_label(re.compile("^Số quyết định")).count() > 0)
    chairman.get_by_label(re.compile("^Số quyết định")).fill("298/QĐ-UBND")
    chairman.get_by_label(re.compile("^Ngày ký")).fill(TODAY)
    chairman.get_by_role("button", name="Ký quyết định công nhận").click()
    expect(chairman.get_by_role("status")).to_have_text("Đã ký quyết định công nhận sáng kiến.")
    expect(chairman.locator("#decision-state")).to_contain_text(f"Đã ký: số 298/QĐ-UBND ngày {TODAY}")
    no_violations(chairman)
    shot(chairman, "6-recognition-decision")
    with chairman.expect_download() as download:
        chairman.get_by_role("link", name="Quyết định công nhận đã ký (.docx)").click()
    assert download.value.suggested_filename == f"quyet-dinh-cong-nhan-{CAMPAIGN}.docx"
    chairman.context.close()


def nominate(secretary: Page) -> None:
    secretary.get_by_role("link", name="Đề nghị lên thành phố").first.click()
    secretary.get_by_role("link", name=CAMPAIGN_TITLE).click()
    secretary.get_by_label(re.compile(TITLE)).check()
    secretary.get_by_label("Lý do đề nghị").fill("Nhân rộng được ở mọi xã, phường của thành phố")
    secretary.get_by_role("button", name="Đề nghị lên thành phố").click()
    expect(secretary.get_by_role("status")).to_have_text("Đã đề nghị sáng kiến lên thành phố.")
    expect(secretary.locator("#quota")).to_contain_text("1/2")
    no_violations(secretary)
    shot(secretary, "7-nominations")


def city_appraises_and_decides(cycle: Cycle) -> None:
    for member in CITY_COUNCIL:
        page = cycle.city(member)
        page.get_by_role("link", name="Đề nghị của các xã").click()
        reload_until(page, lambda p=page: p.get_by_role("link", name=TITLE).count() > 0)
        page.get_by_role("link", name=TITLE).click()
        page.get_by_label("Hiệu quả áp dụng").fill("8,5")
        page.get_by_label("Khả năng nhân rộng").fill("9")
        page.get_by_role("button", name="Lưu phiếu thẩm định").click()
        expect(page.get_by_role("status")).to_have_text("Đã lưu phiếu thẩm định.")
        no_violations(page)
        shot(page, "8-city-appraisal")
        page.context.close()
    officer = cycle.city(CITY_OFFICER)
    officer.get_by_role("link", name="Đề nghị của các xã").click()
    officer.get_by_role("link", name=TITLE).click()
    reload_until(officer, lambda: officer.locator("#appraisal-status").text_content() == "Đủ túc số, chờ quyết định")
    officer.get_by_role("link", name="Ghi quyết định của thành phố").click()
    officer.get_by_label("Công nhận sáng kiến cấp thành phố").check()
    officer.get_by_label("Số quyết định").fill("1234/QĐ-UBND")
    officer.get_by_label("Ngày quyết định").fill(TODAY)
    officer.get_by_role("button", name="Ghi quyết định").click()
    expect(officer.get_by_role("status")).to_have_text("Đã ghi quyết định của thành phố.")
    expect(officer.locator("#appraisal-status")).to_have_text("Được công nhận cấp thành phố")
    no_violations(officer)
    shot(officer, "9-city-decision")
    officer.context.close()


def award(cycle: Cycle, secretary: Page) -> str:
    secretary.get_by_role("link", name="Khen thưởng", exact=True).click()
    secretary.get_by_role("link", name="Đề nghị khen thưởng mới").click()
    secretary.get_by_label(re.compile("Hình thức khen thưởng")).select_option("giay-khen-xa")
    secretary.get_by_label("Cá nhân", exact=True).check()
    secretary.get_by_label("Cá nhân (khi đề nghị cho cá nhân)").select_option(AUTHOR)
    secretary.get_by_label(re.compile(TITLE)).check()
    secretary.get_by_label(re.compile("Năm khen thưởng")).fill(str(YEAR + 1))  # this year's 20/11 has passed
    secretary.get_by_role("button", name="Kiểm tra điều kiện").click()
    expect(secretary.locator("#eligible-verdict")).to_have_text("Đủ điều kiện đề nghị khen thưởng")
    expect(secretary.locator("#conditions-table")).to_contain_text(f"Đạt nhờ sáng kiến «{TITLE}»")
    no_violations(secretary)
    shot(secretary, "10-award-eligibility")
    secretary.get_by_role("button", name="Gửi đề nghị khen thưởng").click()
    expect(secretary.get_by_role("status")).to_have_text("Đã gửi đề nghị khen thưởng.")
    award_id = secretary.url.split("?")[0].rsplit("/", 1)[1]

    chairman = cycle.commune(CHAIRMAN)
    chairman.goto(f"/khen-thuong/{award_id}")
    chairman.get_by_label(re.compile("Số quyết định")).fill("305/QĐ-UBND")
    chairman.get_by_label(re.compile("Ngày quyết định")).fill(TODAY)
    chairman.get_by_role("button", name="Quyết định khen thưởng").click()
    expect(chairman.get_by_role("status")).to_have_text("Đã quyết định khen thưởng.")
    expect(chairman.locator("#award-status")).to_have_text("Đã khen thưởng")
    no_violations(chairman)
    shot(chairman, "11-award-granted")
    chairman.context.close()
    return award_id


def certificate(author: Page, award_id: str) -> None:
    author.get_by_role("link", name="Khen thưởng của tôi").click()
    reload_until(author, lambda: author.locator(f"#award-{award_id}").count() > 0)
    expect(author.locator(f"#award-{award_id}")).to_contain_text("Đã khen thưởng")
    author.locator(f"#award-{award_id}").get_by_role("link").first.click()
    with author.expect_download() as download:
        author.get_by_role("link", name="Tải giấy khen (DOCX)").click()
    assert download.value.suggested_filename == f"giay-khen-{award_id}.docx"
    text = "\n".join(p.text for p in docx.Document(download.value.path()).paragraphs)
    assert "Nguyễn Thị Lan" in text and "NINH GIANG" in text.upper()  # names as a person reads them, never ids
    assert "Trung tâm Phục vụ hành chính công xã" in text
    assert "tt-phvhcc" not in text and COMMUNE not in text
    no_violations(author)


def annual_report(secretary: Page) -> None:
    secretary.get_by_role("link", name="Báo cáo, thống kê").click()
    secretary.get_by_role("textbox", name=re.compile("^Năm")).fill(str(YEAR))
    secretary.get_by_role("button", name="Xem báo cáo").click()
    funnel = secretary.locator("#funnel tbody")
    reload_until(secretary, lambda: "Được khen thưởng" in (funnel.text_content() or "")
                 and funnel.get_by_role("row").last.get_by_role("cell").last.text_content() == "1")
    expect(funnel.get_by_role("row").first).to_contain_text("Đã nộp")
    no_violations(secretary)
    shot(secretary, "12-annual-report")
    with secretary.expect_download() as download:
        secretary.get_by_role("link", name="Báo cáo (Word, DOCX)").click()
    assert download.value.suggested_filename == f"bao-cao-{COMMUNE}-{YEAR}.docx"


def test_the_whole_cycle_of_a_year_in_the_browser(cycle: Cycle, tmp_path: Path) -> None:
    secretary = cycle.commune(SECRETARY)
    launch(secretary)
    author = cycle.commune(AUTHOR)
    initiative = submit(author, tmp_path)
    return_and_resubmit(secretary, author)
    council(secretary)
    score(cycle, initiative)
    conclude(cycle, initiative)
    sign_decision(cycle)
    nominate(secretary)
    city_appraises_and_decides(cycle)
    secretary.goto(f"/ho-so/{initiative}")  # the city's decision came back to the commune
    award_id = award(cycle, secretary)
    certificate(author, award_id)
    annual_report(secretary)
    secretary.goto("/")
    expect(secretary.get_by_role("heading", name="Việc cần làm")).to_be_visible()
    expect(secretary.get_by_role("heading", name=re.compile("Hồ sơ cần kiểm tra"))).to_have_count(0)  # closed
    no_violations(secretary)
    shot(secretary, "0-home-secretary")
