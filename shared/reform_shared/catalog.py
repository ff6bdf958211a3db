"""Reference data of the contracts: the reform fields (lĩnh vực) of seed 000 §2.

Codes are ASCII so they travel in URLs and subjects; the labels are what users read.
A campaign chooses which of them it opens: that choice is campaign data, not code.
"""

from __future__ import annotations

REFORM_FIELDS: dict[str, tuple[str, str]] = {
    "a": ("Công tác chỉ đạo, điều hành cải cách hành chính", "Direction and administration of reform"),
    "b": ("Cải cách thể chế", "Institutional reform"),
    "c": ("Cải cách thủ tục hành chính", "Administrative-procedure reform"),
    "d": ("Cải cách tổ chức bộ máy hành chính nhà nước", "Organisational reform"),
    "dd": ("Cải cách chế độ công vụ", "Civil-service reform"),
    "e": ("Cải cách tài chính công", "Public-finance reform"),
    "g": ("Xây dựng và phát triển Chính quyền điện tử, Chính quyền số", "E-government and digital government"),
    "h": (
        "Nâng cao các chỉ số DTI, PCI, PAR Index, PGI",
        "Raising the provincial indices DTI, PCI, PAR Index, PGI",
    ),
}
"""Field code -> (Vietnamese label, English label). Seed 000 letters a, b, c, d, đ, e, g, h."""


def field_label(code: str) -> str:
    vi, _ = REFORM_FIELDS.get(code, (code, code))
    return vi
