"""The portal's client of the services: what it sends again and what it never does."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reform_portal.api import ApiOutage, ServiceApi

pytestmark = pytest.mark.domain


def dropping_once() -> tuple[httpx.MockTransport, list[str]]:
    """A service whose first answer is lost: the connection closed by the other side before any byte came."""
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if len(seen) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(200, json={"ok": True})

    return httpx.MockTransport(handle), seen


async def call(send: str) -> tuple[object, list[str]]:
    transport, seen = dropping_once()
    async with httpx.AsyncClient(transport=transport) as http:
        api = ServiceApi(http, {"submission": "http://submission"})
        try:
            if send == "read":
                return await api.get("submission", "t", "/x"), seen
            if send == "keyed":
                return await api.command("submission", "t", "POST", "/x", {}, idempotency_key="k-1"), seen
            return await api.upload("submission", "t", "/x", "a.pdf", b"%PDF", "application/pdf"), seen
        except ApiOutage as outage:
            return outage, seen


def test_a_read_whose_connection_was_closed_is_sent_again_once() -> None:
    answer, seen = asyncio.run(call("read"))
    assert answer == {"ok": True} and seen == ["GET", "GET"]


def test_a_command_under_its_key_is_sent_again_once() -> None:
    answer, seen = asyncio.run(call("keyed"))
    assert answer == {"ok": True} and seen == ["POST", "POST"]


def test_a_post_without_a_key_is_never_sent_twice() -> None:
    answer, seen = asyncio.run(call("unkeyed"))
    assert isinstance(answer, ApiOutage) and seen == ["POST"]
