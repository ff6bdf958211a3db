"""A whole commune node as processes: NATS, SecantusDB, provisioning, the four services."""

from __future__ import annotations

import asyncio
import functools
import json
import secrets
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
import nats
from pydantic import SecretStr

from reform_node import forking, zygote
from reform_node.credentials import OPERATOR, NodeCredentials
from reform_node.servers import ChildProcess, mongo_url, start_mongo, start_nats, write_nats_config
from reform_shared.federation import FederationConfig, provision_city
from reform_shared.nats_auth import SERVICES as NATS_IDENTITIES
from reform_shared.nats_auth import Scope, connect_options, service_users
from reform_shared.provisioning import provision
from reform_shared.settings import Settings

SERVICES: dict[str, int] = {"submission": 8101, "evaluation": 8102, "awards": 8103, "reporting": 8104,
                            "directory": 8105, "identity": 8106, "notifications": 8107,
                            "portal": 8100,
                            "replication": 8108}
DEFAULT_PORTAL_PORT = SERVICES["portal"]


@dataclass
class NodeConfig:
    data_dir: Path = Path("var/node")
    node_id: str = "commune-node"
    nats_port: int = 4222
    nats_http_port: int = 8222
    mongo_port: int = 27017
    service_ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    environment: str = "development"
    otlp_endpoint: str | None = None
    # Federation (reform_node.federation): the role, and what makes a commune node or the city node.
    role: Literal["standalone", "commune", "city"] = "standalone"
    domain: str | None = None
    nats_extra: str = ""
    nats_user: str | None = None
    nats_password: str | None = None
    more_nats_ports: list[int] = field(default_factory=list)
    """The other servers of the node's NATS when it is a cluster (the city hub): every URL goes to the services."""
    stream_name: str = "REFORM_EVENTS"
    subject_prefix: str = "reform"
    read_prefixes: list[str] = field(default_factory=list)
    federation: FederationConfig | None = None
    own_mongo: bool = True
    database_prefix: str | None = None
    monitor_urls: list[str] = field(default_factory=list)
    """The node's nats-server monitoring (a hub cluster: every server's); by default its own `nats_http_port`."""

    @property
    def nats_url(self) -> str:
        """The operator's URL (its user and password in it): provisioning, the keeper, commands and tests; a hub
        cluster's servers comma-separated."""
        user = self.nats_user or OPERATOR
        password = self.nats_password or self.credentials.operator_password()
        return ",".join(f"nats://{user}:{password}@127.0.0.1:{port}" for port in self.nats_ports)

    @property
    def nats_ports(self) -> list[int]:
        return [self.nats_port, *self.more_nats_ports]

    @property
    def service_nats_url(self) -> str:
        """A service's URL(s): no password in it, the service signs in with its NKEY seed file."""
        return ",".join(f"nats://127.0.0.1:{port}" for port in self.nats_ports)

    @property
    def credentials(self) -> NodeCredentials:
        return NodeCredentials(self.data_dir / "nats-credentials")

    def service_users(self) -> list[str]:
        """The services' NKEY users with their permissions (reform_shared.nats_auth)."""
        keys = {service: self.credentials.public_key(service) for service in NATS_IDENTITIES}
        return service_users(keys, Scope.of(self.settings()))

    def nats_auth(self) -> str:
        """The node's `authorization` block: the operator and every service; nothing anonymous. The city hub
        puts its users in its CITY account instead (reform_node.federation)."""
        if self.role == "city":
            return ""
        operator = f"{{ user: {OPERATOR}, password: {json.dumps(self.credentials.operator_password())} }}"
        users = [f"# {OPERATOR}: provisioning, keeper, commands\n      " + operator, *self.service_users()]
        return "authorization {\n  users: [\n      " + "\n      ".join(users) + "\n  ]\n}\n"

    def database(self, service: str) -> str:
        return f"{self.database_prefix}_{service}" if self.database_prefix else f"reform_{service}"

    @property
    def mongo_url(self) -> str:
        return mongo_url(self.mongo_port)

    def secret(self) -> str:
        """The node's HS256 secret, made once and kept in the data folder."""
        path = self.data_dir / "node-secret"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def service_env(self, service: str) -> dict[str, str]:
        env = {
            "REFORM_ENVIRONMENT": self.environment,
            "REFORM_NODE_ID": self.node_id,
            "REFORM_PORT": str(self.service_ports[service]),
            "REFORM_NATS_URL": self.service_nats_url,
            "REFORM_MONGO_URL": self.mongo_url,
            "REFORM_JWT_SECRET": self.secret(),
            "REFORM_FEDERATION_ROLE": self.role,
            "REFORM_STREAM_NAME": self.stream_name,
            "REFORM_STREAM_SUBJECTS": json.dumps([f"{self.subject_prefix}.>"]),
            "REFORM_SUBJECT_PREFIX": self.subject_prefix,
            "REFORM_READ_PREFIXES": json.dumps(self.read_prefixes),
            "REFORM_DATABASE": self.database(service),
            **{f"REFORM_{name.upper()}_URL": self.url(name) for name in self.service_ports},
        }
        if service in NATS_IDENTITIES:
            env["REFORM_NATS_NKEY_SEED_FILE"] = str(self.credentials.seed_file(service))
        if self.otlp_endpoint:
            env["REFORM_OTLP_ENDPOINT"] = self.otlp_endpoint
        if "identity" in self.service_ports:
            # Every service verifies the node's identity provider's RS256 tokens through its JWKS (discovered
            # from the issuer); the node secret's HS256 stays for scripts and tests (never in production).
            env["REFORM_OIDC_ISSUER"] = self.url("identity")
        if service == "portal":  # the link with the city, read-only (issue 22): monitoring and the keeper's record
            env["REFORM_NATS_MONITOR_URLS"] = json.dumps(self.monitor_urls or [f"http://127.0.0.1:{self.nats_http_port}"])
            env["REFORM_FEDERATION_FOLDER"] = str((self.data_dir / "federation").resolve())
            env["REFORM_COMMUNES_FILE"] = str((self.data_dir / "communes.json").resolve())
        if service == "identity":
            env["REFORM_IDENTITY_KEY_FILE"] = str((self.data_dir / "identity" / "signing-keys.json").resolve())
            if "portal" in self.service_ports:
                env["REFORM_IDENTITY_CLIENTS"] = json.dumps([self.portal_client()])
        return env

    def portal_client(self) -> dict[str, object]:
        """The portal as the identity provider's client, at the port this node gives it too (the provider's
        default knows only 8100: a federation's nodes, or a portal on another port, were refused their sign-in)."""
        ports = dict.fromkeys((DEFAULT_PORTAL_PORT, self.service_ports["portal"]))
        hosts = [f"http://{name}:{port}" for port in ports for name in ("127.0.0.1", "localhost")]
        return {"client_id": "reform-portal", "name": "Cổng cán bộ (officials' portal)",
                "redirect_uris": [f"{host}/callback" for host in hosts],
                "post_logout_redirect_uris": [f"{host}/" for host in hosts]}

    def settings(self, service: str = "reform") -> Settings:
        """A process's settings on this node: a service's own NATS identity, or the operator's."""
        own = service in NATS_IDENTITIES
        return Settings(
            nats_url=self.service_nats_url if own else self.nats_url,
            nats_nkey_seed_file=self.credentials.seed_file(service) if own else None, mongo_url=self.mongo_url,
            jwt_secret=SecretStr(self.secret()), node_id=self.node_id,
            service_name=service, federation_role=self.role,
            stream_name=self.stream_name, stream_subjects=[f"{self.subject_prefix}.>"],
            subject_prefix=self.subject_prefix, read_prefixes=self.read_prefixes, database=self.database(service),
        )

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.service_ports[service]}"


async def provision_node(settings: Settings, federation: FederationConfig | None = None,
                         linked: set[str] | None = None) -> None:
    nc = await nats.connect(settings.nats_servers, **connect_options(settings))
    try:
        if federation is not None:
            await provision_city(nc, federation, settings, linked)
        else:
            await provision(nc.jetstream(), settings)
    finally:
        await nc.close()


def wait_ready(url: str, timeout: float, proc: ChildProcess) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.proc is not None and proc.proc.poll() is not None:
            raise RuntimeError(f"{proc.name} exited (code {proc.proc.returncode}); see {proc.log_path}")
        try:
            response = httpx.get(f"{url}/ready", timeout=2)
            if response.status_code == 200:
                return
            last = response.text
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise TimeoutError(f"{proc.name} not ready after {timeout}s: {last}; see {proc.log_path}")


@functools.cache
def _monitoring() -> httpx.Client:
    """One client for the local servers' monitoring endpoints (plain http): `httpx.get` built a client and an SSL
    context on every call, ~20 ms of CPU holding the GIL, and the federation keeper asks every member every round
    (py-spy, `make bench ARGS="--only scale"`: 84% of the leafnode count's time)."""
    return httpx.Client(timeout=2)


class CommuneNode:
    """Starts and stops the node's processes in order; data survives restarts."""

    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        self.nats: ChildProcess | None = None
        self.mongo: ChildProcess | None = None
        self.services: dict[str, ChildProcess] = {}
        self.zygote: forking.Zygote | None = None
        """Forks the services from its shared imports (`reform_node.zygote`; `REFORM_NODE_FORK=0`: not used)."""

    def start_nats(self) -> None:
        cfg = self.config
        self.nats = start_nats(cfg.data_dir / "nats", cfg.nats_port, cfg.nats_http_port, cfg.node_id,
                               domain=cfg.domain, extra=cfg.nats_extra + cfg.nats_auth())

    def reload_nats(self) -> None:
        """Rewrite the server's config and make it reload (SIGHUP): accounts change, nothing restarts."""
        cfg = self.config
        write_nats_config(cfg.data_dir / "nats", cfg.nats_port, cfg.nats_http_port, cfg.node_id,
                          domain=cfg.domain, extra=cfg.nats_extra + cfg.nats_auth())
        assert self.nats is not None and self.nats.proc is not None
        self.nats.proc.send_signal(signal.SIGHUP)

    def provision(self, linked: set[str] | None = None) -> None:
        asyncio.run(provision_node(self.config.settings(), self.config.federation, linked))

    def leafnodes(self) -> int:
        """How many leafnode connections the node's NATS has (monitoring endpoint)."""
        try:
            url = f"http://127.0.0.1:{self.config.nats_http_port}/leafz"
            return int(_monitoring().get(url).json()["leafnodes"])
        except (httpx.HTTPError, KeyError, ValueError):
            return 0

    def start_infrastructure(self) -> None:
        cfg = self.config
        self.start_nats()
        if cfg.own_mongo:
            self.mongo = start_mongo(cfg.data_dir / "mongo", cfg.mongo_port, env={"MALLOC_ARENA_MAX": "2"})
        self.provision()

    def start_service(self, service: str) -> ChildProcess:
        child = ChildProcess(
            service,
            [sys.executable, "-m", f"reform_{service}", "serve"],
            self.config.data_dir / "logs" / f"{service}.log",
            env=self.config.service_env(service),
            zygote=self._zygote(),
        )
        child.start()
        self.services[service] = child
        return child

    def _zygote(self) -> forking.Zygote | None:
        if self.zygote is not None and not self.zygote.alive:  # killed: the services it forked go on, a new one forks
            self.zygote.close()
            self.zygote = None
        if self.zygote is None and zygote.enabled():
            self.zygote = forking.Zygote(self.config.data_dir / "logs" / "zygote.log")
        return self.zygote

    def start(self) -> None:
        self.start_infrastructure()
        for service in self.config.service_ports:
            self.start_service(service)
        for service, child in self.services.items():
            wait_ready(self.config.url(service), 60, child)

    def stop(self) -> None:
        for child in reversed(list(self.services.values())):
            child.stop()
        self.services.clear()
        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None
        for infra in (self.mongo, self.nats):
            if infra is not None:
                infra.stop()
        self.mongo = self.nats = None
