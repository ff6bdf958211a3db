"""What an upload really is: its type from its first bytes, then its structure parsed.

The first bytes only say what a file claims to be: `%PDF-` followed by an executable claims PDF. So a
claim is then checked by parsing — pypdf for PDF (pure Python, at least one page), Pillow for images,
the package's own parts for Word and Excel (reform_submission.adapters.ooxml) — and a file that does not
parse as what it claims is refused. The file name plays no part.
"""

from __future__ import annotations

import io
import warnings

from reform_shared.errors import RuleViolation
from reform_submission.adapters.ooxml import DOCX, XLSX, Defect, office_defect, sniff_office

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
__all__ = ["ALLOWED_MEDIA_TYPES", "DOCX", "JPEG", "PDF", "PNG", "XLSX", "check_content", "sniff_media_type"]

ALLOWED_MEDIA_TYPES: dict[str, str] = {
    PDF: "Tài liệu PDF (.pdf)",
    DOCX: "Văn bản Word (.docx)",
    XLSX: "Bảng tính Excel (.xlsx)",
    JPEG: "Ảnh JPEG (.jpg)",
    PNG: "Ảnh PNG (.png)",
}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_PDF_EOF_WINDOW = 1024
"""`%%EOF` must be within the last KiB (as pypdf's strict mode wants): a cut-off upload has none there."""
_PILLOW_FORMAT = {JPEG: "JPEG", PNG: "PNG"}
_MB = 1024 * 1024
_FIELD = "attachments"


def sniff_media_type(data: bytes) -> str | None:
    """The allowed media type the bytes claim to be, or None; the file name plays no part."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data.startswith(_ZIP_LOCAL_HEADER):
        return sniff_office(data)
    return None


def structure_defect(data: bytes, media_type: str) -> Defect | None:
    """None if the bytes parse as the type they claim, else why not."""
    if media_type == PDF:
        return _pdf_defect(data)
    if media_type in _PILLOW_FORMAT:
        return _image_defect(data, _PILLOW_FORMAT[media_type])
    return office_defect(data, media_type)


def _pdf_defect(data: bytes) -> Defect | None:
    if b"%%EOF" not in data[-_PDF_EOF_WINDOW:]:
        return Defect("tệp bị cắt cụt hoặc có dữ liệu lạ sau phần kết thúc",
                      "truncated, or foreign bytes after its end")
    from pypdf import PdfReader  # here, not at start-up: ~7 MB in a process that is never sent a PDF

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return Defect("tệp có mật khẩu, hội đồng không mở được", "password-protected, the council cannot open it")
        pages = len(reader.pages)
    except Exception:  # noqa: BLE001 - whatever a parser raises on hostile bytes, the file is not a sound PDF
        return Defect("không đọc được cấu trúc tệp", "its structure does not parse")
    if pages < 1:
        return Defect("tệp không có trang nào", "it has no page")
    return None


def _image_defect(data: bytes, expected: str) -> Defect | None:
    from PIL import Image  # here, not at start-up (as pypdf above)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # above ~89 megapixels: refused
            with Image.open(io.BytesIO(data)) as image:
                found = image.format
                image.verify()  # PNG: every chunk's CRC up to IEND
            if expected == "JPEG":
                # verify() is a no-op for JPEG: decode at 1/8 scale, which still reads every scan to the end.
                with Image.open(io.BytesIO(data)) as image:
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                    image.load()
    except Exception:  # noqa: BLE001 - as for PDF: an image Pillow cannot read is not a sound image
        return Defect("không đọc được ảnh (tệp hỏng hoặc bị cắt cụt)",
                      "the image does not decode (damaged or truncated)")
    if found != expected:
        return Defect(f"nội dung là ảnh {found}, không phải {expected}", f"the content is {found}, not {expected}")
    return None


def check_content(data: bytes, max_bytes: int) -> str:
    """The media type of acceptable content, or the rule it breaks (empty, too big, type, structure)."""
    if not data:
        raise RuleViolation("Tệp đính kèm rỗng", "the attachment is empty", field=_FIELD, rule="attachment_not_empty")
    if len(data) > max_bytes:
        limit = _megabytes(max_bytes)
        raise RuleViolation(
            f"Tệp đính kèm vượt quá dung lượng cho phép {limit.replace('.', ',')} MB "
            f"(tệp có {_megabytes(len(data)).replace('.', ',')} MB)",
            f"the attachment exceeds the {limit} MB limit",
            field=_FIELD,
            rule="attachment_max_size",
            details={"max_bytes": max_bytes, "size": len(data)},
        )
    media_type = sniff_media_type(data)
    if media_type is None:
        labels = ", ".join(ALLOWED_MEDIA_TYPES.values())
        raise RuleViolation(
            f"Loại tệp không được chấp nhận (xác định theo nội dung tệp, không theo tên tệp). Chỉ nhận: {labels}",
            "file type not allowed, judged from the file's content, not its name; "
            f"allowed: {', '.join(ALLOWED_MEDIA_TYPES)}",
            field=_FIELD,
            rule="attachment_type",
            details={"allowed": list(ALLOWED_MEDIA_TYPES)},
        )
    defect = structure_defect(data, media_type)
    if defect is not None:
        label = ALLOWED_MEDIA_TYPES[media_type]
        raise RuleViolation(
            f"Tệp không phải {label} hợp lệ: {defect.message_vi}. Hãy mở tệp trên máy, lưu hoặc xuất lại rồi tải lên",
            f"the file is not a sound {media_type}: {defect.message_en}",
            field=_FIELD,
            rule="attachment_structure",
            details={"media_type": media_type},
        )
    return media_type


def _megabytes(size: int) -> str:
    return f"{size / _MB:.3g}"
