"""Real servers on free ports in a temporary folder, their connections, and fresh names."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from pydantic import SecretStr
from pymongo import AsyncMongoClient

from reform_node.servers import ChildProcess, free_port, mongo_url, start_mongo, start_nats
from reform_shared.provisioning import provision
from reform_shared.settings import Settings

BENCH_SECRET = "bench-secret-0123456789-0123456789-0123456789"


@dataclass
class Environment:
    base: Path
    nats_url: str
    mongo_url: str
    nc: NatsClient
    js: JetStreamContext
    mongo: AsyncMongoClient[dict[str, Any]]
    nats_version: str
    mongo_version: str

    def settings(self, label: str) -> Settings:
        """Fresh stream, subject prefix, bucket and database names (as the tests' make_settings)."""
        tag = f"{label}{uuid.uuid4().hex[:8]}"
        return Settings(
            environment="test",
            service_name="bench",
            nats_url=self.nats_url,
            mongo_url=self.mongo_url,
            stream_name=f"B_{tag}",
            subject_prefix=f"b{tag}",
            stream_subjects=[f"b{tag}.>"],
            idempotency_bucket=f"IDEM_{tag}",
            attachments_bucket=f"ATT_{tag}",
            database=f"bench_{tag}",
            jwt_secret=SecretStr(BENCH_SECRET),
        )

    async def provision(self, label: str) -> Settings:
        settings = self.settings(label)
        await provision(self.js, settings)
        return settings


def machine() -> str:
    return (
        f"{platform.platform()} {platform.machine()}, {os.cpu_count()} CPUs "
        f"({_cpu_model()}), Python {platform.python_version()} ({sys.implementation.name})"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "?"


@asynccontextmanager
async def environment() -> AsyncIterator[Environment]:
    """Start nats-server and SecantusDB; stop them and delete their folder whatever happens."""
    base = Path(tempfile.mkdtemp(prefix="reform-bench-"))
    children: list[ChildProcess] = []
    nc: NatsClient | None = None
    mongo: AsyncMongoClient[dict[str, Any]] | None = None
    try:
        nats_port, http_port, mongo_port = free_port(), free_port(), free_port()
        children.append(start_nats(base / "nats", nats_port, http_port, "bench-node"))
        children.append(start_mongo(base / "mongo", mongo_port))
        nats_url = f"nats://127.0.0.1:{nats_port}"
        nc = await nats.connect(nats_url, name="bench")
        js = nc.jetstream(timeout=10)
        mongo = AsyncMongoClient(mongo_url(mongo_port), tz_aware=True, serverSelectionTimeoutMS=20_000)
        info = await mongo.server_info()
        nats_version = f"nats-server {nc._server_info.get('version', '?')} (sync_interval: always)"
        mongo_version = (
            f"SecantusDB {_dist_version('SecantusDB')} (reports MongoDB {info.get('version', '?')})"
        )
        yield Environment(base, nats_url, mongo_url(mongo_port), nc, js, mongo, nats_version, mongo_version)
    finally:
        if mongo is not None:
            await mongo.close()
        if nc is not None and not nc.is_closed:
            await nc.close()
        for child in reversed(children):
            child.stop()
        shutil.rmtree(base, ignore_errors=True)


def client_versions() -> str:
    return ", ".join(
        f"{name} {_dist_version(name)}" for name in ("nats-py", "pymongo", "pydantic", "opentelemetry-sdk")
    )
