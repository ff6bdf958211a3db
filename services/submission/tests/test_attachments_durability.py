"""Nothing acknowledged is lost: nats-server killed with SIGKILL right after a burst of uploads.

The node's own nats-server here (not the session's, which other tests share), on a store dir that
survives the kill; the uploads go through the real HTTP app, and every one answered 201 must come back
byte for byte once the server is restarted on the same dir. GridFS on the embedded database lost 1–3
of 20–30 in the same shape of test (ARCHITECTURE.md, the embedded database).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from PIL import Image

from reform_node.servers import ChildProcess, free_port, start_nats
from reform_shared.ids import FixedClock
from reform_shared.provisioning import provision
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_submission.bootstrap import build_app, build_runtime

pytestmark = pytest.mark.service
UPLOADS = 25
COMMUNE = "ninh-giang"
BASE = f"/api/v1/communes/{COMMUNE}"


class Node:
    """A nats-server of its own, that a test may kill and start again on the same store."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.port, self.http_port = data_dir, free_port(), free_port()
        self.proc: ChildProcess = self.start()

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> ChildProcess:
        self.proc = start_nats(self.data_dir, self.port, self.http_port, "attachments-kill")
        return self.proc


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Node]:
    node = Node(tmp_path / "nats")
    try:
        yield node
    finally:
        node.proc.stop()


def photo(n: int) -> bytes:
    """A different PNG each time, about 150 KB: noise does not compress, so two chunks or more go to disk."""
    out = io.BytesIO()
    Image.frombytes("RGB", (256, 200), os.urandom(256 * 200 * 3)).save(out, "PNG")
    return out.getvalue()


async def upload(http: httpx.AsyncClient, headers: dict[str, str], n: int, data: bytes) -> dict[str, Any]:
    response = await http.post(f"{BASE}/attachments", files={"file": (f"ảnh hiện trường {n}.png", data)},
                               headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_every_acknowledged_upload_survives_a_kill_9_of_nats(
    node: Node, settings: Settings, token_for: Any
) -> None:
    settings = settings.model_copy(update={"service_name": "submission", "nats_url": node.url})
    nc = await nats.connect(node.url)
    await provision(nc.jetstream(timeout=10), settings)
    await nc.close()
    runtime: ServiceRuntime = build_runtime(settings, run_projections=False)
    app = build_app(runtime, FixedClock(dt.datetime(2026, 9, 10, 9, 0, tzinfo=dt.UTC)))
    headers = {"Authorization": f"Bearer {token_for(['submitter'], commune=COMMUNE)}"}
    files = [photo(n) for n in range(UPLOADS)]

    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        acknowledged = await asyncio.gather(*(upload(http, headers, n, data) for n, data in enumerate(files)))
        node.proc.kill()  # SIGKILL the moment the last 201 is in: no flush, no clean shutdown
        node.start()
        assert runtime.nc is not None
        for _ in range(600):  # the service's own connection comes back by itself (bounded: 30 s)
            if runtime.nc.is_connected:
                break
            await asyncio.sleep(0.05)

        for ref, data in zip(acknowledged, files, strict=True):
            for _ in range(100):  # 503 + Retry-After while JetStream recovers its streams: retried, as a client does
                response = await http.get(f"{BASE}/attachments/{ref['attachment_id']}", headers=headers)
                if response.status_code != 503:
                    break
                await asyncio.sleep(0.2)
            assert response.status_code == 200, response.text
            assert response.content == data
            sha256 = hashlib.sha256(response.content).hexdigest()
            assert sha256 == ref["sha256"] == response.headers["X-Checksum-SHA256"]
    assert len(acknowledged) == UPLOADS
