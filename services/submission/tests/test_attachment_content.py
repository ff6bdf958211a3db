"""Attachments judged by their content (the type their first bytes claim, then their structure parsed),
and their names made safe."""

from __future__ import annotations

import io
import os
import zipfile

import docx
import openpyxl
import pytest
from PIL import Image
from pypdf import PdfWriter
from support import ONE_PAGE_PDF

from reform_shared.errors import RuleViolation
from reform_submission.adapters.attachments import sanitize_filename
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
from reform_submission.adapters.ooxml import MAX_UNCOMPRESSED_BYTES

pytestmark = pytest.mark.domain
LIMIT = 20 * 1024 * 1024

TINY_PDF = ONE_PAGE_PDF
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
HTML = b"<!DOCTYPE html><html><body><script>alert('x')</script></body></html>"
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')


def pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, fmt)
    return out.getvalue()


def word() -> bytes:
    document = docx.Document()
    document.add_paragraph("Tờ trình sáng kiến: Số hóa hồ sơ một cửa")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def excel() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Chỉ số", "Trước", "Sau"])
    sheet.append(["Thời gian xử lý (ngày)", 7, 2])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zipped(entries: dict[str, str | bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def rewritten(package: bytes, name: str, content: str | bytes) -> bytes:
    """The same package with one member replaced."""
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        entries: dict[str, str | bytes] = {item: source.read(item) for item in source.namelist()}
    return zipped({**entries, name: content})


def refused(data: bytes) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        check_content(data, LIMIT)
    assert caught.value.field == "attachments"
    return caught.value


# --- sound files of every allowed type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "expected"),
    [(pdf, PDF), (lambda: TINY_PDF, PDF), (lambda: image("PNG"), PNG), (lambda: image("JPEG"), JPEG),
     (word, DOCX), (excel, XLSX)],
    ids=["pdf-pypdf", "pdf-by-hand", "png", "jpeg", "docx", "xlsx"],
)
def test_sound_files_of_each_type_are_accepted(build: object, expected: str) -> None:
    data = build()  # type: ignore[operator]
    assert sniff_media_type(data) == expected
    assert check_content(data, LIMIT) == expected
    assert expected in ALLOWED_MEDIA_TYPES


# --- a claim the structure does not bear out: attachment_structure ----------------------------------------------


def test_a_pdf_header_followed_by_an_executable_is_refused() -> None:
    data = b"%PDF-1.7\n" + EXE + os.urandom(4096) + b"\n%%EOF\n"
    assert sniff_media_type(data) == PDF  # what the first bytes claim, and all the old check looked at
    violation = refused(data)
    assert violation.rule == "attachment_structure"
    assert violation.message_vi.startswith("Tệp không phải Tài liệu PDF (.pdf) hợp lệ")
    assert "application/pdf" in violation.message_en


@pytest.mark.parametrize("cut", [0.5, 0.9], ids=["half", "tail"])
def test_a_truncated_pdf_is_refused(cut: float) -> None:
    whole = pdf()
    assert refused(whole[: int(len(whole) * cut)]).rule == "attachment_structure"


def test_a_pdf_without_pages_is_refused() -> None:
    assert refused(pdf(pages=0)).message_en.endswith("it has no page")


def test_a_png_with_garbage_after_its_signature_is_refused() -> None:
    violation = refused(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    assert violation.rule == "attachment_structure"
    assert "Ảnh PNG" in violation.message_vi


@pytest.mark.parametrize(
    "data",
    [b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32,
     image("JPEG", (256, 192))[:-400]],
    ids=["header-only", "truncated-scan"],
)
def test_a_jpeg_that_does_not_decode_is_refused(data: bytes) -> None:
    assert sniff_media_type(data) == JPEG
    assert refused(data).rule == "attachment_structure"


def test_a_png_renamed_jpeg_inside_is_refused() -> None:
    # JPEG magic bytes glued onto a PNG: Pillow finds no JPEG there.
    assert refused(b"\xff\xd8\xff" + image("PNG")).rule == "attachment_structure"


@pytest.mark.parametrize(
    ("package", "part"),
    [(word, "word/document.xml"), (excel, "xl/workbook.xml"), (word, "[Content_Types].xml")],
    ids=["docx-document", "xlsx-workbook", "content-types"],
)
def test_an_office_file_whose_key_part_is_not_xml_is_refused(package: object, part: str) -> None:
    data = rewritten(package(), part, "<w:document><w:body>not closed")  # type: ignore[operator]
    violation = refused(data)
    assert violation.rule == "attachment_structure"
    assert part in violation.message_vi and part in violation.message_en


def test_an_office_part_with_a_dtd_is_refused() -> None:
    laughs = '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]><w:document>&a;</w:document>'
    assert refused(rewritten(word(), "word/document.xml", laughs)).rule == "attachment_structure"


def test_an_office_part_with_an_unexpected_root_is_refused() -> None:
    assert refused(rewritten(word(), "word/document.xml", "<html/>")).rule == "attachment_structure"


def test_a_member_with_a_bad_crc_is_refused() -> None:
    data = bytearray(zipped({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w:document/>",
                             "word/media/image1.png": b"A" * 4000}, zipfile.ZIP_STORED))
    at = data.index(b"A" * 4000)
    data[at + 100] = ord("B")  # stored, so the byte flips in place and only the CRC can tell
    violation = refused(bytes(data))
    assert violation.rule == "attachment_structure"
    assert "CRC" in violation.message_vi


def test_a_zip_bomb_shape_is_refused_before_anything_is_decompressed() -> None:
    bomb = zipped({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w:document/>",
                   "word/media/filler.bin": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < 100_000  # 50 MB of zeros deflate to about 50 KB: a ratio near 1000
    violation = refused(bomb)
    assert violation.rule == "attachment_structure"
    assert "bom nén" in violation.message_vi and "zip bomb" in violation.message_en


def test_declared_sizes_above_the_total_limit_are_refused() -> None:
    # Members of 1 MiB, each at the ratio floor, together above 200 MB: refused on the declared sizes alone.
    member = b"\0" * (1024 * 1024)
    entries: dict[str, str | bytes] = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w:document/>"}
    entries.update({f"word/media/p{n}.bin": member for n in range(MAX_UNCOMPRESSED_BYTES // len(member) + 1)})
    violation = refused(zipped(entries))
    assert violation.rule == "attachment_structure"
    assert "200 MB" in violation.message_vi


# --- not an allowed type at all: attachment_type ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        HTML,
        EXE,
        b"just some text",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,  # legacy .doc (OLE2) is not on the list
        zipped({"readme.txt": "hello", "src/main.py": "print(1)"}),
        zipped({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w/>", "word/vbaProject.bin": "x"}),
        zipped({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w/>", "xl/workbook.xml": "<x/>"}),
        zipped({"word/document.xml": "<w/>"}),
        word()[:40],
        b"PK\x03\x04" + os.urandom(200),
        b"x%PDF-1.4",
    ],
    ids=["html", "exe", "text", "ole2-doc", "random-zip", "docm-macros", "docx-and-xlsx", "no-content-types",
         "truncated-zip", "pk-garbage", "pdf-not-at-start"],
)
def test_other_content_is_refused_by_type(data: bytes) -> None:
    assert sniff_media_type(data) is None
    violation = refused(data)
    assert violation.rule == "attachment_type"
    assert "nội dung" in violation.message_vi and "content" in violation.message_en
    assert all(label in violation.message_vi for label in ALLOWED_MEDIA_TYPES.values())


def test_empty_and_oversized_files_keep_their_rules() -> None:
    assert refused(b"").rule == "attachment_not_empty"
    with pytest.raises(RuleViolation) as too_big:
        check_content(TINY_PDF + b"\0" * 1024, 1024)
    assert too_big.value.rule == "attachment_max_size"


# --- names -------------------------------------------------------------------------------------------------------


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


def test_long_filenames_keep_their_extension() -> None:
    name = sanitize_filename("Sáng kiến " * 40 + ".docx", DOCX)
    assert 190 <= len(name) <= 200
    assert name.endswith(".docx")
    assert name.startswith("Sáng kiến")
