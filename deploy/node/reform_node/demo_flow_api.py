"""The demo flow's HTTP side: one client with the tokens of the commune's people, commands sent with their
Idempotency-Key (a refusal meaning "already done" counted as done, what changed recorded as an action),
and polling a read model until it shows what the commands did.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import httpx

from reform_node.demo import bearer, token
from reform_shared.settings import Settings


class DemoFlowError(RuntimeError):
    """A step of the demo flow was refused for a reason other than "already done"."""


class FlowApi:
    """One HTTP client, the tokens of the commune's people, and what was done."""

    def __init__(self, http: httpx.Client, settings: Settings, commune: str) -> None:
        self.http, self.settings, self.commune = http, settings, commune
        self.actions: list[str] = []

    def headers(self, user_id: str, name: str, *roles: str, key: str | None = None) -> dict[str, str]:
        headers = bearer(token(self.settings, user_id, name, list(roles), commune=self.commune,
                               ttl=dt.timedelta(hours=1)))
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, url: str, headers: dict[str, str], *, ok: tuple[int, ...] = (200,)) -> httpx.Response:
        response = self.http.get(url, headers=headers)
        if response.status_code not in ok:
            raise DemoFlowError(f"GET {url}: {response.status_code} {response.text}")
        return response

    def command(self, action: str, method: str, url: str, headers: dict[str, str], body: Any = None,
                done_rules: tuple[str, ...] = ()) -> dict[str, Any]:
        """Send a command; its answer, or {"refused": rule} when one of `done_rules` refused it.

        Recorded as an action only when it appended something (not a replay, not "no change")."""
        response = self.http.request(method, url, headers=headers, json=body)
        if response.is_success:
            answer: dict[str, Any] = response.json()
            if response.headers.get("Idempotent-Replayed") != "true" and answer.get("changed", True) is not False:
                self.actions.append(action)
            return answer
        try:
            rule = response.json().get("error", {}).get("rule")
        except ValueError:  # not JSON (a proxy's error page)
            rule = None
        if rule in done_rules:
            return {"refused": rule}
        raise DemoFlowError(f"{action}: {method} {url}: {response.status_code} {response.text}")


def wait_until(fetch: Callable[[], Any], until: Callable[[Any], bool], timeout: float, what: str) -> Any:
    """Poll a read model until it shows what the commands did (projections are eventually consistent)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise DemoFlowError(f"timed out after {timeout}s waiting for {what}; last seen: {value}")
        time.sleep(0.05)
