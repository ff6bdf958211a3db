"""E-mail over SMTP (aiosmtplib): plain text and HTML from Vietnamese templates.

Headers are generated with `email.policy.SMTP` but never folded below 998 characters: CPython's folding of
RFC 2047 encoded words drops the space between two words of a long Vietnamese subject (CPython #92081,
still on 3.11.7 here); one unfolded encoded header line is valid (RFC 5322 allows 998) and read back whole.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from reform_notifications.application.ports import DeliveryFailed, Message

UNFOLDED = policy.SMTP.clone(max_line_length=998)


def mime_of(message: Message, sender: str) -> EmailMessage:
    mail = EmailMessage(policy=UNFOLDED)
    mail["From"] = sender
    mail["To"] = Address(message.to_name, addr_spec=message.to_address)
    mail["Subject"] = message.subject
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "reform.local")
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    return mail


class SmtpChannel:
    """The e-mail channel: a real SMTP server (the node's relay; aiosmtpd in tests)."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self._host, self._port, self._sender, self._timeout = host, port, sender, timeout

    def address_of(self, email: str | None) -> str | None:
        return email or None

    async def send(self, message: Message) -> None:
        try:
            # Sent as the bytes generated here: aiosmtplib would flatten a message object again with its own
            # policy, and fold the subject as the bug does.
            await aiosmtplib.send(mime_of(message, self._sender).as_bytes(), sender=self._sender,
                                  recipients=[message.to_address], hostname=self._host, port=self._port,
                                  timeout=self._timeout, start_tls=False)
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
