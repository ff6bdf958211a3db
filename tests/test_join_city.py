"""A commune node joins the city with a join package (issue 22), against real processes: the city alone
(`LocalFederation(city_only=True)`, as `reform-node city` runs it) and a commune node started without demo data
and without federation (`reform-node run --no-demo`). The city's officer issues the package (`reform-node
join-package`); the commune's administrator applies it through the portal's form over real HTTP (a package for
another node refused first), then by the command (harmless twice; another CA refused). Both portals show the
link connected; the commune's events reach the city; the hub stopped: the commune sees the link down and its
backlog growing, the city's page answers 503; the hub back: connected, the backlog drains."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats
import pytest
from first_start_kit import NEW_PASSWORD, Node, node_config, one_time_password
from join_kit import element, portal_session, reform_node, upload
from support import eventually

from reform_node.demo import token
from reform_node.demo_accounts import demo_city_accounts, demo_password
from reform_node.demo_city_directory import load_city_directory
from reform_node.federation import LocalFederation, Ports
from reform_node.joining import issue_package
from reform_node.servers import free_port
from reform_shared.federation import FederatedNode

pytestmark = pytest.mark.system

COMMUNE = {"commune_id": "tan-lap", "name": "Tân Lập", "level": "xa",
           "administrator": {"official_id": "quan-tri-tl", "full_name": "Lê Thị Quỳnh"}}


@dataclass
class World:
    city: LocalFederation
    node: Node
    tmp: Path

    @property
    def city_portal(self) -> str:
        assert self.city.city is not None
        return self.city.city.config.url("portal")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("join")
    city = LocalFederation(tmp / "city-root", free_port(), free_port(), Ports.free(), city_only=True,
                           services=["directory", "identity", "portal"], keep_interval=1.0)
    node: Node | None = None
    try:
        city.start([])
        assert city.city is not None
        load_city_directory(city.city.config.settings(), city.city.config.url("directory"), dt.datetime.now(dt.UTC))
        demo_city_accounts(city.city.config)
        commune_file = tmp / "tan-lap.json"
        commune_file.write_text(json.dumps(COMMUNE, ensure_ascii=False), encoding="utf-8")
        node = Node(node_config(tmp / "node"), commune_file)
        node.output_until("Ctrl-C to stop")
        yield World(city, node, tmp)
    finally:
        if node is not None:
            node.stop()
        city.stop()


def commune_events(url: str, stream: str) -> int:
    """The commune's events in a stream (as that node's operator, through NATS)."""
    async def count() -> int:
        nc = await nats.connect(url.split(",")[0])
        try:
            info = await nc.jetstream().stream_info(stream, subjects_filter="reform.tan-lap.>")
            return sum((info.state.subjects or {}).values())
        finally:
            await nc.close()
    return asyncio.run(count())


def commune_events_at_city(world: World) -> int:
    assert world.city.city is not None
    return commune_events(world.city.city.config.nats_url, "CITY_EVENTS")


def unsent(state: dict[str, str]) -> int:
    found = re.match(r"Còn (\d+) sự kiện chưa gửi", state["unsent"])
    return int(found.group(1)) if found else -1


def append_profile_change(world: World, n: int) -> None:
    """An event at the commune: the administrator changes the People's Committee's address."""
    cfg = world.node.config
    admin = token(cfg.settings(), "quan-tri-tl", "Lê Thị Quỳnh", ["administrator"], commune="tan-lap")
    answer = httpx.put(f"{cfg.url('directory')}/api/v1/communes/tan-lap/profile",
                       json={"name": "Tân Lập", "level": "xa", "address": f"Số {n}, đường Trần Phú"},
                       headers={"Authorization": f"Bearer {admin}", "Idempotency-Key": f"address-{n}"}, timeout=20)
    assert answer.status_code == 200, answer.text


def commune_link(session: httpx.Client) -> dict[str, str]:
    page = session.get("/lien-thong")
    assert page.status_code == 200, page.text[:2000]
    return {"connected": element(page.text, "link-connected"), "unsent": element(page.text, "link-unsent")}


def test_a_commune_node_joins_the_city_and_both_sides_see_the_link(world: World) -> None:
    admin = portal_session(world.node.config.url("portal"), "quan-tri-tl",
                           one_time_password("".join(world.node.lines)), NEW_PASSWORD)
    officer = portal_session(world.city_portal, "le-minh-tuan", demo_password(world.city.city.config.data_dir))
    assert 'id="links-none"' in officer.get("/lien-thong").text
    assert 'id="link-none"' in admin.get("/lien-thong").text  # not joined yet: the form

    # The city's officer issues the package: one private file, nothing secret printed.
    package = world.tmp / "tan-lap.join.json"
    issued = reform_node("--data-dir", str(world.city.data_dir), "join-package", "--commune", "tan-lap",
                         "--output", str(package))
    assert issued.returncode == 0, issued.stdout + issued.stderr
    assert stat.S_IMODE(package.stat().st_mode) == 0o600 and "PRIVATE KEY" not in issued.stdout
    assert json.loads(package.read_text())["fingerprint"] in issued.stdout

    # A package for another node is refused at the form, and nothing changes.
    other = issue_package(world.tmp / "elsewhere", FederatedNode(node_id="an-lao", communes=["an-lao"]),
                          ["127.0.0.1:1"], world.tmp / "an-lao.join.json")
    refused = upload(admin, world.tmp / "an-lao.join.json")
    assert refused.status_code == 403 and "Gói không dành cho xã của bạn" in refused.text, refused.text[:2000]
    assert other.node.node_id == "an-lao" and not (world.node.config.data_dir / "federation" / "package.json").exists()

    applied = upload(admin, package)
    assert applied.status_code == 303 and "da-ap-dung" in applied.headers["location"], applied.text[:2000]
    again = reform_node("--data-dir", str(world.node.config.data_dir), "join", "--package", str(package))
    assert again.returncode == 0 and "already applied" in again.stdout, again.stdout + again.stderr
    foreign = reform_node("--data-dir", str(world.node.config.data_dir), "join", "--package",
                          str(world.tmp / "an-lao.join.json"))
    assert foreign.returncode == 2 and "same_city_ca" in foreign.stderr, foreign.stderr  # another city's CA

    # The node restarts federated; both portals show the link; the commune's events reach the city.
    world.node.output_until("the node runs federated", timeout=240)
    eventually(lambda: commune_link(admin), lambda s: s["connected"].startswith("Đã kết nối"), timeout=60)
    append_profile_change(world, 1)
    eventually(lambda: commune_events_at_city(world), lambda n: n >= 2, timeout=60)  # the profile, then its change
    eventually(lambda: commune_link(admin), lambda s: s["unsent"] == "Còn 0 sự kiện chưa gửi", timeout=60)
    row = eventually(lambda: element(officer.get("/lien-thong").text, "link-tan-lap"),
                     lambda text: "Đã kết nối" in text, timeout=60)
    assert "tan-lap" in row and "Chưa có" not in row

    # The hub stops: the commune sees the link down and its backlog grow; the city's page answers 503.
    at_city = commune_events_at_city(world)
    world.city.stop_hub()
    eventually(lambda: commune_link(admin), lambda s: s["connected"].startswith("Mất kết nối từ"), timeout=60)
    for n in (2, 3, 4):
        append_profile_change(world, n)
    eventually(lambda: commune_link(admin), lambda s: unsent(s) >= 3, timeout=60)  # and whatever else it wrote
    down = officer.get("/lien-thong")
    assert down.status_code == 503 and down.headers["retry-after"], down.text[:1000]

    # The hub is back: connected again, the backlog drains, the city has every event.
    world.city.start_hub()
    eventually(lambda: commune_link(admin), lambda s: s["connected"].startswith("Đã kết nối")
               and s["unsent"] == "Còn 0 sự kiện chưa gửi", timeout=120)
    at_commune = commune_events(world.node.config.nats_url, "REFORM_EVENTS")
    assert at_commune >= at_city + 3
    eventually(lambda: commune_events_at_city(world), lambda n: n == at_commune, timeout=60)  # every one, once
    eventually(lambda: element(officer.get("/lien-thong").text, "link-tan-lap"),
               lambda text: "Đã kết nối" in text, timeout=60)
