"""The "Căn cứ …" preamble of the recognition decision, from the record: the campaign's legal basis (the
document that launched it) and the chairman's decision constituting the council — in the form of seed 000
("Căn cứ Quyết định số 709/QĐ-UBND ngày 31/7/2025 của Ủy ban nhân dân xã Ninh Giang …;").

Nghị định 30/2020/NĐ-CP numbers a document "number/type-issuer" (`709/QĐ-UBND`: a Quyết định) and an
official letter (công văn) without a type (`2345/UBND-NVKTGS`): the number says what kind of document it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

KINDS: dict[str, str] = {
    "QĐ": "Quyết định", "KH": "Kế hoạch", "TB": "Thông báo", "CT": "Chỉ thị", "HD": "Hướng dẫn",
    "NQ": "Nghị quyết", "BC": "Báo cáo", "TTr": "Tờ trình", "CV": "Công văn",
}
"""The type abbreviations of Nghị định 30/2020 (Phụ lục III) a launch document may carry."""
ISSUERS = ("UBND", "HĐND", "VP", "VHXH")
"""Abbreviations that name an issuer, not a type: a number starting with one after '/' is a công văn."""


def document_kind(number: str) -> str:
    """'Quyết định' for '709/QĐ-UBND', 'Công văn' for '2345/UBND-NVKTGS', 'văn bản' when the number says neither."""
    _, _, suffix = number.strip().rpartition("/")  # "45/2025/QĐ-UBND": the type after the last "/"
    head = suffix.split("-", 1)[0].strip()
    if head in KINDS:
        return KINDS[head]
    if head.upper() in ISSUERS or (head and "-" in suffix):
        return "Công văn"
    return "văn bản"


@dataclass(frozen=True)
class DocumentRef:
    """A signed document as a decision cites it: its number and date."""

    number: str  # "709/QĐ-UBND", "123/UBND-VHXH"
    date: dt.date

    @property
    def cited(self) -> str:
        """'Công văn số 123/UBND-VHXH ngày 05/09/2026'."""
        return f"{document_kind(self.number)} số {self.number.strip()} ngày {self.date:%d/%m/%Y}"


def campaign_basis(basis: DocumentRef, commune_name: str, year: int) -> str:
    """The campaign's launch document, issued by the commune's People's Committee."""
    return (f"Căn cứ {basis.cited} của Ủy ban nhân dân {commune_name} về việc phát động nghiên cứu, đề xuất sáng "
            f"kiến cải cách hành chính năm {year};")


def council_basis(council: DocumentRef, commune_name: str, year: int) -> str:
    """The chairman's decision constituting the council that proposes the recognition."""
    return (f"Căn cứ {council.cited} của Chủ tịch Ủy ban nhân dân {commune_name} về việc thành lập Hội đồng đánh "
            f"giá hiệu quả áp dụng và khả năng nhân rộng sáng kiến cải cách hành chính năm {year};")
