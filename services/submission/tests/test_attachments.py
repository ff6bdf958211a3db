"""Attachments stored in the node's JetStream object store, on a real nats-server (fsync always)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import time
import uuid
from typing import Any

import nats
import nats.errors
import pytest
from bson import ObjectId
from nats.js import JetStreamContext
from nats.js.api import StorageType
from PIL import Image
from support import ONE_PAGE_PDF as TINY_PDF
from support import pdf_of_size

from reform_shared.errors import Conflict, NotFound, RuleViolation
from reform_shared.ids import FixedClock, new_id
from reform_shared.provisioning import provision
from reform_shared.settings import Settings
from reform_submission.adapters.attachments import (
    CHUNK_BYTES,
    DOCX,
    JPEG,
    PDF,
    PNG,
    XLSX,
    AttachmentCorrupted,
    AttachmentStore,
    sanitize_filename,
)

pytestmark = pytest.mark.service
VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 9, 10, 9, 0, tzinfo=VN)
_MB = 1024 * 1024

HTML = b"<!DOCTYPE html><html><body><script>alert('x')</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"


def image(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, fmt)
    return out.getvalue()


def office(kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "docx":
        import docx

        document = docx.Document()
        document.add_paragraph("Tờ trình")
        document.save(out)
    else:
        import openpyxl

        openpyxl.Workbook().save(out)
    return out.getvalue()


@pytest.fixture
def store(js: JetStreamContext, settings: Settings) -> AttachmentStore:
    return AttachmentStore(js, settings.attachments_bucket, clock=FixedClock(NOW))


async def save(store: AttachmentStore, data: bytes, filename: str = "Báo cáo.pdf", commune: str = "ninh-giang") -> Any:
    return await store.save(commune_id=commune, uploaded_by="user-1", filename=filename, data=data)


async def stored_objects(js: JetStreamContext, settings: Settings) -> int:
    return (await js.stream_info(f"OBJ_{settings.attachments_bucket}")).state.messages


async def test_the_bucket_is_provisioned_on_file_storage_once(js: JetStreamContext, settings: Settings) -> None:
    status = await (await js.object_store(settings.attachments_bucket)).status()
    assert status.storage_type == StorageType.FILE
    again = await provision(js, settings)
    assert (again.attachments_bucket, again.attachments_bucket_created) == (settings.attachments_bucket, False)


async def test_save_then_read_round_trip(store: AttachmentStore, js: JetStreamContext, settings: Settings) -> None:
    ref = await save(store, TINY_PDF)

    assert uuid.UUID(ref.attachment_id).version == 7
    assert (ref.filename, ref.media_type, ref.size) == ("Báo cáo.pdf", PDF, len(TINY_PDF))
    assert ref.sha256 == hashlib.sha256(TINY_PDF).hexdigest()
    read_ref, data = await store.read("ninh-giang", ref.attachment_id)
    assert (read_ref, data) == (ref, TINY_PDF)
    assert await store.describe("ninh-giang", ref.attachment_id) == ref

    info = await (await js.object_store(settings.attachments_bucket)).get_info(f"ninh-giang/{ref.attachment_id}")
    assert info.headers == {"Reform-Filename": ["Báo cáo.pdf"], "Reform-Media-Type": [PDF],
                            "Reform-Sha256": [ref.sha256], "Reform-Commune": ["ninh-giang"],
                            "Reform-Uploaded-By": ["user-1"], "Reform-Uploaded-At": [NOW.isoformat()]}


@pytest.mark.parametrize(
    ("build", "media_type"),
    [(lambda: office("docx"), DOCX), (lambda: office("xlsx"), XLSX), (lambda: image("PNG"), PNG),
     (lambda: image("JPEG"), JPEG)],
    ids=["docx", "xlsx", "png", "jpeg"],
)
async def test_each_allowed_type_is_stored(store: AttachmentStore, build: Any, media_type: str) -> None:
    data = build()
    ref = await save(store, data, filename="tệp")
    assert ref.media_type == media_type
    assert (await store.read("ninh-giang", ref.attachment_id))[1] == data


async def test_a_20_mb_file_is_stored_in_chunks_and_comes_back_whole(
    store: AttachmentStore, js: JetStreamContext, settings: Settings
) -> None:
    data = pdf_of_size(20 * _MB)
    started = time.perf_counter()
    ref = await save(store, data, filename="hồ sơ quét.pdf")
    upload = time.perf_counter() - started
    started = time.perf_counter()
    read_ref, read = await store.read("ninh-giang", ref.attachment_id)
    download = time.perf_counter() - started

    assert read == data and read_ref.sha256 == hashlib.sha256(data).hexdigest()
    assert await stored_objects(js, settings) == 20 * _MB // CHUNK_BYTES + 1  # the chunks and one meta message
    print(f"20 MB attachment: save (check + fsync'd put) {upload:.3f}s, read {download:.3f}s")
    assert upload < 10 and download < 10  # generous: each of the 40 chunk publishes waits for its fsync


async def test_the_same_bytes_twice_are_two_attachments(store: AttachmentStore) -> None:
    first, second = await save(store, TINY_PDF), await save(store, TINY_PDF)
    assert first.attachment_id != second.attachment_id
    assert first.sha256 == second.sha256


async def test_the_same_file_under_one_key_is_the_attachment_stored_first(
        store: AttachmentStore, js: JetStreamContext, settings: Settings) -> None:
    """A form retried after its answer was lost sends its files again under the keys it used."""
    first = await store.save(commune_id="ninh-giang", uploaded_by="user-1", filename="a.pdf", data=TINY_PDF, key="k1")
    before = await stored_objects(js, settings)
    again = await store.save(commune_id="ninh-giang", uploaded_by="user-1", filename="a.pdf", data=TINY_PDF, key="k1")
    assert again == first and await stored_objects(js, settings) == before  # nothing stored twice
    other_user = await store.save(commune_id="ninh-giang", uploaded_by="user-2", filename="a.pdf", data=TINY_PDF,
                                  key="k1")
    assert other_user.attachment_id != first.attachment_id  # a key is its uploader's
    with pytest.raises(Conflict) as refused:
        await store.save(commune_id="ninh-giang", uploaded_by="user-1", filename="b.png", data=image("PNG"), key="k1")
    assert refused.value.rule == "idempotency_key_reused"
    ref, data = await store.read("ninh-giang", first.attachment_id)
    assert data == TINY_PDF and ref.filename == "a.pdf"  # never replaced


async def test_an_oversized_file_is_refused_and_nothing_stored(
    js: JetStreamContext, settings: Settings
) -> None:
    small = AttachmentStore(js, settings.attachments_bucket, max_bytes=512 * 1024)
    assert (await save(small, pdf_of_size(512 * 1024))).size == 512 * 1024
    stored = await stored_objects(js, settings)

    with pytest.raises(RuleViolation) as refused:
        await save(small, pdf_of_size(512 * 1024 + 1))
    assert (refused.value.rule, refused.value.field) == ("attachment_max_size", "attachments")
    assert "0,5 MB" in refused.value.message_vi
    assert "0.5 MB" in refused.value.message_en
    assert refused.value.details["max_bytes"] == 512 * 1024
    assert await stored_objects(js, settings) == stored


@pytest.mark.parametrize(
    ("data", "rule"),
    [(b"", "attachment_not_empty"), (HTML, "attachment_type"), (EXE, "attachment_type"),
     (b"%PDF-1.7\n" + EXE + b"\n%%EOF\n", "attachment_structure")],
    ids=["empty", "html", "exe", "pdf-then-exe"],
)
async def test_a_refused_file_stores_nothing(
    store: AttachmentStore, js: JetStreamContext, settings: Settings, data: bytes, rule: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        await save(store, data, filename="Báo cáo.pdf")
    assert (refused.value.rule, refused.value.field) == (rule, "attachments")
    assert await stored_objects(js, settings) == 0


async def test_another_commune_never_sees_the_file(store: AttachmentStore) -> None:
    ref = await save(store, TINY_PDF, commune="ninh-giang")

    with pytest.raises(NotFound):
        await store.read("tan-an", ref.attachment_id)
    with pytest.raises(NotFound) as missing:
        await store.describe("tan-an", ref.attachment_id)
    assert missing.value.message_vi.startswith("Không tìm thấy tệp đính kèm")
    assert missing.value.rule == "attachment_exists"


@pytest.mark.parametrize(
    "attachment_id",
    ["not-an-id", "", "123", "x" * 500, "6b01303479e8d07ffcdce0e", str(ObjectId()), new_id(), "../ninh-giang",
     "0190f1b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"],
    ids=["word", "empty", "digits", "long", "short-hex", "old-gridfs-objectid", "absent-uuid7", "path", "absent"],
)
async def test_a_malformed_unknown_or_old_id_is_not_found(store: AttachmentStore, attachment_id: str) -> None:
    await save(store, TINY_PDF)
    with pytest.raises(NotFound):
        await store.describe("ninh-giang", attachment_id)
    with pytest.raises(NotFound):
        await store.read("ninh-giang", attachment_id)


async def test_an_id_in_another_spelling_is_not_found(store: AttachmentStore) -> None:
    ref = await save(store, TINY_PDF)
    for spelling in (ref.attachment_id.upper(), ref.attachment_id.replace("-", ""), "{" + ref.attachment_id + "}"):
        with pytest.raises(NotFound):
            await store.read("ninh-giang", spelling)


async def test_the_filename_is_sanitised_when_stored(store: AttachmentStore) -> None:
    ref = await save(store, TINY_PDF, filename="../../etc/Báo cáo.pdf")
    assert ref.filename == "Báo cáo.pdf" == sanitize_filename("../../etc/Báo cáo.pdf", PDF)
    assert (await store.describe("ninh-giang", ref.attachment_id)).filename == "Báo cáo.pdf"


async def _chunk_subject(js: JetStreamContext, settings: Settings, attachment_id: str) -> str:
    info = await (await js.object_store(settings.attachments_bucket)).get_info(f"ninh-giang/{attachment_id}")
    return f"$O.{settings.attachments_bucket}.C.{info.nuid}"


async def test_bytes_changed_in_storage_are_detected(
    store: AttachmentStore, js: JetStreamContext, settings: Settings
) -> None:
    ref = await save(store, TINY_PDF)
    subject = await _chunk_subject(js, settings, ref.attachment_id)
    await js.purge_stream(f"OBJ_{settings.attachments_bucket}", subject=subject)
    await js.publish(subject, TINY_PDF.replace(b"595", b"612"))
    with pytest.raises(AttachmentCorrupted):
        await store.read("ninh-giang", ref.attachment_id)


async def test_missing_chunks_are_corruption_not_a_wait(
    store: AttachmentStore, js: JetStreamContext, settings: Settings
) -> None:
    ref = await save(store, TINY_PDF)
    await js.purge_stream(f"OBJ_{settings.attachments_bucket}",
                          subject=await _chunk_subject(js, settings, ref.attachment_id))
    started = time.monotonic()
    with pytest.raises(AttachmentCorrupted):
        await store.read("ninh-giang", ref.attachment_id)
    assert time.monotonic() - started < 2
    assert await store.describe("ninh-giang", ref.attachment_id) == ref  # the metadata is still there


async def test_without_nats_an_upload_is_refused_as_unavailable(js: JetStreamContext, settings: Settings) -> None:
    from reform_shared.errors import ServiceUnavailable

    nc = await nats.connect(settings.nats_url)
    cut_off = AttachmentStore(nc.jetstream(timeout=2), settings.attachments_bucket)
    await nc.close()
    with pytest.raises(ServiceUnavailable) as refused:  # not a RuleViolation nor a NotFound: a 503
        await save(cut_off, TINY_PDF)
    assert refused.value.dependency == "nats"
    assert await stored_objects(js, settings) == 0
