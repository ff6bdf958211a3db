"""An ASGI app served by uvicorn on a free port, in a thread with its own event loop (the services' NATS and
Mongo clients, the portal's HTTP client live there), so a real browser and real HTTP reach it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI

from reform_node.servers import free_port


@dataclass
class LiveServer:
    name: str
    build: Callable[[], FastAPI]
    port: int = field(default_factory=free_port)
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    failure: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> LiveServer:
        self.thread = threading.Thread(target=self._run, name=f"live-{self.name}", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not (self.server and self.server.started):
            if self.failure is not None or not self.thread.is_alive():
                raise RuntimeError(f"{self.name} did not start") from self.failure
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not start within {timeout} s")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=30)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # noqa: BLE001 - reported to the thread that waits in start()
            self.failure = exc

    async def _serve(self) -> None:
        config = uvicorn.Config(self.build(), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", access_log=False)
        self.server = uvicorn.Server(config)
        await self.server.serve()
