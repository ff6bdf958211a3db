"""A catalogue file as events: a recognised initiative's attachment cut into chunks, then one `CatalogueFileSent`.

Pure rules, no I/O: what to append so that an aggregate holds the whole file once (a round that stopped half-way
appends only the missing chunks; a complete one appends nothing), and the bytes back from an aggregate's events,
checked against the SHA-256 and the size the catalogue published. A file whose bytes do not match is never
returned: `FileRefused` says why, for the log and the reader's answer.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

from reform_shared.envelope import EventPayload
from reform_shared.events.replication import CatalogueFileChunk, CatalogueFileSent
from reform_shared.events.submission import AttachmentRef

CHUNK_BYTES = 256 * 1024
"""Decoded bytes per chunk: an event of about 350 KB in base64, under every server's max_payload (1 MB)."""


class FileRefused(Exception):
    """The events of a catalogue file do not hold the file the catalogue names (tampered, truncated, too big)."""


def chunks_of(data: bytes) -> list[bytes]:
    return [data[i:i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)] or [b""]


def to_send(file_id: str, entry_id: str, origin: str, ref: AttachmentRef, data: bytes,
            history: Iterable[EventPayload]) -> list[EventPayload]:
    """The events that complete the file's aggregate: the chunks it lacks, then the marker; none once marked."""
    have: set[int] = set()
    for payload in history:
        if isinstance(payload, CatalogueFileSent):
            return []
        if isinstance(payload, CatalogueFileChunk):
            have.add(payload.index)
    pieces = chunks_of(data)
    missing: list[EventPayload] = [
        CatalogueFileChunk(file_id=file_id, index=i, data=base64.b64encode(piece).decode("ascii"))
        for i, piece in enumerate(pieces) if i not in have]
    return [*missing, CatalogueFileSent(file_id=file_id, entry_id=entry_id, origin_commune_id=origin,
                                        attachment=ref, chunks=len(pieces))]


def assemble(history: Iterable[EventPayload], ref: AttachmentRef, max_bytes: int) -> bytes:
    """The file's bytes from its aggregate's events, checked against `ref` (the catalogue's reference)."""
    pieces: dict[int, bytes] = {}
    marker: CatalogueFileSent | None = None
    total = 0
    for payload in history:
        if isinstance(payload, CatalogueFileChunk) and marker is None:
            if payload.index in pieces:
                raise FileRefused(f"chunk {payload.index} twice")
            pieces[payload.index] = base64.b64decode(payload.data, validate=True)
            total += len(pieces[payload.index])
            if total > max_bytes:
                raise FileRefused(f"more than {max_bytes} bytes")
        elif isinstance(payload, CatalogueFileSent) and marker is None:
            marker = payload
    if marker is None:
        raise FileRefused("not complete")
    if sorted(pieces) != list(range(marker.chunks)):
        raise FileRefused(f"chunks {sorted(pieces)} of {marker.chunks}")
    data = b"".join(pieces[i] for i in range(marker.chunks))
    digest = hashlib.sha256(data).hexdigest()
    if digest != ref.sha256 or len(data) != ref.size:
        raise FileRefused(f"SHA-256 {digest} ({len(data)} bytes), the catalogue names {ref.sha256} ({ref.size})")
    return data
