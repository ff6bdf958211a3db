"""The load of the chaos tier: clients that submit initiatives and upload attachments, each command under its
own Idempotency-Key, retried with the same key and the same body until a definitive answer."""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from reform_node.demo import COMMUNE, UNITS
from reform_shared.idempotency import scoped_key

OPERATION = "submit_initiative"
RETRYABLE_STATUSES = frozenset({408, 425, 429})
"""Besides 5xx: answers that say "try again", not "this is the outcome"."""


@dataclass
class Attempt:
    at: float
    outcome: str
    status: int | None = None
    body: Any = None
    replayed: bool = False


@dataclass
class Command:
    """One initiative submission and every attempt made for it (first send, retries, deliberate re-sends)."""

    client_key: str
    user: str
    body: dict[str, Any]
    attempts: list[Attempt] = field(default_factory=list)
    unresolved: bool = False
    """No definitive answer before the clients gave up."""

    @property
    def scoped_key(self) -> str:
        return scoped_key(COMMUNE, self.user, OPERATION, self.client_key)

    @property
    def first_success(self) -> Attempt | None:
        return next((a for a in self.attempts if a.status is not None and 200 <= a.status < 300), None)


@dataclass
class Upload:
    name: str
    data: bytes
    attempts: list[Attempt] = field(default_factory=list)
    attachment_id: str | None = None
    server_sha256: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class Recorder:
    """What the clients saw: every outcome, counted, with a few samples of the bodies of server errors."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.samples: dict[str, list[str]] = {}
        self._marked: Counter[str] = Counter()

    def record(self, outcome: str, detail: str = "") -> None:
        self.counts[outcome] += 1
        if detail:
            samples = self.samples.setdefault(outcome, [])
            if len(samples) < 3 and detail not in samples:
                samples.append(detail[:300])

    def since_last_mark(self) -> dict[str, int]:
        """The counts since the previous call: what the clients saw between two events of the timeline."""
        delta = self.counts - self._marked
        self._marked = Counter(self.counts)
        return dict(sorted(delta.items()))


def classify(response: httpx.Response) -> str:
    status = response.status_code
    if status in (200, 201):
        return f"{status} replayed" if response.headers.get("Idempotent-Replayed") == "true" else str(status)
    if 400 <= status < 500:
        try:
            rule = response.json().get("error", {}).get("rule")
        except ValueError:
            rule = None
        return f"{status} {rule}" if rule else str(status)
    return str(status)


def definitive(status: int) -> bool:
    return status < 500 and status not in RETRYABLE_STATUSES


@dataclass
class Load:
    """Shared state of the clients: where to send, when to stop starting commands, when to give up retrying."""

    submission_url: str
    campaign_id: str
    recorder: Recorder
    timeout: float = 5.0
    commands: list[Command] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    stop_new: asyncio.Event = field(default_factory=asyncio.Event)
    give_up_at: float = float("inf")
    patience: float | None = None
    """When set, each request is sent until this many seconds after its first attempt, whatever give_up_at says."""

    @property
    def base(self) -> str:
        return f"{self.submission_url}/api/v1/communes/{COMMUNE}"

    async def _attempt(self, operation: str, send: Any) -> Attempt:
        at = time.monotonic()
        try:
            response = await send()
        except httpx.TimeoutException as exc:
            self.recorder.record(f"{operation} timeout", type(exc).__name__)
            return Attempt(at, "timeout")
        except httpx.TransportError as exc:
            self.recorder.record(f"{operation} connection error", type(exc).__name__)
            return Attempt(at, "connection error")
        outcome = classify(response)
        body: Any
        try:
            body = response.json()
        except ValueError:
            body = response.text[:300]
        self.recorder.record(f"{operation} {outcome}", "" if response.status_code < 500 else response.text)
        return Attempt(at, outcome, response.status_code, body, response.headers.get("Idempotent-Replayed") == "true")

    async def until_definitive(self, operation: str, attempts: list[Attempt], send: Any) -> bool:
        """Send (the same request) until a definitive answer; False when the clients gave up first."""
        backoff = 0.1
        give_up_at = self.give_up_at if self.patience is None else time.monotonic() + self.patience
        while time.monotonic() < give_up_at:
            attempt = await self._attempt(operation, send)
            attempts.append(attempt)
            if attempt.status is not None and definitive(attempt.status):
                return True
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 1.0)
        return False

    async def submit(self, http: httpx.AsyncClient, command: Command, headers: dict[str, str]) -> None:
        url = f"{self.base}/campaigns/{self.campaign_id}/initiatives"
        keyed = {**headers, "Idempotency-Key": command.client_key}
        def send() -> Any:
            return http.post(url, json=command.body, headers=keyed)

        if not await self.until_definitive("submit", command.attempts, send):
            command.unresolved = True

    async def upload(self, http: httpx.AsyncClient, upload: Upload, headers: dict[str, str]) -> None:
        url = f"{self.base}/attachments"

        def send() -> Any:
            return http.post(url, files={"file": (upload.name, upload.data, "application/pdf")}, headers=headers)

        await self.until_definitive("upload", upload.attempts, send)
        last = upload.attempts[-1] if upload.attempts else None
        if last is not None and last.status == 201 and isinstance(last.body, dict):
            upload.attachment_id = str(last.body.get("attachment_id"))
            upload.server_sha256 = last.body.get("sha256")


def initiative_body(user: str, client_index: int, n: int, seed: int) -> dict[str, Any]:
    """A dossier whose title is unique (a title is unique per unit and campaign)."""
    return {
        "title": f"Sáng kiến kiểm thử {seed}-{client_index}-{n}: số hóa hồ sơ một cửa",
        "unit": UNITS[client_index % len(UNITS)],
        "author_kind": "individual",
        "authors": [{"user_id": user, "name": f"Cán bộ kiểm thử {client_index}"}],
        "field": "abcdg"[n % 5],
        "summary": f"Dossier {n} of client {client_index}, submitted while the node's processes are killed.",
    }


async def submitter(load: Load, headers_of: Any, client_index: int, seed: int, resend_ratio: float = 0.2) -> None:
    """One client: a new command after each definitive answer; now and then the same command sent again."""
    rng = random.Random(seed * 1000 + client_index)
    user = f"chaos-client-{client_index}"
    headers = headers_of(user)
    async with httpx.AsyncClient(timeout=load.timeout) as http:
        n = 0
        while not load.stop_new.is_set():
            command = Command(f"chaos-{seed}-{client_index}-{n}", user, initiative_body(user, client_index, n, seed))
            load.commands.append(command)
            await load.submit(http, command, headers)
            if command.first_success is not None and rng.random() < resend_ratio:
                await load.submit(http, command, headers)  # a retry whose first answer was not lost
            n += 1
            await asyncio.sleep(rng.uniform(0.02, 0.15))


def pdf_bytes(rng: random.Random, size: int) -> bytes:
    """A real PDF (the service parses it: one page at least) of about `size` bytes: a blank A4 page and
    `size` random bytes as an embedded file, so each upload is distinct."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("du-lieu.bin", rng.randbytes(size))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def uploader(load: Load, headers: dict[str, str], seed: int, pause: tuple[float, float] = (1.0, 2.5)) -> None:
    rng = random.Random(seed * 7919)
    async with httpx.AsyncClient(timeout=max(load.timeout, 10.0)) as http:
        n = 0
        while not load.stop_new.is_set():
            upload = Upload(f"ho-so-{seed}-{n}.pdf", pdf_bytes(rng, rng.randint(10_000, 400_000)))
            load.uploads.append(upload)
            await load.upload(http, upload, headers)
            n += 1
            await asyncio.sleep(rng.uniform(*pause))
