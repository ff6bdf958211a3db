"""The columns of a directory spreadsheet and the words a secretary may write in them.

Headers and values are compared folded (no case, no accents, spaces collapsed, "(*)" and ":" dropped), so
"Họ và tên", "HO VA TEN" and "họ  và tên (*)" are one column. The template (`TEMPLATE_*`) writes the first
spelling of each.
"""

from __future__ import annotations

import re

from reform_shared.text import fold

OFFICIAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "official_id": ("Mã cán bộ", "mã", "mã công chức", "mã nhân viên", "tên đăng nhập", "id"),
    "full_name": ("Họ và tên", "họ tên", "tên cán bộ", "full name"),
    "position": ("Chức vụ", "chức danh", "position"),
    "category": ("Loại", "loại cán bộ", "phân loại", "category"),
    "unit": ("Đơn vị", "đơn vị công tác", "phòng ban", "mã đơn vị", "unit"),
    "email": ("Email", "e-mail", "thư điện tử", "địa chỉ email"),
    "phone": ("Điện thoại", "số điện thoại", "sđt", "đt", "phone"),
    "roles": ("Vai trò", "vai trò hệ thống", "quyền", "roles"),
    "head": ("Trưởng đơn vị", "là trưởng đơn vị", "head"),
}
UNIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "unit_id": ("Mã đơn vị", "mã", "id"),
    "name": ("Tên đơn vị", "đơn vị", "tên", "name"),
    "kind": ("Loại đơn vị", "loại", "kind"),
    "parent": ("Đơn vị cấp trên", "trực thuộc", "cấp trên", "mã đơn vị cấp trên", "parent"),
}
TEMPLATE_UNITS = tuple(names[0] for names in UNIT_COLUMNS.values())
TEMPLATE_OFFICIALS = tuple(names[0] for names in OFFICIAL_COLUMNS.values())

CATEGORIES: dict[str, tuple[str, ...]] = {
    "can_bo": ("Cán bộ",), "cong_chuc": ("Công chức",), "vien_chuc": ("Viên chức",),
    "nguoi_lao_dong": ("Người lao động", "hợp đồng", "lao động hợp đồng"),
}
UNIT_KINDS: dict[str, tuple[str, ...]] = {
    "van_phong": ("Văn phòng",), "phong": ("Phòng", "phòng chuyên môn"), "ban": ("Ban",),
    "trung_tam": ("Trung tâm",), "thon": ("Thôn", "xóm", "ấp", "bản"), "to_dan_pho": ("Tổ dân phố", "khu phố"),
    "doan_the": ("Đoàn thể", "hội", "đoàn"), "so": ("Sở",), "khac": ("Khác",),
}
ROLE_LABELS: dict[str, tuple[str, ...]] = {
    "submitter": ("Tác giả", "người nộp", "người đề xuất", "người nộp sáng kiến"),
    "secretary": ("Thư ký", "thư ký cải cách hành chính", "đầu mối cải cách hành chính"),
    "council_member": ("Thành viên hội đồng", "ủy viên hội đồng", "hội đồng"),
    "council_chair": ("Chủ tịch hội đồng",),
    "chairman": ("Chủ tịch UBND", "chủ tịch xã", "chủ tịch phường"),
    "city_officer": ("Cán bộ thành phố", "chuyên viên sở"),
    "city_council": ("Hội đồng thành phố", "thành viên hội đồng thành phố"),
    "operator": ("Vận hành", "vận hành hệ thống"),
    "administrator": ("Quản trị", "quản trị hệ thống", "quản trị viên"),
    "unit_head": ("Trưởng đơn vị",),
}
YES = frozenset({"x", "co", "yes", "y", "1", "true", "v", "truong", "truong don vi"})
NO = frozenset({"", "khong", "no", "n", "0", "false", "-"})
ROLE_SEPARATORS = re.compile(r"[,;/\n]+")
_DECORATION = re.compile(r"\(\s*\*\s*\)|[*:\u2013\u2014\u2012-]")


def key(text: str) -> str:
    """A header or a value as compared: folded, decorations and dashes dropped ("Văn hóa – Xã hội" is
    "van hoa xa hoi")."""
    return fold(_DECORATION.sub(" ", text)).strip(" .")


def _index(table: dict[str, tuple[str, ...]], codes: bool = True) -> dict[str, str]:
    index = {key(label): code for code, labels in table.items() for label in labels}
    if codes:
        index.update({code: code for code in table} | {key(code.replace("_", " ")): code for code in table})
    return index


OFFICIAL_HEADERS = _index(OFFICIAL_COLUMNS, codes=False)
UNIT_HEADERS = _index(UNIT_COLUMNS, codes=False)
CATEGORY_WORDS = _index(CATEGORIES)
KIND_WORDS = _index(UNIT_KINDS)
ROLE_WORDS = _index(ROLE_LABELS)


def guess_kind(name: str) -> str:
    """The kind a unit's name says ("Phòng Kinh tế" is a phòng, "Thôn Đông" a thôn); khác otherwise."""
    folded = key(name)
    for word, kind in sorted(KIND_WORDS.items(), key=lambda item: -len(item[0])):
        if folded == word or folded.startswith(word + " "):
            return kind
    return "khac"


def slugify(text: str, limit: int = 64) -> str:
    """An id from a Vietnamese name: "Phòng Văn hóa – Xã hội" -> "phong-van-hoa-xa-hoi"."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:limit].rstrip("-")
