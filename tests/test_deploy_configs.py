"""The production configs of deploy/ on paper and against real servers.

- deploy/nats/accounts.conf is what `provision_cli hub-accounts` makes of deploy/federation.example.json;
- city.conf and commune.conf pass `nats-server -t` with the variables they name, and not without;
- a hub of three servers started from city.conf and two nodes started from commune.conf (ports, routes and
  data folders changed, nothing else), provisioned and kept by the CLI's keeper, carry a node's events to
  CITY_EVENTS (three replicas) and the city's decisions back to the node hosting the commune, and to no other;
- the compose files (docker-compose.yml, deploy/docker-compose.federation.yml) parse once interpolated,
  give every nats container the variables its config reads, and the services the federation settings
  (needs PyYAML, skipped without it).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import nats.errors
import pytest
from nats.js.errors import NotFoundError

from reform_node.servers import ChildProcess, free_port, wait_for_port
from reform_node.tls import ROUTE_NAME, ROUTE_USER, CertFiles, CertificateAuthority
from reform_shared import provision_cli
from reform_shared.federation import FederationConfig
from reform_shared.nats_auth import SERVICES, new_user_seed, nkey_variable, public_key
from reform_shared.provision_cli import (
    ENV_REFERENCE,
    Keeper,
    accounts_file,
    commune_accounts_file,
    ensure_city,
    hub_env_vars,
)
from reform_shared.replicas import servers_of
from reform_shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NATS = DEPLOY / "nats"
EXAMPLE = DEPLOY / "federation.example.json"
NATS_SERVER = str(Path(sys.executable).parent / "nats-server")


HUB = ["city-nats-1", "city-nats-2", "city-nats-3"]
HUB_URLS = ["CITY_HUB_URL", "CITY_HUB_URL_2", "CITY_HUB_URL_3"]
"""The hub's three servers (city.conf's routes) and the variables a node's leafnode remote lists them by."""


def example() -> FederationConfig:
    return FederationConfig.load(EXAMPLE)


def conf_env_vars(path: Path) -> list[str]:
    """The $NAME values of a nats-server config and the files it includes."""
    names: list[str] = []
    text = path.read_text(encoding="utf-8")
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    for include in re.findall(r'^\s*include\s+"?([^"\s]+)"?', code, re.M):
        names += conf_env_vars(path.parent / include)
    names += ENV_REFERENCE.findall(code)
    return list(dict.fromkeys(names))


SEEDS = {service: new_user_seed() for service in SERVICES}
"""The services' NKEY seeds of the deployed nodes of these tests (one set: the city's services and the nodes')."""


def nkey_env(scope_name: str = "") -> dict[str, str]:
    return {nkey_variable(service, scope_name): public_key(seed) for service, seed in SEEDS.items()}


@dataclasses.dataclass(frozen=True)
class Pki:
    """The city's CA, the hub's certificate, each hub server's route certificate and the nodes' leaf certificates,
    as deploy/README.md says (the routes' also valid for 127.0.0.1, where these tests' routes dial)."""

    ca: CertificateAuthority
    hub: CertFiles
    leaves: dict[str, CertFiles]
    routes: dict[str, CertFiles]

    @classmethod
    def make(cls, folder: Path) -> Pki:
        ca = CertificateAuthority(folder / "ca")
        return cls(ca, ca.issue(folder / "hub", "city-hub", server=True),
                   {n: ca.issue(folder / n, f"leaf-{n}", server=False) for n in ("ninh-giang", "tien-lang")},
                   {n: ca.issue(folder / "routes", ROUTE_NAME, server=True, client=True, hosts=(*HUB, "127.0.0.1"),
                                stem=n) for n in HUB})

    def hub_env(self) -> dict[str, str]:
        return {"HUB_TLS_CERT": str(self.hub.cert), "HUB_TLS_KEY": str(self.hub.key),
                "CITY_CA_FILE": str(self.ca.cert_path)}

    def route_env(self, server: str) -> dict[str, str]:
        route = self.routes[server]
        return {"HUB_ROUTE_CERT": str(route.cert), "HUB_ROUTE_KEY": str(route.key)}

    def leaf_env(self, node_id: str) -> dict[str, str]:
        leaf = self.leaves[node_id]
        return {"LEAF_TLS_CERT": str(leaf.cert), "LEAF_TLS_KEY": str(leaf.key), "CITY_CA_FILE": str(self.ca.cert_path)}


def nats_test(conf: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not re.fullmatch(r"(CITY|LEAF|NODE|REFORM|NKEY|HUB)_\w*|NODE_ID", k)}
    return subprocess.run([NATS_SERVER, "-c", str(conf), "-t"], env={**clean, **env}, capture_output=True,
                          text=True, timeout=30, check=False)


# -- on paper -------------------------------------------------------------------------------------------
def test_accounts_conf_is_generated_from_the_example() -> None:
    assert (NATS / "accounts.conf").read_text(encoding="utf-8") == accounts_file(example(), EXAMPLE.name), (
        "regenerate: python -m reform_shared.provision_cli hub-accounts "
        "--federation deploy/federation.example.json --output deploy/nats/accounts.conf")


def test_the_cli_makes_a_service_identity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = tmp_path / "awards.nk"
    provision_cli.main(["nkey", "--seed-file", str(seed)])
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("U") and printed == public_key(seed.read_text())
    assert oct(seed.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(SystemExit, match="never overwritten"):
        provision_cli.main(["nkey", "--seed-file", str(seed)])


def test_commune_accounts_conf_is_generated() -> None:
    assert (NATS / "commune-accounts.conf").read_text(encoding="utf-8") == commune_accounts_file(), (
        "regenerate: python -m reform_shared.provision_cli commune-accounts --output deploy/nats/commune-accounts.conf")


def test_the_hub_needs_the_city_password_its_services_keys_and_its_certificate(
        capsys: pytest.CaptureFixture[str]) -> None:
    # No leaf passwords: a node's leaf certificate is its identity (verify_and_map).
    assert hub_env_vars(example()) == ["CITY_NATS_PASSWORD", *nkey_env("CITY_")]
    assert sorted(conf_env_vars(NATS / "city.conf")) == sorted([
        "HUB_SERVER_NAME", *hub_env_vars(example()), "HUB_TLS_CERT", "HUB_TLS_KEY", "CITY_CA_FILE",
        "HUB_ROUTE_CERT", "HUB_ROUTE_KEY"])
    provision_cli.main(["hub-accounts", "--federation", str(EXAMPLE), "--env-vars"])
    assert capsys.readouterr().out.split() == hub_env_vars(example())
    provision_cli.main(["hub-accounts", "--federation", str(EXAMPLE)])
    assert capsys.readouterr().out == (NATS / "accounts.conf").read_text(encoding="utf-8")


def test_the_cli_writes_the_accounts_file(tmp_path: Path) -> None:
    out = tmp_path / "hub" / "accounts.conf"
    provision_cli.main(["hub-accounts", "--federation", str(EXAMPLE), "--output", str(out)])
    assert out.read_text(encoding="utf-8") == (NATS / "accounts.conf").read_text(encoding="utf-8")
    assert [p.name for p in out.parent.iterdir()] == ["accounts.conf"]


def test_city_conf_validates_with_its_variables_and_not_without(tmp_path: Path) -> None:
    pki = Pki.make(tmp_path)  # one file for the three servers: each's name and route certificate are its variables
    env = {"HUB_SERVER_NAME": "city-nats-1", "CITY_NATS_PASSWORD": "secret", **nkey_env("CITY_"), **pki.hub_env(),
           **pki.route_env("city-nats-1")}
    assert sorted(conf_env_vars(NATS / "city.conf")) == sorted(env)
    ok = nats_test(NATS / "city.conf", env)
    assert ok.returncode == 0, ok.stderr + ok.stdout
    for missing in env:
        refused = nats_test(NATS / "city.conf", {k: v for k, v in env.items() if k != missing})
        assert refused.returncode != 0 and missing in refused.stderr + refused.stdout
    wrong_key = nats_test(NATS / "city.conf", {**env, "CITY_NKEY_AWARDS": "not-a-key"})
    assert wrong_key.returncode != 0


def cluster_block(conf: Path) -> str:
    code = "\n".join(line.split("#", 1)[0] for line in conf.read_text(encoding="utf-8").splitlines())
    match = re.search(r"^cluster \{\n(.*?)^\}", code, re.M | re.S)
    assert match, f"{conf.name}: no cluster block"
    return match.group(1)


def test_the_hub_routes_are_mutual_tls_with_the_city_ca_and_the_route_user() -> None:
    """city.conf's routes: the city's CA, the peer's certificate required and mapped to the one route user (the
    same CA signs the nodes' leaf certificates, which `verify` alone would take as routes), a 5 s handshake."""
    block = cluster_block(NATS / "city.conf")
    tls = re.search(r"tls \{(.*?)\}", block, re.S)
    assert tls, "the hub's routes without TLS"
    settings = dict(re.findall(r"^\s*(\w+):\s*(\S+)\s*$", tls.group(1), re.M))
    assert settings == {"cert_file": "$HUB_ROUTE_CERT", "key_file": "$HUB_ROUTE_KEY", "ca_file": "$CITY_CA_FILE",
                        "verify_and_map": "true", "timeout": "5"}
    authorization = re.search(r"authorization \{(.*?)\}", block, re.S)
    assert authorization and authorization.group(1).split() == ["user:", f'"{ROUTE_USER}"']  # no password


def test_commune_conf_validates_with_its_variables_and_not_without(tmp_path: Path) -> None:
    env = {"NODE_ID": "tien-lang", "REFORM_NATS_PASSWORD": "secret", **nkey_env(),
           **{name: f"tls://city-hub-{i}.example.vn:7422" for i, name in enumerate(HUB_URLS, 1)},
           **Pki.make(tmp_path).leaf_env("tien-lang")}
    assert sorted(conf_env_vars(NATS / "commune.conf")) == sorted(env)
    ok = nats_test(NATS / "commune.conf", env)
    assert ok.returncode == 0, ok.stderr + ok.stdout
    for missing in env:
        refused = nats_test(NATS / "commune.conf", {k: v for k, v in env.items() if k != missing})
        assert refused.returncode != 0 and missing in refused.stderr + refused.stdout


# -- against real servers: the deploy configs, only ports and data folders changed -----------------------
def local_copy(conf: Path, dest: Path, replacements: dict[str, str]) -> Path:
    text = conf.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{conf.name}: expected one {old!r}"
        text = text.replace(old, new)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / conf.name).write_text(text, encoding="utf-8")
    return dest / conf.name


class Server:
    def __init__(self, name: str, conf: Path, env: dict[str, str], port: int) -> None:
        self.port = port
        self.child = ChildProcess(name, [NATS_SERVER, "-c", str(conf)], conf.parent / "nats-server.log", env=env)

    def start(self) -> None:
        self.child.start()
        assert self.child.proc is not None
        wait_for_port("127.0.0.1", self.port, 20, self.child.proc)


def ports(dest: Path, port: int, http: int) -> dict[str, str]:
    return {"listen: 0.0.0.0:4222": f"listen: 127.0.0.1:{port}", "http: 0.0.0.0:8222": f"http: 127.0.0.1:{http}",
            'store_dir: "/data"': f'store_dir: "{dest / "data"}"'}


class Hub:
    """The three servers of city.conf, each in a folder of its own (its accounts.conf beside its city.conf)."""

    def __init__(self, tmp: Path, env: dict[str, str], pki: Pki) -> None:
        self.ports = [(free_port(), free_port(), free_port(), free_port()) for _ in HUB]  # client, http, route, leaf
        self.dirs = [tmp / name for name in HUB]
        self.servers: list[Server] = []
        for name, folder, (port, http, route, leaf) in zip(HUB, self.dirs, self.ports, strict=True):
            routes = {f"nats-route://{other}:6222": f"nats-route://127.0.0.1:{p[2]}"
                      for other, p in zip(HUB, self.ports, strict=True)}
            conf = local_copy(NATS / "city.conf", folder, {
                **ports(folder, port, http), "port: 7422": f'listen: "127.0.0.1:{leaf}"',
                "listen: 0.0.0.0:6222": f"listen: 127.0.0.1:{route}", **routes})
            self.servers.append(Server(name, conf, {**env, **pki.route_env(name), "HUB_SERVER_NAME": name}, port))

    def start(self) -> None:
        for server in self.servers:
            server.start()
        self.wait_for_quorum()

    def stop(self) -> None:
        for server in self.servers:
            server.child.stop()

    def restart(self) -> None:
        """As the README says after a new node's account: each server in turn, the hub stays up."""
        for server in self.servers:
            server.child.stop()
            server.start()
            self.wait_for_quorum()

    def clusters(self) -> list[dict[str, Any]]:
        """Each server's `cluster` section of its monitoring's /varz (its routes' settings)."""
        found = []
        for _, http, _, _ in self.ports:
            with urllib.request.urlopen(f"http://127.0.0.1:{http}/varz", timeout=2) as answer:
                found.append(dict(json.load(answer)["cluster"]))
        return found

    def wait_for_quorum(self, within: float = 30) -> None:
        """Until a JetStream meta leader has every other server as a current peer (streams of 3 can be placed)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for _, http, _, _ in self.ports:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{http}/jsz", timeout=2) as answer:
                        meta = json.load(answer).get("meta_cluster") or {}
                except OSError:
                    continue
                if meta.get("leader") and len([p for p in meta.get("replicas") or [] if p.get("current")]) == 2:
                    return
            time.sleep(0.2)
        raise AssertionError("the hub's three servers formed no JetStream cluster")


class Deployed:
    """The hub of city.conf (three servers) with the accounts of `cfg` (the example's by default), and nodes
    ninh-giang and tien-lang of commune.conf (an-lao is in the example but not running: its source stays
    stalled)."""

    def __init__(self, tmp: Path, cfg: FederationConfig | None = None) -> None:
        self.passwords = {"CITY_NATS_PASSWORD": "pw-city"}
        pki = Pki.make(tmp / "pki")
        self.hub = Hub(tmp / "hub", {**self.passwords, **nkey_env("CITY_"), **pki.hub_env()}, pki)
        self.federation = tmp / "federation.json"
        self.join(cfg or example())
        self.nodes: dict[str, Server] = {}
        for node_id in ("ninh-giang", "tien-lang"):
            node_dir, port = tmp / node_id, free_port()
            conf = local_copy(NATS / "commune.conf", node_dir, {**ports(node_dir, port, free_port()),
                                                                'reconnect: "10s"': 'reconnect: "1s"'})
            shutil.copy(NATS / "commune-accounts.conf", node_dir)
            self.nodes[node_id] = Server(node_id, conf, {
                "NODE_ID": node_id, "REFORM_NATS_PASSWORD": "pw-reform", **nkey_env(), **pki.leaf_env(node_id),
                **{name: f"tls://127.0.0.1:{p[3]}" for name, p in zip(HUB_URLS, self.hub.ports, strict=True)}}, port)

    def join(self, cfg: FederationConfig) -> None:
        """What deploy/README.md says to do: federation.json, then the hub's accounts.conf from it."""
        cfg.save(self.federation)
        for folder in self.hub.dirs:
            provision_cli.main(["hub-accounts", "--federation", str(self.federation),
                                "--output", str(folder / "accounts.conf")])

    @property
    def city_settings(self) -> Settings:
        password = self.passwords["CITY_NATS_PASSWORD"]
        return Settings(nats_url=",".join(f"nats://city:{password}@127.0.0.1:{p[0]}" for p in self.hub.ports),
                        federation_role="city", stream_name="CITY_EVENTS", stream_subjects=["city.>"],
                        subject_prefix="city", read_prefixes=["reform", "city"], node_id="city")

    def node_settings(self, node_id: str) -> Settings:
        return Settings(nats_url=f"nats://reform:pw-reform@127.0.0.1:{self.nodes[node_id].port}",
                        federation_role="commune", node_id=node_id, read_prefixes=["reform", "city"])

    def keepers(self) -> list[Keeper]:
        return [*(Keeper(self.node_settings(n), 1.0, wait_seconds=20) for n in self.nodes),
                Keeper(self.city_settings, 1.0, self.federation, wait_seconds=20)]

    def start(self) -> None:
        self.hub.start()
        for node in self.nodes.values():
            node.start()

    def stop(self) -> None:
        for server in self.nodes.values():
            server.child.stop()
        self.hub.stop()


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[Deployed]:
    d = Deployed(tmp_path)
    try:
        d.start()
        yield d
    finally:
        d.stop()


async def subjects(url: str, stream: str) -> list[str]:
    nc = await nats.connect(servers_of(url))
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        found: list[str] = []
        if not info.state.messages:
            return found
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                found.append((await js.get_msg(stream, seq)).subject or "")
            except NotFoundError:
                continue
        return found
    finally:
        await nc.close()


async def publish(url: str, subject: str, within: float = 30) -> None:
    """Acknowledged, retried while the hub's streams elect their leaders after a restart (the id dedups)."""
    nc = await nats.connect(servers_of(url))
    deadline = time.monotonic() + within
    try:
        while True:
            try:
                await nc.jetstream().publish(subject, b"{}", headers={"Nats-Msg-Id": subject})
                return
            except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
    finally:
        await nc.close()


async def reached(check: Callable[[], Awaitable[bool]]) -> bool:
    """The check, or False while the hub answers nothing yet (its streams elect their leaders after a restart)."""
    try:
        return await check()
    except (nats.errors.Error, TimeoutError):
        return False


async def cycle(keeper: Keeper) -> None:
    """One cycle, which may fail while the hub's streams elect their leaders: the keeper's loop (`Keeper.run`)
    logs it and tries again at the next."""
    with contextlib.suppress(nats.errors.Error, TimeoutError, ConnectionError):
        await keeper.cycle()


async def until(check: Callable[[], Awaitable[bool]], keepers: list[Keeper], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not await reached(check):
        if time.monotonic() > deadline:
            raise AssertionError("not reached")
        for keeper in keepers:
            await cycle(keeper)
        await asyncio.sleep(0.3)


@pytest.mark.system
async def test_the_deploy_configs_federate(deployed: Deployed, tmp_path: Path) -> None:
    d = deployed
    keepers = d.keepers()
    nodes, city = keepers[:-1], keepers[-1]
    city.ready_file = tmp_path / "city.ok"
    for keeper in keepers:
        await keeper.cycle()
    assert (tmp_path / "city.ok").exists()
    for cluster in await asyncio.to_thread(d.hub.clusters):  # it formed (R3 below) over city.conf's TLS routes
        assert cluster["tls_required"] and cluster["tls_verify"], cluster

    # The keeper's check agrees with what provision_city made: the next cycle changes nothing.
    nc = await nats.connect(d.city_settings.nats_servers)
    try:
        assert (await nc.jetstream().stream_info("CITY_EVENTS")).config.num_replicas == 3  # a cluster: R3
        assert not await ensure_city(nc, example(), d.city_settings)
        report = await provision_cli.city_report(nc, example(), provisioned=False)
    finally:
        await nc.close()
    assert report["sources"] == ["FED_AN_LAO", "FED_NINH_GIANG", "FED_TIEN_LANG"]
    assert report["nodes"]["tien-lang"]["streams"] == ["FED_TIEN_LANG", "OUT_TIEN_LANG"]

    ng, tl = (d.node_settings(n).nats_url for n in ("ninh-giang", "tien-lang"))
    await publish(ng, "reform.ninh-giang.initiative.i1.InitiativeSubmitted")
    await publish(ng, "reform.kien-thuy.initiative.forged.InitiativeSubmitted")  # not ninh-giang's commune
    await publish(tl, "reform.kien-thuy.initiative.i2.InitiativeSubmitted")
    await publish(d.city_settings.nats_url, "city.kien-thuy.cityappraisal.i2.CityRecognitionDecided")
    await publish(d.city_settings.nats_url, "city.ninh-giang.cityappraisal.i1.CityRecognitionDecided")
    rules = "city.city.awardrules.city.AwardRulesSet"  # the city's own data: every node receives it
    await publish(d.city_settings.nats_url, rules)
    await publish(d.city_settings.nats_url, "city.city.par.2026-commune.ParRankingRecorded")  # not shared data

    async def arrived() -> bool:
        at_city = await subjects(d.city_settings.nats_url, "CITY_EVENTS")
        return ("reform.ninh-giang.initiative.i1.InitiativeSubmitted" in at_city
                and "reform.kien-thuy.initiative.i2.InitiativeSubmitted" in at_city
                and "city.kien-thuy.cityappraisal.i2.CityRecognitionDecided" in await subjects(tl, "REFORM_EVENTS")
                and "city.ninh-giang.cityappraisal.i1.CityRecognitionDecided" in await subjects(ng, "REFORM_EVENTS")
                and rules in await subjects(ng, "REFORM_EVENTS") and rules in await subjects(tl, "REFORM_EVENTS"))

    await until(arrived, keepers)
    assert "reform.kien-thuy.initiative.forged.InitiativeSubmitted" not in await subjects(
        d.city_settings.nats_url, "CITY_EVENTS")
    assert not [s for s in await subjects(tl, "REFORM_EVENTS") if s.startswith("city.ninh-giang.")]
    assert not [s for s in await subjects(ng, "REFORM_EVENTS") if s.startswith("city.kien-thuy.")]
    assert not [s for s in await subjects(ng, "REFORM_EVENTS") if s.startswith("city.city.par.")]

    # The hub (its three servers) goes down and comes back: the keepers re-attach the stalled sources,
    # nothing is lost.
    d.hub.stop()
    await publish(ng, "reform.ninh-giang.initiative.i3.InitiativeSubmitted")
    for keeper in nodes:
        await cycle(keeper)
    d.hub.start()

    async def caught_up() -> bool:
        return "reform.ninh-giang.initiative.i3.InitiativeSubmitted" in await subjects(
            d.city_settings.nats_url, "CITY_EVENTS")

    started = time.monotonic()
    await until(caught_up, keepers, within=30)
    assert time.monotonic() - started < 30
    at_city = await subjects(d.city_settings.nats_url, "CITY_EVENTS")
    assert len(at_city) == len(set(at_city))


@pytest.mark.system
async def test_the_deployed_services_sign_in_with_their_keys_and_nothing_anonymous(deployed: Deployed,
                                                                                  tmp_path: Path) -> None:
    port = deployed.nodes["ninh-giang"].port
    seed = tmp_path / "awards.nk"
    seed.write_text(SEEDS["awards"])
    awards = await nats.connect(f"nats://127.0.0.1:{port}", nkeys_seed=str(seed), allow_reconnect=False)
    try:
        assert awards.is_connected
    finally:
        await awards.close()
    with pytest.raises(Exception, match=r"(?i)authorization"):
        await nats.connect(f"nats://127.0.0.1:{port}", allow_reconnect=False, max_reconnect_attempts=0)


@pytest.mark.system
async def test_a_node_joins_as_the_readme_says(tmp_path: Path) -> None:
    full = example()
    d = Deployed(tmp_path, full.model_copy(update={"nodes": [full.node("ninh-giang")]}))
    try:
        d.start()  # tien-lang's node runs too, but the hub does not know its leaf user yet
        keepers = d.keepers()
        ng, tl, city = (d.node_settings("ninh-giang").nats_url, d.node_settings("tien-lang").nats_url,
                        d.city_settings.nats_url)
        for keeper in keepers:
            await keeper.cycle()
        await publish(ng, "reform.ninh-giang.initiative.i1.InitiativeSubmitted")
        await publish(tl, "reform.kien-thuy.initiative.i2.InitiativeSubmitted")

        async def at_city(subject: str) -> Callable[[], Awaitable[bool]]:
            async def check() -> bool:
                return subject in await subjects(city, "CITY_EVENTS")
            return check

        await until(await at_city("reform.ninh-giang.initiative.i1.InitiativeSubmitted"), keepers)
        # tien-lang joins: federation.json and accounts.conf, a restart of the hub (a new account),
        # and the keeper, which reads federation.json again, provisions the rest.
        d.join(full.model_copy(update={"nodes": [full.node("ninh-giang"), full.node("tien-lang")]}))
        d.hub.restart()
        await cycle(keepers[-1])
        await publish(city, "city.kien-thuy.cityappraisal.i2.CityRecognitionDecided")
        await until(await at_city("reform.kien-thuy.initiative.i2.InitiativeSubmitted"), keepers)

        async def decision_at_tien_lang() -> bool:
            return "city.kien-thuy.cityappraisal.i2.CityRecognitionDecided" in await subjects(tl, "REFORM_EVENTS")

        await until(decision_at_tien_lang, keepers)
    finally:
        d.stop()


def test_the_cli_provisions_the_city_once_and_reports(deployed: Deployed, tmp_path: Path) -> None:
    env = {**os.environ, "REFORM_NATS_URL": deployed.city_settings.nats_url, "REFORM_STREAM_NAME": "CITY_EVENTS",
           "REFORM_STREAM_SUBJECTS": '["city.>"]', "REFORM_SUBJECT_PREFIX": "city",
           "REFORM_FEDERATION_ROLE": "city", "REFORM_READ_PREFIXES": '["reform","city"]'}
    argv = [sys.executable, "-m", "reform_shared.provision_cli", "--wait", "20", "--federation", str(EXAMPLE)]
    first = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["provisioned"] is True
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert json.loads(again.stdout)["provisioned"] is False
    wrong = subprocess.run(argv, env={**env, "REFORM_STREAM_NAME": "REFORM_EVENTS"}, capture_output=True,
                           text=True, timeout=60, check=False)
    assert wrong.returncode == 2 and "CITY_EVENTS" in wrong.stderr
    plain = subprocess.run([sys.executable, "-m", "reform_shared.provision_cli", "--wait", "20"], capture_output=True,
                           env={**os.environ, "REFORM_NATS_URL": deployed.node_settings("tien-lang").nats_url},
                           text=True, timeout=60, check=False)
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout) == {"stream": "REFORM_EVENTS", "stream_created": True,
                                        "bucket": "REFORM_IDEMPOTENCY", "bucket_created": True,
                                        "attachments_bucket": "REFORM_ATTACHMENTS",
                                        "attachments_bucket_created": True}


def test_the_keeper_runs_until_terminated(deployed: Deployed, tmp_path: Path) -> None:
    ready = tmp_path / "keeper.ok"
    env = {**os.environ, "REFORM_NATS_URL": deployed.node_settings("ninh-giang").nats_url,
           "REFORM_FEDERATION_ROLE": "commune", "REFORM_NODE_ID": "ninh-giang"}
    keeper = subprocess.Popen([sys.executable, "-m", "reform_shared.provision_cli", "--watch", "0.5",
                               "--ready-file", str(ready)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert keeper.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        touched = ready.stat().st_mtime
        while ready.stat().st_mtime == touched:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        keeper.terminate()
        _, err = keeper.communicate(timeout=10)
    assert keeper.returncode == 0, err
    assert "keeper stopped" in err


# -- compose files ----------------------------------------------------------------------------------------
# One commune node; the city node; the city and two commune nodes on one host (an override file).
COMPOSE = {
    "node": [ROOT / "docker-compose.yml"],
    "city": [DEPLOY / "docker-compose.city.yml"],
    "federation": [DEPLOY / "docker-compose.city.yml", DEPLOY / "docker-compose.federation.yml"],
}
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} (nested) and ${VAR:?error}; $$ stays a literal $."""
    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op in (":-", "-"):
            return interpolate(arg or "", env)
        if op in (":?", "?"):
            raise KeyError(f"{name}: {arg}")
        raise KeyError(f"{name} is unset and has no default")
    return VARIABLE.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def interpolated(node: Any, env: dict[str, str]) -> Any:
    # Compose interpolates the values of the parsed YAML (a "[]" default stays a string).
    if isinstance(node, dict):
        return {key: interpolated(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolated(item, env) for item in node]
    return interpolate(node, env) if isinstance(node, str) else node


def merged(base: Any, override: Any) -> Any:
    """Compose's merge of an override file: mappings merged key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{key: merged(base.get(key), value) for key, value in override.items()}}
    return override if override is not None else base


def required(paths: list[Path]) -> list[str]:
    text = "".join(path.read_text(encoding="utf-8") for path in paths)
    return sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", text)))


def secrets_for(paths: list[Path]) -> dict[str, str]:
    return {name: "s" * 40 for name in required(paths)}


def load_compose(paths: list[Path], env: dict[str, str] | None = None) -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    model: dict[str, Any] = {}
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        model = merged(model, {k: v for k, v in document.items() if not k.startswith("x-")})
    result: dict[str, Any] = interpolated(model, secrets_for(paths) if env is None else env)
    return result


def hosts_of(url: str) -> list[str]:
    """The hosts of a server list (nats://u:p@a:4222,nats://u:p@b:4222) or a seed list (mongodb://a:1,b:1/?…)."""
    hosts = []
    for part in url.split(","):
        part = part.split("://")[-1].split("/")[0].split("?")[0].split("@")[-1]
        hosts.append(part.split(":")[0])
    return hosts


def networks_of(service: dict[str, Any]) -> dict[str, Any]:
    networks = service.get("networks") or {}
    return dict.fromkeys(networks, None) if isinstance(networks, list) else networks


@pytest.mark.parametrize("paths", COMPOSE.values(), ids=COMPOSE.keys())
def test_compose_needs_its_secrets(paths: list[Path]) -> None:
    env = secrets_for(paths)
    assert env, "the secrets are required variables"
    load_compose(paths, env)
    for name in env:
        with pytest.raises(KeyError, match=name):
            load_compose(paths, {k: v for k, v in env.items() if k != name})


def stand_ins(env: dict[str, str], pki: Pki) -> dict[str, str]:
    """The compose's values with real NKEY public keys and certificate files in place of the secrets."""
    files = {"leaf-cert": pki.leaves["ninh-giang"].cert, "leaf-key": pki.leaves["ninh-giang"].key,
             "hub-cert": pki.hub.cert, "hub-key": pki.hub.key, "city-ca": pki.ca.cert_path,
             "route-cert": pki.routes["city-nats-1"].cert, "route-key": pki.routes["city-nats-1"].key}
    keys = {v: k for k, v in nkey_env().items()}
    out = dict(env)
    for name, value in env.items():
        if "NKEY_" in name:
            out[name] = nkey_env()[f"NKEY_{name.split('NKEY_', 1)[1]}"]
        elif value.startswith("/run/secrets/"):
            out[name] = str(files[value.removeprefix("/run/secrets/")])
    assert keys
    return out


@pytest.mark.parametrize("paths", COMPOSE.values(), ids=COMPOSE.keys())
def test_compose_nats_containers_get_every_variable_of_their_config(paths: list[Path], tmp_path: Path) -> None:
    compose = load_compose(paths)
    pki = Pki.make(tmp_path)
    project_dir = paths[0].parent
    checked = 0
    for name, service in compose["services"].items():
        if not str(service.get("image", "")).startswith("nats:"):
            continue
        conf_dir = next(v.split(":")[0] for v in service["volumes"] if v.split(":")[1] == "/etc/nats")
        conf = (project_dir / conf_dir / Path(service["command"][-1]).name).resolve()
        environment = service.get("environment", {})
        missing = [v for v in conf_env_vars(conf) if not environment.get(v)]
        assert not missing, f"{name} lacks {missing} for {conf.name}"
        mounted = set(compose.get("secrets", {}))
        for secret in service.get("secrets", []):  # every file the config names is one of the compose's secrets
            assert (secret["source"] if isinstance(secret, dict) else secret) in mounted, (name, secret)
        result = nats_test(conf, stand_ins({k: str(v) for k, v in environment.items()}, pki))
        assert result.returncode == 0, f"{name}: {result.stderr}{result.stdout}"
        checked += 1
    key = next(k for k, v in COMPOSE.items() if v == paths)
    assert checked == {"node": 1, "city": 3, "federation": 5}[key]  # a node; the hub's three; and two nodes


@pytest.mark.parametrize("paths", COMPOSE.values(), ids=COMPOSE.keys())
def test_compose_references_are_consistent(paths: list[Path]) -> None:
    compose = load_compose(paths)
    project_dir = paths[0].parent
    services = compose["services"]
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services, (name, dependency)
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], (name, dependency)
            if services[dependency].get("profiles"):  # a dependency some profiles leave out
                assert set(service.get("profiles", [])) <= set(services[dependency]["profiles"]), (name, dependency)
        networks = networks_of(service)
        for network in networks:
            assert network in compose["networks"], (name, network)
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (project_dir / source).exists(), (name, source)
            else:
                assert source in compose.get("volumes", {}), (name, source)
        build = service.get("build")
        if build:
            context = project_dir / build["context"]
            assert (context / build["dockerfile"]).is_file(), name
            assert (context / "services" / build["args"]["SERVICE"] / "pyproject.toml").is_file(), name
        if "environment" in service and "REFORM_NATS_URL" in service["environment"]:
            # the services reach their own node's NATS and MongoDB by the aliases of their network
            host_of = {"nats": service["environment"]["REFORM_NATS_URL"],
                       "mongo": service["environment"]["REFORM_MONGO_URL"]}
            for alias, url in host_of.items():
                for host in hosts_of(url):  # the hub's three servers, the replica set's three members
                    assert host == alias or host.startswith(f"{alias}-"), (name, url)
                    if networks:
                        (network,) = networks
                        owners = [other for other, s in services.items()
                                  if host in (networks_of(s).get(network) or {}).get("aliases", [])
                                  or (host == other and network in networks_of(s))]
                        assert len(owners) == 1, (name, host, owners)
    ports = [p.rsplit(":", 1)[0] for s in services.values() for p in s.get("ports", [])]
    assert len(ports) == len(set(ports)), "a host port published twice"


def test_each_hub_server_mounts_a_route_certificate_of_its_own() -> None:
    compose = load_compose(COMPOSE["city"])
    files = set()
    for server in HUB:
        service = compose["services"][server]
        assert service["environment"]["HUB_ROUTE_CERT"] == "/run/secrets/route-cert", server
        assert service["environment"]["HUB_ROUTE_KEY"] == "/run/secrets/route-key", server
        sources = {s["target"]: s["source"] for s in service["secrets"] if isinstance(s, dict)}
        assert sources == {"route-cert": f"{server}-route-cert", "route-key": f"{server}-route-key"}, server
        files |= {compose["secrets"][source]["file"] for source in sources.values()}
    assert len(files) == 2 * len(HUB), "a certificate and a key for each server"


def test_the_federation_compose_sets_the_roles() -> None:
    compose = load_compose(COMPOSE["federation"])
    services = compose["services"]
    cfg = example()
    roles = set()
    for name, service in services.items():
        env = service.get("environment") or {}
        if "REFORM_FEDERATION_ROLE" not in env:
            continue
        roles.add(env["REFORM_FEDERATION_ROLE"])
        assert json.loads(env["REFORM_READ_PREFIXES"]) == ["reform", "city"], name
        if env["REFORM_FEDERATION_ROLE"] == "city":
            assert env["REFORM_SUBJECT_PREFIX"] == "city" and env["REFORM_STREAM_NAME"] == cfg.city_stream, name
            assert json.loads(env["REFORM_STREAM_SUBJECTS"]) == ["city.>"], name
            # the keeper is the city's operator; a service signs in with its own seed, no password in its URL
            # a service signs in with its seed (no password in its URL); the city's list the hub's three servers
            assert env["REFORM_NATS_URL"].startswith("nats://city:" if "keeper" in name else "nats://nats"), name
            assert "keeper" in name or "@" not in env["REFORM_NATS_URL"], name
            assert service["networks"] == ["city"], name
        else:
            assert env["REFORM_FEDERATION_ROLE"] == "commune", name
            node = cfg.node(env["REFORM_NODE_ID"])
            assert "REFORM_SUBJECT_PREFIX" not in env and "REFORM_STREAM_NAME" not in env, name
            assert service["networks"] == [node.node_id], name
            nats_service = f"{node.node_id}-nats"
            assert services[nats_service]["environment"]["NODE_ID"] == node.node_id
            for i, variable in enumerate(HUB_URLS, 1):  # the node's leafnode lists the hub's three servers
                url = services[nats_service]["environment"][variable]
                assert url == f"tls://city-hub-{i}:7422"  # the node's leaf certificate is its identity, no password
            leaf = {s["source"] for s in services[nats_service]["secrets"]}
            assert leaf == {f"{node.node_id}-leaf-cert", f"{node.node_id}-leaf-key", "city-ca"}
        service_name = next((s for s in SERVICES if name.endswith(f"-{s}")), None)
        if service_name is not None:
            assert env["REFORM_NATS_NKEY_SEED_FILE"] == f"/run/secrets/nats-{service_name}", name
            (secret,) = service["secrets"]
            assert (secret["target"] if isinstance(secret, dict) else secret) == f"nats-{service_name}", name
    assert roles == {"city", "commune"}
    keepers = {n: s["command"] for n, s in services.items() if "--watch" in (s.get("command") or [])}
    assert sorted(keepers) == ["city-keeper", "ninh-giang-keeper", "tien-lang-keeper"]
    assert [n for n, command in keepers.items() if "--federation" in command] == ["city-keeper"]
    for i, server in enumerate(HUB, 1):
        assert f"city-hub-{i}" in services[server]["networks"]["federation"]["aliases"]
        assert services[server]["environment"]["HUB_SERVER_NAME"] == server


def test_the_node_compose_is_standalone_unless_told() -> None:
    env = secrets_for(COMPOSE["node"])
    services = load_compose(COMPOSE["node"], env)["services"]
    assert services["submission"]["environment"]["REFORM_FEDERATION_ROLE"] == "standalone"
    assert json.loads(services["submission"]["environment"]["REFORM_READ_PREFIXES"]) == []
    assert services["nats"]["environment"]["NODE_ID"] == services["submission"]["environment"]["REFORM_NODE_ID"]
    assert services["federation-keeper"]["profiles"] == ["federation"]
    federated = load_compose(COMPOSE["node"], {**env, "COMMUNE_DOMAIN": "an-lao",
                                              "REFORM_FEDERATION_ROLE": "commune",
                                              "REFORM_READ_PREFIXES": '["reform","city"]'})["services"]
    assert federated["nats"]["environment"]["NODE_ID"] == "an-lao"
    assert federated["submission"]["environment"]["REFORM_NODE_ID"] == "an-lao"
    assert federated["federation-keeper"]["environment"]["REFORM_FEDERATION_ROLE"] == "commune"
