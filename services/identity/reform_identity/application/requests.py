"""Authorization requests waiting for the official to sign in: kept server-side (the form carries only
its id and the CSRF token, which must match the cookie and the stored one)."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.ids import Clock

REQUESTS = "sign_in_requests"


class SignInRequests:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], clock: Clock, seconds: int) -> None:
        self._requests = db[REQUESTS]
        self._clock = clock
        self._seconds = seconds

    async def open(self, params: dict[str, Any]) -> dict[str, Any]:
        doc = {"_id": secrets.token_urlsafe(24), "csrf": secrets.token_urlsafe(24), **params,
               "expires_at": self._clock.now() + dt.timedelta(seconds=self._seconds)}
        await self._requests.insert_one(doc)
        return doc

    async def find(self, request_id: str, csrf_form: str, csrf_cookie: str | None) -> dict[str, Any] | None:
        """The pending request, when the form's CSRF token is the cookie's and the request's."""
        doc = await self._requests.find_one({"_id": request_id})
        if doc is None or not csrf_cookie:
            return None
        expires = doc["expires_at"] if doc["expires_at"].tzinfo else doc["expires_at"].replace(tzinfo=dt.UTC)
        if expires < self._clock.now():
            return None
        if not (hmac.compare_digest(doc["csrf"], csrf_form) and hmac.compare_digest(doc["csrf"], csrf_cookie)):
            return None
        return doc

    async def find_upstream(self, state: str, binding: str | None) -> dict[str, Any] | None:
        """The pending request the upstream provider answers (by its `state`), in the browser that began it
        (the binding cookie is the request's CSRF token)."""
        if not state or not binding:
            return None
        doc = await self._requests.find_one({"upstream.state": state})
        if doc is None:
            return None
        expires = doc["expires_at"] if doc["expires_at"].tzinfo else doc["expires_at"].replace(tzinfo=dt.UTC)
        if expires < self._clock.now() or not hmac.compare_digest(doc["csrf"], binding):
            return None
        return doc

    async def update(self, request_id: str, **fields: Any) -> None:
        await self._requests.update_one({"_id": request_id}, {"$set": fields})

    async def close(self, request_id: str) -> None:
        await self._requests.delete_one({"_id": request_id})
