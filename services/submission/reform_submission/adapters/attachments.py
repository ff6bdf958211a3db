"""Initiative attachments in a JetStream object store, beside the events; their checksum kept and verified.

An object store on the node's own nats-server rather than GridFS in the embedded database: that server
fsyncs every write before acknowledging it (`sync_interval: always`), and its stream is the one thing a
node backs up (projections are rebuilt from it). The embedded database lost 1–3 of 20–30 acknowledged
GridFS uploads on kill -9, lost for good since nothing else held them. The evidence of a dossier now
lives as durably as its events, and the city can mirror or source the bucket to open a nominated
initiative's files.

Objects are named `<commune_id>/<attachment_id>` (a UUIDv7): another commune's file is simply absent.
Filename, media type, SHA-256, uploader and time are kept in the object's headers.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable

from nats.js import JetStreamContext
from nats.js.api import ObjectInfo, ObjectMeta, ObjectMetaOptions
from nats.js.errors import BadObjectMetaError, NotFoundError
from nats.js.object_store import OBJ_CHUNKS_PRE_TEMPLATE, OBJ_STREAM_TEMPLATE, ObjectStore

from reform_shared.envelope import TOKEN_PATTERN
from reform_shared.errors import Conflict, NotFound, ServiceUnavailable
from reform_shared.events import AttachmentRef
from reform_shared.ids import Clock, SystemClock, new_id
from reform_submission.adapters.content import (
    ALLOWED_MEDIA_TYPES,
    DOCX,
    JPEG,
    PDF,
    PNG,
    XLSX,
    check_content,
    sniff_media_type,
)

__all__ = ["ALLOWED_MEDIA_TYPES", "DOCX", "JPEG", "PDF", "PNG", "XLSX", "AttachmentCorrupted", "AttachmentStore",
           "sanitize_filename", "sniff_media_type"]

CHUNK_BYTES = 512 * 1024
"""Each chunk is one fsync'd publish. 512 KiB fits a server's default 1 MB max_payload (the node's
allows 4 MB); 20 MB is 40 publishes. Measured here: 128 KiB (nats-py's default) 0.13–0.15 s for 20 MB,
512 KiB 0.07–0.10 s, 1 MiB 0.07 s."""
FILENAME, MEDIA_TYPE, SHA256 = "Reform-Filename", "Reform-Media-Type", "Reform-Sha256"
COMMUNE, UPLOADED_BY, UPLOADED_AT = "Reform-Commune", "Reform-Uploaded-By", "Reform-Uploaded-At"
_MB = 1024 * 1024
MAX_FILENAME_LENGTH = 200
_EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", JPEG: ".jpg", PNG: ".png"}
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
_COMMUNE = re.compile(TOKEN_PATTERN)
_FIELD = "attachments"


class AttachmentCorrupted(RuntimeError):
    """The stored bytes no longer match their recorded checksum: an operator's problem, not a user's."""


def sanitize_filename(filename: str, media_type: str) -> str:
    """The base name only, NFC, without control or reserved characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    # Category C covers control and format characters, e.g. U+202E which shows "gpj.exe" as "exe.jpg".
    name = "".join(" " if char.isspace() else char for char in name
                   if char.isspace() or unicodedata.category(char)[0] != "C")
    name = _WINDOWS_RESERVED.sub("", name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        return f"tep-dinh-kem{_EXTENSIONS.get(media_type, '')}"
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and len(suffix) <= 10:
            name = stem[: MAX_FILENAME_LENGTH - len(suffix) - 1].rstrip(" .") + "." + suffix
        else:
            name = name[:MAX_FILENAME_LENGTH].rstrip(" .")
    return name


def object_name(commune_id: str, attachment_id: str) -> str | None:
    """`<commune_id>/<attachment_id>`, or None when either is not one this store could have made
    (an old GridFS ObjectId, a typo): such an id is simply not found."""
    try:
        canonical = str(uuid.UUID(attachment_id)) == attachment_id
    except ValueError:
        return None
    return f"{commune_id}/{attachment_id}" if canonical and _COMMUNE.match(commune_id) else None


KEYED = uuid.UUID("5b1e0a3c-7d42-4c1e-9f0b-2a6d8e4c1f37")


def keyed_id(commune_id: str, uploaded_by: str, key: str) -> str:
    """The attachment id of an upload under an Idempotency-Key (a UUID, as every id of this store)."""
    return str(uuid.uuid5(KEYED, f"{commune_id}\n{uploaded_by}\n{key}"))


def _not_found(attachment_id: str) -> NotFound:
    shown = attachment_id[:64]
    return NotFound(
        f"Không tìm thấy tệp đính kèm {shown}",
        f"no attachment {shown} in this commune",
        field=_FIELD,
        rule="attachment_exists",
    )


class AttachmentStore:
    """Saves and reads a commune's attachments in the node's attachments object store.

    Errors of NATS itself (server unreachable, publish timed out) propagate as they are: nothing was
    acknowledged, and the HTTP layer answers 503."""

    def __init__(
        self,
        js: JetStreamContext,
        bucket: str,
        *,
        max_bytes: int = 20 * _MB,
        clock: Clock | None = None,
        ids: Callable[[], str] = new_id,
    ) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.max_bytes = max_bytes
        self.js = js
        self.bucket = bucket
        self.stream = OBJ_STREAM_TEMPLATE.format(bucket=bucket)
        self.objects = ObjectStore(name=bucket, stream=self.stream, js=js)
        self.clock: Clock = clock or SystemClock()
        self.ids = ids

    async def save(self, *, commune_id: str, uploaded_by: str, filename: str, data: bytes,
                   key: str | None = None) -> AttachmentRef:
        """Check size, type and structure, then store; the returned reference goes into the event.
        It returns once every chunk and the object's metadata are acknowledged, i.e. on disk.

        With a `key` (the client's Idempotency-Key) the id is the key's, for this uploader: the same file sent
        again under it (a form retried after its answer was lost) is the attachment stored the first time; another
        file under a used key is a conflict, never a replacement of what a dossier may already reference."""
        media_type = await asyncio.to_thread(self.check, data)  # parsing 20 MB must not stall the loop
        self._available()
        attachment_id = self.ids() if key is None else keyed_id(commune_id, uploaded_by, key)
        if key is not None:
            stored = await self._stored(commune_id, attachment_id)
            if stored is not None:
                if stored.sha256 != hashlib.sha256(data).hexdigest():
                    raise Conflict("Khoá Idempotency-Key này đã dùng cho một tệp khác",
                                   "this Idempotency-Key was used for another file", field="Idempotency-Key",
                                   rule="idempotency_key_reused")
                return stored
        name = object_name(commune_id, attachment_id)
        if name is None:
            raise ValueError(f"cannot store an attachment of commune {commune_id!r} as {attachment_id!r}")
        ref = AttachmentRef(attachment_id=attachment_id, filename=sanitize_filename(filename, media_type),
                            media_type=media_type, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        headers = {FILENAME: ref.filename, MEDIA_TYPE: media_type, SHA256: ref.sha256, COMMUNE: commune_id,
                   UPLOADED_BY: uploaded_by, UPLOADED_AT: self.clock.now().isoformat()}
        # Values as lists: the shape of nats.go's ObjectMeta.Headers, so the nats CLI and Go clients read them.
        meta = ObjectMeta(name=name, headers={key: [value] for key, value in headers.items()},
                          options=ObjectMetaOptions(max_chunk_size=CHUNK_BYTES))
        await self.objects.put(name, data, meta=meta)
        return ref

    def check(self, data: bytes) -> str:
        """The media type of acceptable content, or the rule it breaks."""
        return check_content(data, self.max_bytes)

    async def describe(self, commune_id: str, attachment_id: str) -> AttachmentRef:
        """The reference of a commune's attachment, without reading its bytes."""
        return _ref(attachment_id, await self._info(commune_id, attachment_id))

    async def read(self, commune_id: str, attachment_id: str) -> tuple[AttachmentRef, bytes]:
        """A commune's attachment and its bytes, verified against the stored checksum."""
        info = await self._info(commune_id, attachment_id)
        ref = _ref(attachment_id, info)
        data = await self._chunks(info)
        if len(data) != ref.size or hashlib.sha256(data).hexdigest() != ref.sha256:
            raise AttachmentCorrupted(f"attachment {attachment_id} does not match its sha256 {ref.sha256}")
        return ref, data

    def _available(self) -> None:
        """Refuse at once (503) while NATS is away, rather than after the publish timeout."""
        if not self.js._nc.is_connected:
            raise ServiceUnavailable("nats", "not connected")

    async def _stored(self, commune_id: str, attachment_id: str) -> AttachmentRef | None:
        try:
            return _ref(attachment_id, await self._info(commune_id, attachment_id))
        except NotFound:
            return None

    async def _info(self, commune_id: str, attachment_id: str) -> ObjectInfo:
        name = object_name(commune_id, attachment_id)
        if name is None:
            raise _not_found(attachment_id)
        self._available()
        try:
            return await self.objects.get_info(name)
        except NotFoundError as exc:  # ObjectNotFoundError is one; a deleted object is not found too
            raise _not_found(attachment_id) from exc
        except BadObjectMetaError as exc:
            raise AttachmentCorrupted(f"attachment {attachment_id} has unreadable metadata") from exc

    async def _chunks(self, info: ObjectInfo) -> bytes:
        """The chunks by direct get, one request each. nats-py's `ObjectStore.get` reads through an
        ordered push consumer: 0.8 s for 20 MB here against 0.05 s, and it waits forever for a chunk
        that is missing; a missing chunk here is a 404 from the server, so corruption, reported."""
        subject = OBJ_CHUNKS_PRE_TEMPLATE.format(bucket=self.bucket, obj=info.nuid)
        parts: list[bytes] = []
        seq = 1
        for _ in range(info.chunks or 0):
            try:
                msg = await self.js.get_msg(self.stream, seq=seq, subject=subject, next=True, direct=True)
            except NotFoundError as exc:
                raise AttachmentCorrupted(f"object {info.name} misses chunks after {len(parts)}") from exc
            parts.append(msg.data or b"")
            seq = (msg.seq or seq) + 1
        return b"".join(parts)


def _ref(attachment_id: str, info: ObjectInfo) -> AttachmentRef:
    headers = info.headers or {}

    def header(key: str) -> str:
        value = headers.get(key)
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
        raise AttachmentCorrupted(f"attachment {attachment_id} has no {key} header")

    return AttachmentRef(attachment_id=attachment_id, filename=header(FILENAME), media_type=header(MEDIA_TYPE),
                         size=info.size or 0, sha256=header(SHA256))

