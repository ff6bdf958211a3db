"""A local federation for the portal's browser tier: the city node and one commune node as processes (each with
its NATS, its services, its identity provider and its portal), the city's demo directory with its demo accounts'
passwords, and the commune's demo cycle taken to its nomination to the city. The `city_federation` fixture (module
scope); a whole-cycle test can take it as it is, or start from `start_federation` with more nodes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from support import eventually  # noqa: F401 - the suite's one eventually(), used here and by importers

from reform_node.demo import load_demo, token
from reform_node.demo_accounts import demo_city_accounts, demo_password
from reform_node.demo_city_directory import load_city_directory
from reform_node.demo_flow import advance_to_nominations
from reform_node.federation import LocalFederation, Ports
from reform_node.node import CommuneNode
from reform_node.servers import free_port
from reform_shared.federation import FederatedNode

COMMUNE = "ninh-giang"


@dataclass
class CityFederation:
    """The running federation, and what its demo did: the commune's cycle (`advance_to_nominations`) and the
    city's demo accounts ((role, user id, name)) with their password."""

    fed: LocalFederation
    cycles: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    password: str = ""

    @property
    def city(self) -> CommuneNode:
        assert self.fed.city is not None
        return self.fed.city

    def city_portal(self) -> str:
        return self.city.config.url("portal")

    def city_user(self, role: str) -> str:
        return next(user_id for held, user_id, _ in self.accounts if held == role)

    def city_call(self, method: str, service: str, path: str, sub: str, roles: tuple[str, ...],
                  json: Any = None, params: dict[str, Any] | None = None) -> httpx.Response:
        """A direct call to a city service with a development token of the city (to set a scene)."""
        auth = token(self.city.config.settings(), sub, sub, list(roles), commune="city")
        return httpx.request(method, f"{self.city.config.url(service)}{path}", json=json, params=params, timeout=20,
                             headers={"Authorization": f"Bearer {auth}"})

    def commune_get(self, commune: str, service: str, path: str) -> Any:
        node = self.fed.nodes[commune].config
        auth = token(node.settings(), "thu-ky", "Thư ký", ["secretary"], commune=commune)
        return httpx.get(f"{node.url(service)}{path}", headers={"Authorization": f"Bearer {auth}"}, timeout=20)


def start_federation(data_dir: Path, communes: list[str]) -> CityFederation:
    """The city node and one node per commune, the demo loaded on each and taken to the nominations."""
    fed = LocalFederation(data_dir, free_port(), free_port(), Ports.free())
    running = CityFederation(fed)
    try:
        fed.start([FederatedNode(node_id=commune, communes=[commune]) for commune in communes])
        city = running.city.config
        load_city_directory(city.settings(), city.url("directory"), dt.datetime.now(dt.UTC))
        running.accounts, running.password = demo_city_accounts(city), demo_password(city.data_dir)
        for commune in communes:
            node = fed.nodes[commune].config
            urls = {"submission_url": node.url("submission"), "evaluation_url": node.url("evaluation")}
            load_demo(node.settings(), commune=commune, directory_url=node.url("directory"), **urls)
            running.cycles[commune] = advance_to_nominations(node.settings(), commune=commune, **urls)
    except BaseException:
        fed.stop()
        raise
    return running


@pytest.fixture(scope="module", name="city_federation")
def city_federation_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CityFederation]:
    running = start_federation(tmp_path_factory.mktemp("federation"), [COMMUNE])
    try:
        yield running
    finally:
        running.fed.stop()


def sign_in_at(browser: Browser, portal_url: str, user_id: str, password: str) -> Page:
    """A page of `portal_url` signed in through the node's own identity provider, as a person does."""
    context = browser.new_context(base_url=portal_url, locale="vi-VN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("button", name="Đăng nhập bằng tài khoản cán bộ").click()
    expect(page.get_by_role("heading", name=re.compile("Đăng nhập"))).to_be_visible()  # the provider's own page
    page.get_by_label(re.compile("Tên đăng nhập")).fill(user_id)
    page.get_by_label(re.compile("^Mật khẩu")).fill(password)
    page.get_by_role("button", name=re.compile("Đăng nhập")).click()
    expect(page.get_by_role("heading", name="Việc cần làm")).to_be_visible()
    return page
