"""Initiative attachments stored in GridFS, their type judged from the content and their checksum kept.

GridFS rather than a folder on disk: the files live in the same database the node already runs and
backs up (SecantusDB embedded, MongoDB in production), are split in chunks under the 16 MB document
limit, and are scoped by commune in the same query that finds them.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from typing import Any

from bson import ObjectId
from gridfs.asynchronous import AsyncGridFSBucket, AsyncGridOut
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.errors import NotFound, RuleViolation
from reform_shared.events import AttachmentRef
from reform_shared.ids import Clock, SystemClock

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
PNG = "image/png"

ALLOWED_MEDIA_TYPES: dict[str, str] = {
    PDF: "Tài liệu PDF (.pdf)",
    DOCX: "Văn bản Word (.docx)",
    XLSX: "Bảng tính Excel (.xlsx)",
    JPEG: "Ảnh JPEG (.jpg)",
    PNG: "Ảnh PNG (.png)",
}
_EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", JPEG: ".jpg", PNG: ".png"}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_MB = 1024 * 1024
MAX_FILENAME_LENGTH = 200
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
_FIELD = "attachments"


class AttachmentCorrupted(RuntimeError):
    """The stored bytes no longer match their recorded checksum: an operator's problem, not a user's."""


def sniff_media_type(data: bytes) -> str | None:
    """The allowed media type the bytes really are, or None; the file name plays no part."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data.startswith(_ZIP_LOCAL_HEADER):
        return _sniff_office(data)
    return None


def _sniff_office(data: bytes) -> str | None:
    # Only the central directory is read, never a member: a zip bomb costs nothing here.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    # A .docm/.xlsm renamed .docx/.xlsx carries macros; refuse it rather than pass it to the council.
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None
    is_docx, is_xlsx = "word/document.xml" in names, "xl/workbook.xml" in names
    if is_docx and not is_xlsx:
        return DOCX
    if is_xlsx and not is_docx:
        return XLSX
    return None


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


def _megabytes(size: int) -> str:
    return f"{size / _MB:.3g}"


def _not_found(attachment_id: str) -> NotFound:
    shown = attachment_id[:64]
    return NotFound(
        f"Không tìm thấy tệp đính kèm {shown}",
        f"no attachment {shown} in this commune",
        field=_FIELD,
        rule="attachment_exists",
    )


class AttachmentStore:
    """Saves and reads a commune's attachments in one GridFS bucket."""

    def __init__(
        self,
        db: AsyncDatabase[Any],
        *,
        max_bytes: int = 20 * _MB,
        bucket_name: str = "attachments",
        clock: Clock | None = None,
    ) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.max_bytes = max_bytes
        self.bucket = AsyncGridFSBucket(db, bucket_name=bucket_name)
        self.clock: Clock = clock or SystemClock()

    async def save(self, *, commune_id: str, uploaded_by: str, filename: str, data: bytes) -> AttachmentRef:
        """Check size and content type, then store; the returned reference goes into the event."""
        media_type = self.check(data)
        name = sanitize_filename(filename, media_type)
        sha256 = hashlib.sha256(data).hexdigest()
        metadata = {
            "commune_id": commune_id,
            "uploaded_by": uploaded_by,
            "sha256": sha256,
            "media_type": media_type,
            "uploaded_at": self.clock.now(),
        }
        file_id = await self.bucket.upload_from_stream(name, data, metadata=metadata)
        return AttachmentRef(attachment_id=str(file_id), filename=name, media_type=media_type, size=len(data),
                             sha256=sha256)

    def check(self, data: bytes) -> str:
        """The media type of acceptable content, or the rule it breaks."""
        if not data:
            raise RuleViolation("Tệp đính kèm rỗng", "the attachment is empty", field=_FIELD,
                                rule="attachment_not_empty")
        if len(data) > self.max_bytes:
            limit = _megabytes(self.max_bytes)
            raise RuleViolation(
                f"Tệp đính kèm vượt quá dung lượng cho phép {limit.replace('.', ',')} MB "
                f"(tệp có {_megabytes(len(data)).replace('.', ',')} MB)",
                f"the attachment exceeds the {limit} MB limit",
                field=_FIELD,
                rule="attachment_max_size",
                details={"max_bytes": self.max_bytes, "size": len(data)},
            )
        media_type = sniff_media_type(data)
        if media_type is None:
            labels = ", ".join(ALLOWED_MEDIA_TYPES.values())
            raise RuleViolation(
                f"Loại tệp không được chấp nhận (xác định theo nội dung tệp, không theo tên tệp). "
                f"Chỉ nhận: {labels}",
                "file type not allowed, judged from the file's content, not its name; "
                f"allowed: {', '.join(ALLOWED_MEDIA_TYPES)}",
                field=_FIELD,
                rule="attachment_type",
                details={"allowed": list(ALLOWED_MEDIA_TYPES)},
            )
        return media_type

    async def describe(self, commune_id: str, attachment_id: str) -> AttachmentRef:
        """The reference of a commune's attachment, without reading its bytes."""
        return _ref(await self._open(commune_id, attachment_id))

    async def read(self, commune_id: str, attachment_id: str) -> tuple[AttachmentRef, bytes]:
        """A commune's attachment and its bytes, verified against the stored checksum."""
        grid_out = await self._open(commune_id, attachment_id)
        ref = _ref(grid_out)
        try:
            data = await grid_out.read()
        except NoFile as exc:  # deleted between the lookup and the read
            raise _not_found(attachment_id) from exc
        if hashlib.sha256(data).hexdigest() != ref.sha256:
            raise AttachmentCorrupted(f"attachment {attachment_id} does not match its sha256 {ref.sha256}")
        return ref, data

    async def _open(self, commune_id: str, attachment_id: str) -> AsyncGridOut:
        if not ObjectId.is_valid(attachment_id):
            raise _not_found(attachment_id)
        # The commune is in the query itself: another commune's file is simply absent, never fetched.
        cursor = self.bucket.find({"_id": ObjectId(attachment_id), "metadata.commune_id": commune_id}).limit(1)
        found = await cursor.to_list()
        if not found:
            raise _not_found(attachment_id)
        return found[0]


def _ref(grid_out: AsyncGridOut) -> AttachmentRef:
    metadata = grid_out.metadata or {}
    return AttachmentRef(
        attachment_id=str(grid_out._id),
        filename=grid_out.filename,
        media_type=metadata["media_type"],
        size=grid_out.length,
        sha256=metadata["sha256"],
    )
