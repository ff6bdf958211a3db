"""The dossier register (sổ theo dõi hồ sơ sáng kiến) as a spreadsheet: its columns, Vietnamese headers."""

from __future__ import annotations

from typing import Any

from reform_shared.catalog import field_label
from reform_shared.sheets import Column

STATUS_LABELS = {"submitted": "Đã nộp", "returned": "Trả lại để hoàn thiện", "withdrawn": "Đã rút"}
AUTHOR_KINDS = {"individual": "Cá nhân", "collective": "Tập thể"}


def _content(key: str) -> Any:
    return lambda row: (row.get("content") or {}).get(key)


COLUMNS: tuple[Column, ...] = (
    Column("Mã hồ sơ", "initiative_id", 16),
    Column("Đợt phát động", "campaign_id", 14),
    Column("Tên sáng kiến", "title", 40),
    Column("Lĩnh vực", lambda row: field_label(row["field"]) if row.get("field") else None, 30),
    Column("Đơn vị", lambda row: ((row.get("content") or {}).get("unit") or {}).get("name"), 26),
    Column("Loại tác giả", lambda row: AUTHOR_KINDS.get(_content("author_kind")(row) or ""), 12),
    Column("Tác giả", lambda row: [a.get("name") for a in _content("authors")(row) or ()], 30),
    Column("Tóm tắt", _content("summary"), 50),
    Column("Trạng thái", lambda row: STATUS_LABELS.get(row.get("status") or "", row.get("status")), 18),
    Column("Lần nộp", "revision", 8),
    Column("Ngày nộp", "submitted_at", 12),
    Column("Cập nhật", "updated_at", 12),
    Column("Lý do trả lại/rút", lambda row: row.get("returned_reason") or row.get("withdrawn_reason"), 30),
)
