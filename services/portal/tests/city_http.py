"""HTTP helpers of the city pages' tests: forms posted with their CSRF token and their idempotency key, and the
text of one element of a page (a signed-in client per person: `portal_stack.as_`)."""

from __future__ import annotations

import re

import httpx
from portal_stack import csrf_of


def post(client: httpx.Client, path: str, data: dict[str, str], form_at: str | None = None) -> httpx.Response:
    page = client.get(form_at or path).text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    return client.post(path, data={"csrf_token": csrf_of(page), "idempotency_key": key.group(1) if key else "",
                                   **data})


def text_of(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|p|td)>', html, re.S)
    assert found, html
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()
