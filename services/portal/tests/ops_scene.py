"""Scenes for the operator's and the reports' tests: an initiative the reporting service has counted, and an
event no service knows, raw on the node's stream, which the reporting service's `event_audit` parks (as
tests/test_faults.py parks one)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import uuid
from typing import Any

import httpx
import nats
from portal_stack import AUTHOR, SECRETARY, Stack, csrf_of

UNIT = {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"}


def submitted(stack: Stack, campaign_id: str, titles: list[str], field: str = "g", **terms: Any) -> list[str]:
    """A campaign and its initiatives, once the reporting service lists every one of them: their ids."""
    stack.launch(campaign_id, **terms)
    ids = []
    for title in titles:
        body = {"title": title, "unit": UNIT, "field": field,
                "authors": [{"user_id": AUTHOR.user_id, "name": AUTHOR.name}],
                "summary": f"{title}: rút ngắn thời gian giải quyết thủ tục cho người dân."}
        created = stack.eventually(lambda b=body: in_directory(
            stack, stack.api(AUTHOR, "POST", "submission", f"/campaigns/{campaign_id}/initiatives", json=b)))
        ids.append(created["id"])
    stack.eventually(lambda: stack.api(SECRETARY, "GET", "reporting", "/initiatives",
                                       params={"campaign_id": campaign_id}),
                     lambda body: body["count"] == len(titles))
    return ids


def in_directory(stack: Stack, answer: httpx.Response) -> httpx.Response:
    """Once a test of the session has given the commune a directory, a dossier's unit and author must be in it:
    they are added then (never before: a commune without a directory takes any unit)."""
    rule = answer.json().get("error", {}).get("rule") if answer.status_code == 422 else None
    if rule == "unit_in_directory":
        stack.api(SECRETARY, "POST", "directory", "/directory/units", json={**UNIT, "kind": "phong"})
    elif rule == "author_in_directory":
        stack.api(SECRETARY, "POST", "directory", "/directory/officials", json={
            "official_id": AUTHOR.user_id, "full_name": AUTHOR.name, "unit_id": UNIT["unit_id"],
            "roles": list(AUTHOR.roles)})
    return answer


async def _publish(stack: Stack, subject: str, body: bytes) -> int:
    nc = await nats.connect(stack.settings.nats_url)
    try:
        ack = await nc.jetstream().publish(subject, body)
        return int(ack.seq)
    finally:
        await nc.close()


def unknown_event(stack: Stack) -> int:
    """An event of a type no service knows (a newer producer's, say): its stream sequence."""
    marker = uuid.uuid4().hex[:12]
    subject = f"{stack.settings.subject_prefix}.ninh-giang.initiative.{marker}.InitiativeTeleported"
    body = json.dumps({"event_type": "InitiativeTeleported", "payload": {"where": marker}}).encode()
    with concurrent.futures.ThreadPoolExecutor(1) as thread:  # its own loop: Playwright's may be running here
        return thread.submit(asyncio.run, _publish(stack, subject, body)).result()


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def post_from(client: httpx.Client, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Submits the form of `page` at `action` as a browser would: its CSRF token and idempotency key."""
    html = client.get(page).text
    return client.post(action, data={"csrf_token": csrf_of(html), "idempotency_key": hidden(html, "idempotency_key"),
                                     **data})
