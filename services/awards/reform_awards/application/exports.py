"""The award register as CSV or XLSX, and an award's certificate.

The document modules (python-docx, openpyxl, with lxml and numpy: ~34 MB a process) are imported on the first
export, not at start-up; the first document of a process pays ~0.3 s for it once."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from reform_awards.domain.award import form_name
from reform_shared.errors import Conflict

if TYPE_CHECKING:
    from reform_awards.documents.exports import RegisterRow

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def row_of(doc: dict[str, Any]) -> RegisterRow:
    from reform_awards.documents.exports import RegisterRow

    basis = doc.get("basis") or {}
    recipient = doc["recipient"]
    decided = doc.get("decision_date")
    return RegisterRow(
        commune_id=doc["commune_id"], award_id=doc["award_id"], form=doc["form"],
        form_name=form_name(doc["form"], doc.get("form_name", "")), level=doc["level"], year=doc.get("year"),
        period=doc.get("period"), recipient_kind=recipient["kind"], recipient_name=recipient["name"],
        unit_id=recipient.get("unit_id"), status=doc["status"], proposed_at=doc.get("proposed_at"),
        decision_number=doc.get("decision_number"),
        decision_date=dt.date.fromisoformat(decided) if decided else None, signer=doc.get("signer"),
        basis_initiatives=tuple(basis.get("initiative_ids", ())),
        basis_text="; ".join(a["description"] for a in basis.get("achievements", ())), reason=doc.get("reason", ""),
    )


def export(docs: list[dict[str, Any]], fmt: str, title: str) -> tuple[bytes, str, str]:
    from reform_awards.documents.exports import register_csv, register_xlsx

    rows = [row_of(doc) for doc in docs]
    data = register_csv(rows) if fmt == "csv" else register_xlsx(rows, title)
    return data, MEDIA[fmt], f"so-khen-thuong.{fmt}"


def certificate(doc: dict[str, Any], commune_name: str, unit_name: str) -> bytes:
    """The printable Giấy khen / Bằng khen of a granted award; names, never ids: `unit_name` is the directory's
    name of the recipient's unit ("" when it has none)."""
    if doc.get("status") != "granted":
        raise Conflict("Chỉ in giấy khen, bằng khen cho khen thưởng đã có quyết định",
                       "only a granted award has a certificate", rule="certificate_needs_grant")
    from reform_awards.documents.certificate import CertificateView, render_certificate

    recipient = doc["recipient"]
    achievements = (doc.get("basis") or {}).get("achievements", ())
    return render_certificate(CertificateView(
        form_code=doc["form"], form_name=form_name(doc["form"], doc.get("form_name", "")),
        level=doc["level"], recipient_kind=recipient["kind"], recipient_name=recipient["name"],
        unit_name=unit_name, commune_name=commune_name,
        achievement="; ".join(a["description"] for a in achievements), year=doc.get("year"),
        period=doc.get("period"), decision_number=doc["decision_number"],
        decision_date=dt.date.fromisoformat(doc["decision_date"]), signer=doc["signer"],
    ))
