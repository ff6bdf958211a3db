"""A commune node whose processes the chaos tier kills (SIGKILL) and restarts on the same ports and data."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import httpx

from reform_node.demo import COMMUNE, SECRETARY_ID, UNITS, demo_campaign, token
from reform_node.node import SERVICES, CommuneNode, NodeConfig
from reform_node.servers import ChildProcess, free_port, start_mongo

INFRASTRUCTURE = ("nats", "mongo")
KINDS: tuple[str, ...] = (*SERVICES, *INFRASTRUCTURE)
"""Every process kind of a node: the four services, nats-server and the database (SecantusDB)."""


class ChaosNode:
    """A `CommuneNode` on free ports in a fresh folder, with kill -9 and restart of one process kind."""

    def __init__(self, data_dir: Path) -> None:
        self.config = NodeConfig(
            data_dir=data_dir, nats_port=free_port(), nats_http_port=free_port(), mongo_port=free_port(),
            service_ports={service: free_port() for service in SERVICES},
        )
        self.node = CommuneNode(self.config)
        self.settings = self.config.settings()

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self.node.start()

    def stop(self) -> None:
        self.node.stop()

    def child(self, kind: str) -> ChildProcess:
        found = {"nats": self.node.nats, "mongo": self.node.mongo}.get(kind) if kind in INFRASTRUCTURE \
            else self.node.services.get(kind)
        if found is None:
            raise KeyError(f"no process {kind} in the node")
        return found

    def kill(self, kind: str) -> int | None:
        """SIGKILL the process (no clean shutdown, no flush); returns its pid."""
        child = self.child(kind)
        pid = child.proc.pid if child.proc is not None else None
        child.kill()
        child.stop()  # the process is gone: this only closes the launcher's handle on its log
        return pid

    def restart(self, kind: str) -> None:
        """Start the kind again on the same ports and the same data folder (blocking: run it in a thread)."""
        cfg = self.config
        if kind == "nats":
            self.node.start_nats()
        elif kind == "mongo":
            self.node.mongo = start_mongo(cfg.data_dir / "mongo", cfg.mongo_port)
        else:
            self.node.start_service(kind)

    def exited(self) -> dict[str, int]:
        """The processes that are not running, with their exit codes."""
        gone: dict[str, int] = {}
        for kind in KINDS:
            child = self.child(kind)
            code = child.proc.poll() if child.proc is not None else -1
            if code is not None:
                gone[kind] = code
        return gone

    def log_findings(self) -> dict[str, int]:
        """Counts of tell-tale lines in the logs: the database retrying write conflicts (a transaction of a
        killed client left open), projections repositioning after an unclean stop."""
        logs = self.config.data_dir / "logs"
        findings = {"database: retrying on write conflicts": count_lines(
            self.config.data_dir / "secantus.log", "retrying on write conflicts")}
        for service in SERVICES:
            findings[f"{service}: unclean stop"] = count_lines(logs / f"{service}.log", "unclean stop")
            findings[f"{service}: tracebacks"] = count_lines(logs / f"{service}.log", "Traceback")
        return findings

    def log_tail(self, kind: str, lines: int = 15) -> str:
        path = self.child(kind).log_path
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no log: {exc})"

    # -- identities and URLs ----------------------------------------------------------------
    def url(self, service: str) -> str:
        return self.config.url(service)

    def bearer(self, subject: str, roles: list[str], name: str = "Người kiểm thử") -> dict[str, str]:
        return {"Authorization": "Bearer " + token(self.settings, subject, name, roles, commune=COMMUNE)}

    @property
    def operator(self) -> dict[str, str]:
        return self.bearer("chaos-operator", ["operator"])

    def launch_campaign(self) -> str:
        """The seed-000 campaign (window open now), through the HTTP API as the secretary would."""
        body = demo_campaign(dt.datetime.now(dt.UTC), units=UNITS)
        headers = {**self.bearer(SECRETARY_ID, ["secretary"], "Phạm Thu Hà"), "Idempotency-Key": "chaos-campaign"}
        response = httpx.post(f"{self.url('submission')}/api/v1/communes/{COMMUNE}/campaigns", json=body,
                              headers=headers, timeout=30)
        assert response.status_code == 201, f"launching the campaign: {response.status_code} {response.text}"
        return str(body["campaign_id"])


async def ready_after(http: httpx.AsyncClient, url: str, started: float, within: float) -> tuple[float | None, str]:
    """Seconds from `started` (monotonic) until GET /ready answers 200 (None after `within` seconds), and the
    last answer before that (e.g. 'connection refused' while starting, or the failing readiness checks)."""
    deadline = started + within
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = await http.get(f"{url}/ready", timeout=2)
            if response.status_code == 200:
                return round(time.monotonic() - started, 2), last
            last = f"{response.status_code} {response.text[:120]}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        await asyncio.sleep(0.1)
    return None, last


async def all_ready_after(http: httpx.AsyncClient, node: ChaosNode, started: float,
                          within: float) -> dict[str, tuple[float | None, str]]:
    """Per service, `ready_after`."""
    waits = [ready_after(http, node.url(service), started, within) for service in SERVICES]
    return dict(zip(SERVICES, await asyncio.gather(*waits), strict=True))


def count_lines(path: Path, needle: str) -> int:
    try:
        return sum(needle in line for line in path.read_text(errors="replace").splitlines())
    except OSError:
        return 0
