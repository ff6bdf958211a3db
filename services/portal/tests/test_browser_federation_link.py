"""Liên thông xã – thành phố in Debian's Chromium (issue 22): a commune's administrator finds the page, is told the
node has not joined, uploads a package for another commune (refused beside the field, nothing kept), then the
city's package (kept: the link shown, down while no hub is there); a city officer's page on a hub with no commune
yet. A real nats-server's monitoring behind each portal; axe-core on every page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_kit import no_violations, shot
from dev_sign_in import Person
from playwright.sync_api import Browser, Page, expect
from portal_live import LiveServer
from portal_stack import CITY_OFFICER, HOME_ADMINISTRATOR, Stack, portal_settings

from reform_node.joining import issue_package
from reform_node.servers import ChildProcess, free_port, start_nats
from reform_portal.bootstrap import build_app as build_portal
from reform_shared.federation import FederatedNode

pytestmark = pytest.mark.browser
COMMUNE = HOME_ADMINISTRATOR.commune_id


@dataclass
class Portals:
    commune: LiveServer
    city: LiveServer
    node_folder: Path
    good: Path
    wrong: Path


@pytest.fixture(scope="module")
def portals(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portals]:
    tmp = tmp_path_factory.mktemp("link-pages")
    http_port = free_port()
    nats: ChildProcess = start_nats(tmp / "nats", free_port(), http_port, "link-pages")
    monitor = [f"http://127.0.0.1:{http_port}"]
    node = tmp / "node"
    node.mkdir()
    (node / "communes.json").write_text(json.dumps([{"commune_id": COMMUNE}]), encoding="utf-8")
    good, wrong = tmp / "good.join.json", tmp / "an-lao.join.json"
    issue_package(tmp / "city", FederatedNode(node_id=COMMUNE, communes=[COMMUNE]), ["127.0.0.1:1"], good)
    issue_package(tmp / "city", FederatedNode(node_id="an-lao", communes=["an-lao"]), ["127.0.0.1:1"], wrong)
    commune_settings = portal_settings(stack.services, stack.settings, nats_monitor_urls=monitor,
                                       federation_folder=node / "federation", communes_file=node / "communes.json")
    city_settings = portal_settings(stack.services, stack.settings, nats_monitor_urls=monitor,
                                    federation_role="city")
    commune = LiveServer("link-commune", lambda: build_portal(commune_settings, sign_in=stack.sign_in)).start()
    city = LiveServer("link-city", lambda: build_portal(city_settings, sign_in=stack.sign_in)).start()
    try:
        yield Portals(commune, city, node, good, wrong)
    finally:
        city.stop()
        commune.stop()
        nats.stop()


def open_link_page(browser: Browser, url: str, person: Person) -> Page:
    context = browser.new_context(base_url=url, locale="vi-VN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/lien-thong")
    expect(page).to_have_url(re.compile(r"/dang-nhap"))
    page.get_by_role("button", name="Đăng nhập bằng tài khoản cán bộ").click()
    page.get_by_role("button", name=person.name).click()  # the test provider's page
    expect(page).to_have_url(re.compile(r"/lien-thong$"))
    return page


def test_an_administrator_applies_the_city_s_package(browser: Browser, portals: Portals) -> None:
    page = open_link_page(browser, portals.commune.url, HOME_ADMINISTRATOR)
    expect(page.get_by_role("heading", name="Liên thông với thành phố", exact=True)).to_be_visible()
    expect(page.locator("#link-none")).to_contain_text("Nút chưa tham gia liên thông")
    expect(page.get_by_role("link", name="Liên thông xã – thành phố")).to_be_visible()
    no_violations(page)

    page.get_by_label("Tệp gói tham gia do thành phố cấp").set_input_files(str(portals.wrong))
    page.get_by_role("button", name="Áp dụng gói").click()
    expect(page.locator("#f-package-error")).to_contain_text("Gói không dành cho xã của bạn")
    expect(page.get_by_label("Tệp gói tham gia do thành phố cấp")).to_have_attribute("aria-invalid", "true")
    assert not (portals.node_folder / "federation" / "package.json").exists()
    no_violations(page)

    page.get_by_label("Tệp gói tham gia do thành phố cấp").set_input_files(str(portals.good))
    page.get_by_role("button", name="Áp dụng gói").click()
    expect(page.get_by_role("status")).to_contain_text("Đã nhận gói tham gia")
    expect(page.locator("#link-connected")).to_contain_text("Mất kết nối")  # no hub behind this test's server
    expect(page.locator("#link-unsent")).to_contain_text("Chưa rõ")  # no keeper has counted yet
    assert (portals.node_folder / "federation" / "package.json").exists()
    no_violations(page)
    shot(page, "link-commune")
    page.context.close()


def test_a_city_officer_sees_the_communes_links(browser: Browser, portals: Portals) -> None:
    page = open_link_page(browser, portals.city.url, CITY_OFFICER)
    expect(page.get_by_role("heading", name="Liên thông với các xã")).to_be_visible()
    expect(page.locator("#links-none")).to_contain_text("Chưa có xã nào tham gia liên thông")
    no_violations(page)
    page.context.close()
