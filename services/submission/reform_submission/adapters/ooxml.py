"""Word and Excel files (OOXML zip packages) judged by their structure, with a zip bomb guard.

Only the central directory is read to say which kind a package claims to be; the structural check then
reads every member once (the CRC pass), but only after the declared sizes and compression ratios were
found reasonable, and never more than `MAX_UNCOMPRESSED_BYTES` in total whatever the archive declares.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CONTENT_TYPES = "[Content_Types].xml"
MAIN_PART = {DOCX: ("word/document.xml", "document"), XLSX: ("xl/workbook.xml", "workbook")}
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_RATIO = 100
"""Deflated XML reaches 10-30x; a bomb reaches 1000x. Only members above `_RATIO_FLOOR` are judged."""
_RATIO_FLOOR = 1024 * 1024
_READ = 64 * 1024
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
               RuntimeError, zlib.error)


@dataclass(frozen=True)
class Defect:
    """Why bytes that claim a type are not a sound file of it, in words for the uploader."""

    message_vi: str
    message_en: str


def sniff_office(data: bytes) -> str | None:
    """DOCX or XLSX from the central directory's names alone, or None (macros refused)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except _ZIP_ERRORS:
        return None
    if CONTENT_TYPES not in names:
        return None
    # A .docm/.xlsm renamed .docx/.xlsx carries macros; refuse it rather than pass it to the council.
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None
    is_docx, is_xlsx = MAIN_PART[DOCX][0] in names, MAIN_PART[XLSX][0] in names
    if is_docx and not is_xlsx:
        return DOCX
    if is_xlsx and not is_docx:
        return XLSX
    return None


def office_defect(data: bytes, media_type: str) -> Defect | None:
    """None if the package is sound: sizes sane, every member's CRC right, its key parts well-formed XML."""
    main_part, main_root = MAIN_PART[media_type]
    roots = {CONTENT_TYPES: "Types", main_part: main_root}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            bomb = _bomb_shape(members)
            if bomb is not None:
                return bomb
            budget = MAX_UNCOMPRESSED_BYTES
            for member in members:
                with archive.open(member) as stream:
                    root = roots.get(member.filename)
                    budget -= _read_xml(stream, member.filename, root) if root else _drain(stream)
                if budget < 0:
                    return _too_big()
    except _XmlRefused as refused:
        return Defect(f"phần {refused.part} không phải XML hợp lệ", f"part {refused.part} is not well-formed XML")
    except _ZIP_ERRORS as exc:
        return Defect("tệp nén bị hỏng (sai mã kiểm tra CRC hoặc cấu trúc)", f"the zip package is damaged: {exc}")
    return None


def _bomb_shape(members: list[zipfile.ZipInfo]) -> Defect | None:
    if len(members) > MAX_MEMBERS:
        return Defect(f"có quá nhiều thành phần ({len(members)})", f"too many members ({len(members)})")
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
        return _too_big()
    for member in members:
        if member.file_size > _RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            return Defect(f"thành phần {member.filename[:80]} có tỷ lệ nén bất thường (nghi là bom nén)",
                          f"member {member.filename[:80]} has an abnormal compression ratio (a zip bomb?)")
    return None


def _too_big() -> Defect:
    limit = MAX_UNCOMPRESSED_BYTES // (1024 * 1024)
    return Defect(f"nội dung giải nén vượt quá {limit} MB", f"the uncompressed content exceeds {limit} MB")


def _drain(stream: IO[bytes]) -> int:
    """Read a member to its end, which makes zipfile check its CRC; the bytes read."""
    total = 0
    while block := stream.read(_READ):
        total += len(block)
        if total > MAX_UNCOMPRESSED_BYTES:
            break
    return total


class _XmlRefused(Exception):
    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.part = part


def _read_xml(stream: IO[bytes], name: str, root: str) -> int:
    """Feed a part to expat as it is decompressed: well-formed, the expected root, and no DTD at all
    (OOXML parts never have one, so entity-expansion tricks are refused rather than limited)."""
    parser = expat.ParserCreate()
    seen: list[bool] = []

    def no_dtd(*_: object) -> None:
        raise _XmlRefused(name)

    def element(tag: str, _attrs: object) -> None:
        if not seen:
            if tag.rpartition(":")[2] != root:
                raise _XmlRefused(name)
            seen.append(True)

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.StartElementHandler = element
    total = 0
    try:
        while block := stream.read(_READ):
            total += len(block)
            if total > MAX_UNCOMPRESSED_BYTES:
                return total
            parser.Parse(block, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _XmlRefused(name) from exc
    if not seen:
        raise _XmlRefused(name)
    return total
