"""A whole commune node as processes for a bench section: free ports in the bench's folder, the demo loaded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bench.environment import Environment
from reform_node.demo import load_demo
from reform_node.node import SERVICES, CommuneNode, NodeConfig
from reform_node.servers import free_port


@dataclass
class DemoNode:
    config: NodeConfig
    node: CommuneNode
    demo: dict[str, Any]
    started_in: float
    """Seconds from the start until the node was ready and the demo loaded."""


@asynccontextmanager
async def demo_node(env: Environment, folder: str, node_id: str) -> AsyncIterator[DemoNode]:
    config = NodeConfig(data_dir=env.base / folder, node_id=node_id, nats_port=free_port(),
                        nats_http_port=free_port(), mongo_port=free_port(),
                        service_ports={s: free_port() for s in SERVICES})
    node = CommuneNode(config)
    started = time.perf_counter()
    await asyncio.to_thread(node.start)
    try:
        demo = await asyncio.to_thread(load_demo, config.settings(), config.url("submission"),
                                       evaluation_url=config.url("evaluation"), directory_url=config.url("directory"))
        yield DemoNode(config, node, demo, time.perf_counter() - started)
    finally:
        await asyncio.to_thread(node.stop)
