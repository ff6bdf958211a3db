"""The port every delivery channel implements: e-mail now, Zalo OA (or SMS) later, behind the same call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    """A rendered message to one person: what any channel sends."""

    to_name: str
    to_address: str
    subject: str
    text: str
    html: str


class DeliveryFailed(Exception):
    """The channel could not deliver now; the outbox retries later with backoff."""


class Channel(Protocol):
    name: str

    def address_of(self, email: str | None) -> str | None:
        """The person's address on this channel, or None when the channel cannot reach the person."""

    async def send(self, message: Message) -> None:
        """Deliver, or raise DeliveryFailed."""
