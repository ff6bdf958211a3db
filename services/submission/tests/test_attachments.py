"""Attachments: the type judged from the content, and real storage in GridFS on SecantusDB."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.errors import NotFound, RuleViolation
from reform_shared.ids import FixedClock
from reform_shared.settings import Settings
from reform_submission.adapters.attachments import (
    ALLOWED_MEDIA_TYPES,
    DOCX,
    JPEG,
    PDF,
    PNG,
    XLSX,
    AttachmentCorrupted,
    AttachmentStore,
    sanitize_filename,
    sniff_media_type,
)

VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 9, 10, 9, 0, tzinfo=VN)

TINY_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n166\n%%EOF\n"
)
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG_HEADER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
HTML = b"<!DOCTYPE html><html><body><script>alert('x')</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"


def zipped(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


CONTENT_TYPES = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
DOCX_BYTES = zipped({
    "[Content_Types].xml": CONTENT_TYPES,
    "_rels/.rels": "<Relationships/>",
    "word/document.xml": "<w:document><w:body><w:p><w:r><w:t>Tờ trình</w:t></w:r></w:p></w:body></w:document>",
})
XLSX_BYTES = zipped({
    "[Content_Types].xml": CONTENT_TYPES,
    "_rels/.rels": "<Relationships/>",
    "xl/workbook.xml": "<workbook><sheets><sheet name='Chỉ số' sheetId='1'/></sheets></workbook>",
    "xl/worksheets/sheet1.xml": "<worksheet/>",
})


# --- domain tier: what the bytes are, whatever the name says ---------------------------------------------------


@pytest.mark.domain
@pytest.mark.parametrize(
    ("data", "expected"),
    [(TINY_PDF, PDF), (DOCX_BYTES, DOCX), (XLSX_BYTES, XLSX), (PNG_BYTES, PNG), (JPEG_HEADER, JPEG)],
    ids=["pdf", "docx", "xlsx", "png", "jpeg"],
)
def test_allowed_content_is_recognised(data: bytes, expected: str) -> None:
    assert sniff_media_type(data) == expected
    assert expected in ALLOWED_MEDIA_TYPES


@pytest.mark.domain
@pytest.mark.parametrize(
    "data",
    [
        HTML,
        EXE,
        b"",
        b"just some text",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,  # legacy .doc (OLE2) is not on the list
        zipped({"readme.txt": "hello", "src/main.py": "print(1)"}),
        zipped({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w/>", "word/vbaProject.bin": "x"}),
        zipped({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w/>", "xl/workbook.xml": "<x/>"}),
        zipped({"word/document.xml": "<w/>"}),
        DOCX_BYTES[:40],
        b"PK\x03\x04" + os.urandom(200),
        b"x%PDF-1.4",
    ],
    ids=["html", "exe", "empty", "text", "ole2-doc", "random-zip", "docm-macros", "docx-and-xlsx",
         "no-content-types", "truncated-zip", "pk-garbage", "pdf-not-at-start"],
)
def test_other_content_is_refused(data: bytes) -> None:
    assert sniff_media_type(data) is None


@pytest.mark.domain
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/Báo cáo.pdf", "Báo cáo.pdf"),
        ("C:\\Users\\An\\Tờ trình.docx", "Tờ trình.docx"),
        ("Ba\u0301o ca\u0301o.pdf", "Báo cáo.pdf"),  # decomposed (NFD) becomes NFC
        ("Đề\u202excod.exe", "Đềxcod.exe"),  # the right-to-left override that disguises extensions
        ("Kết\tquả\x00\n  số 1.xlsx", "Kết quả số 1.xlsx"),
        ('Hồ<sơ>:"a"|?*.pdf', "Hồsơa.pdf"),
        ("  .ẩn.pdf  ", "ẩn.pdf"),
        ("../..", "tep-dinh-kem.pdf"),
        ("", "tep-dinh-kem.pdf"),
    ],
)
def test_filenames_are_sanitised(given: str, expected: str) -> None:
    assert sanitize_filename(given, PDF) == expected


@pytest.mark.domain
def test_long_filenames_keep_their_extension() -> None:
    name = sanitize_filename("Sáng kiến " * 40 + ".docx", DOCX)
    assert 190 <= len(name) <= 200
    assert name.endswith(".docx")
    assert name.startswith("Sáng kiến")


# --- service tier: GridFS on a real SecantusDB -------------------------------------------------------------------


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    try:
        yield client[settings.database_name]
    finally:
        await client.drop_database(settings.database_name)
        await client.close()


@pytest.fixture
def store(db: AsyncDatabase[dict[str, Any]]) -> AttachmentStore:
    return AttachmentStore(db, clock=FixedClock(NOW))


async def save(store: AttachmentStore, data: bytes, filename: str = "Báo cáo.pdf", commune: str = "ninh-giang") -> Any:
    return await store.save(commune_id=commune, uploaded_by="user-1", filename=filename, data=data)


@pytest.mark.service
async def test_save_then_read_round_trip(store: AttachmentStore, db: AsyncDatabase[dict[str, Any]]) -> None:
    ref = await save(store, TINY_PDF)

    assert ObjectId.is_valid(ref.attachment_id)
    assert (ref.filename, ref.media_type, ref.size) == ("Báo cáo.pdf", PDF, len(TINY_PDF))
    assert ref.sha256 == hashlib.sha256(TINY_PDF).hexdigest()
    read_ref, data = await store.read("ninh-giang", ref.attachment_id)
    assert (read_ref, data) == (ref, TINY_PDF)
    assert await store.describe("ninh-giang", ref.attachment_id) == ref

    stored = await db["attachments.files"].find_one({"_id": ObjectId(ref.attachment_id)})
    assert stored is not None
    assert stored["metadata"] == {"commune_id": "ninh-giang", "uploaded_by": "user-1", "sha256": ref.sha256,
                                  "media_type": PDF, "uploaded_at": NOW}


@pytest.mark.service
@pytest.mark.parametrize(("data", "media_type"), [(DOCX_BYTES, DOCX), (XLSX_BYTES, XLSX), (PNG_BYTES, PNG)])
async def test_each_allowed_type_is_stored(store: AttachmentStore, data: bytes, media_type: str) -> None:
    ref = await save(store, data, filename="tệp")
    assert ref.media_type == media_type
    assert (await store.read("ninh-giang", ref.attachment_id))[1] == data


@pytest.mark.service
async def test_a_file_of_many_chunks_comes_back_whole(
    store: AttachmentStore, db: AsyncDatabase[dict[str, Any]]
) -> None:
    data = JPEG_HEADER + os.urandom(3 * 1024 * 1024)  # twelve 255 KiB chunks and a partial one
    ref = await save(store, data, filename="ảnh hiện trường.jpg")

    assert await db["attachments.chunks"].count_documents({"files_id": ObjectId(ref.attachment_id)}) == 13
    read_ref, read = await store.read("ninh-giang", ref.attachment_id)
    assert read == data
    assert read_ref.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.service
async def test_the_same_bytes_twice_are_two_attachments(store: AttachmentStore) -> None:
    first, second = await save(store, TINY_PDF), await save(store, TINY_PDF)
    assert first.attachment_id != second.attachment_id
    assert first.sha256 == second.sha256


@pytest.mark.service
async def test_an_oversized_file_is_refused(db: AsyncDatabase[dict[str, Any]]) -> None:
    small = AttachmentStore(db, max_bytes=512 * 1024)
    assert (await save(small, TINY_PDF + b"\0" * (512 * 1024 - len(TINY_PDF)))).size == 512 * 1024

    with pytest.raises(RuleViolation) as refused:
        await save(small, TINY_PDF + b"\0" * (512 * 1024))
    assert (refused.value.rule, refused.value.field) == ("attachment_max_size", "attachments")
    assert "0,5 MB" in refused.value.message_vi
    assert "0.5 MB" in refused.value.message_en
    assert refused.value.details["max_bytes"] == 512 * 1024
    assert await db["attachments.files"].count_documents({}) == 1


@pytest.mark.service
async def test_an_empty_file_is_refused(store: AttachmentStore, db: AsyncDatabase[dict[str, Any]]) -> None:
    with pytest.raises(RuleViolation) as refused:
        await save(store, b"")
    assert (refused.value.rule, refused.value.field) == ("attachment_not_empty", "attachments")
    assert await db["attachments.files"].count_documents({}) == 0


@pytest.mark.service
@pytest.mark.parametrize("data", [HTML, EXE, zipped({"a.txt": "x"})], ids=["html", "exe", "zip"])
async def test_a_disguised_file_is_refused(
    store: AttachmentStore, db: AsyncDatabase[dict[str, Any]], data: bytes
) -> None:
    with pytest.raises(RuleViolation) as refused:
        await save(store, data, filename="Báo cáo.pdf")
    assert (refused.value.rule, refused.value.field) == ("attachment_type", "attachments")
    assert "nội dung" in refused.value.message_vi
    assert "content" in refused.value.message_en
    assert all(label in refused.value.message_vi for label in ALLOWED_MEDIA_TYPES.values())
    assert await db["attachments.files"].count_documents({}) == 0


@pytest.mark.service
async def test_another_commune_never_sees_the_file(store: AttachmentStore) -> None:
    ref = await save(store, TINY_PDF, commune="ninh-giang")

    with pytest.raises(NotFound):
        await store.read("tan-an", ref.attachment_id)
    with pytest.raises(NotFound) as missing:
        await store.describe("tan-an", ref.attachment_id)
    assert missing.value.message_vi.startswith("Không tìm thấy tệp đính kèm")


@pytest.mark.service
@pytest.mark.parametrize(
    "attachment_id", ["not-an-id", "", "123", "x" * 500, "6b01303479e8d07ffcdce0e", str(ObjectId())]
)
async def test_a_malformed_or_absent_id_is_not_found(store: AttachmentStore, attachment_id: str) -> None:
    await save(store, TINY_PDF)
    with pytest.raises(NotFound):
        await store.describe("ninh-giang", attachment_id)
    with pytest.raises(NotFound):
        await store.read("ninh-giang", attachment_id)


@pytest.mark.service
async def test_the_filename_is_sanitised_when_stored(store: AttachmentStore) -> None:
    ref = await save(store, TINY_PDF, filename="../../etc/Báo cáo.pdf")
    assert ref.filename == "Báo cáo.pdf"
    assert (await store.describe("ninh-giang", ref.attachment_id)).filename == "Báo cáo.pdf"


@pytest.mark.service
async def test_bytes_changed_in_storage_are_detected(store: AttachmentStore, db: AsyncDatabase[dict[str, Any]]) -> None:
    ref = await save(store, TINY_PDF)
    tampered = TINY_PDF.replace(b"595", b"612")
    await db["attachments.chunks"].update_one({"files_id": ObjectId(ref.attachment_id), "n": 0},
                                              {"$set": {"data": tampered}})
    with pytest.raises(AttachmentCorrupted):
        await store.read("ninh-giang", ref.attachment_id)
