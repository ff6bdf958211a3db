"""HTTP helpers of the city pages' tests: a signed-in client per person, forms posted with their CSRF token and
their idempotency key, and the text of one element of a page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from dev_sign_in import Person
from portal_stack import Stack, sign_in_over_http


@pytest.fixture(name="clients")
def clients_fixture() -> Iterator[dict[str, httpx.Client]]:
    opened: dict[str, httpx.Client] = {}
    yield opened
    for client in opened.values():
        client.close()


def as_(stack: Stack, clients: dict[str, httpx.Client], person: Person) -> httpx.Client:
    if person.user_id not in clients:
        clients[person.user_id] = httpx.Client(base_url=stack.portal.url, timeout=15)
        sign_in_over_http(clients[person.user_id], stack.portal.url, person)
    return clients[person.user_id]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def post(client: httpx.Client, path: str, data: dict[str, str], form_at: str | None = None) -> httpx.Response:
    page = client.get(form_at or path).text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    return client.post(path, data={"csrf_token": csrf_of(page), "idempotency_key": key.group(1) if key else "",
                                   **data})


def text_of(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|p|td)>', html, re.S)
    assert found, html
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()
