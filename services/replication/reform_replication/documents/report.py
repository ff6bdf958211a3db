"""The replication report (for the Departments of Home Affairs and of Science and Technology) and the PAR
evidence pack's report, as DOCX (Vietnamese administrative layout) and XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reform_shared.docx_layout import new_document, paragraph, table, title, to_bytes, vn_date
from reform_shared.sheets import Column, register_xlsx


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%".replace(".", ",")


ADOPTION_COLUMNS = (
    Column("Sáng kiến", "title", 40), Column("Xã/phường gốc", "origin_commune_id"),
    Column("Xã/phường áp dụng", "commune_id"), Column("Đơn vị áp dụng", "unit", 24),
    Column("Áp dụng từ", "since", 12), Column("Ngày đo kết quả", "measured_on", 14),
    Column("Hiệu quả so với bản gốc", lambda r: "; ".join(
        f"{e['name']}: {_pct(e['change_pct'])} (gốc {_pct(e['original_change_pct'])})" for e in r["effect"]), 50),
)


def replication_docx(view: dict[str, Any], today: dt.date, year: int | None) -> bytes:
    doc = new_document()
    title(doc, "BÁO CÁO NHÂN RỘNG SÁNG KIẾN CẢI CÁCH HÀNH CHÍNH",
          f"Năm {year}" if year else "Toàn bộ danh mục", f"(số liệu đến ngày {vn_date(today)})")
    paragraph(doc, "Kính gửi: Sở Nội vụ; Sở Khoa học và Công nghệ thành phố.")
    t = view["totals"]
    paragraph(doc, f"Danh mục có {t['initiatives']} sáng kiến được công nhận; {t['adoptions']} lượt áp dụng "
                   f"tại {t['communes_adopting']}/{t['communes']} xã, phường; {t['with_results']} lượt đã báo cáo "
                   "kết quả đo được.")
    paragraph(doc, "1. Sáng kiến được nhân rộng nhiều nhất", bold=True)
    table(doc, ["Sáng kiến", "Xã/phường gốc", "Lượt áp dụng", "Có kết quả"],
          [[m["title"], m["origin_commune_id"], str(m["adoptions"]), str(m["with_results"])]
           for m in view["most_adopted"]] or [["(chưa có)", "", "", ""]], centered=(2, 3))
    paragraph(doc, "2. Theo xã, phường", bold=True)
    table(doc, ["Xã/phường", "Áp dụng của nơi khác", "Được nơi khác áp dụng"],
          [[c["commune_id"], str(c["adoptions_made"]), str(c["adoptions_received"])] for c in view["per_commune"]],
          centered=(1, 2))
    paragraph(doc, "3. Xã, phường chưa áp dụng sáng kiến nào: "
              + (", ".join(view["communes_adopting_nothing"]) or "không có"), bold=True)
    paragraph(doc, "4. Hiệu quả đo được so với sáng kiến gốc", bold=True)
    table(doc, ["Sáng kiến", "Nơi áp dụng", "Chỉ tiêu", "Gốc", "Nơi áp dụng"],
          [[a["title"], a["commune_id"], e["name"], _pct(e["original_change_pct"]), _pct(e["change_pct"])]
           for a in view["adoptions"] for e in a["effect"]] or [["(chưa có kết quả)", "", "", "", ""]],
          centered=(3, 4))
    return to_bytes(doc)


def replication_xlsx(view: dict[str, Any]) -> bytes:
    return register_xlsx(ADOPTION_COLUMNS, view["adoptions"], "Nhân rộng sáng kiến — các lượt áp dụng", "Áp dụng")


EVIDENCE_COLUMNS = (Column("Mục", "item", 40), Column("Số lượng", "count", 12), Column("Chi tiết", "detail", 80))


def evidence_rows(f: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [{"item": f"Sáng kiến đề xuất — {unit}", "count": n, "detail": ""}
            for unit, n in f["proposed_per_unit"].items()]
    rows += [
        {"item": "Sáng kiến đề xuất (tổng)", "count": f["proposed"], "detail": ""},
        {"item": "Được Hội đồng công nhận", "count": f["recognised_by_council"], "detail": ""},
        {"item": "Quyết định công nhận", "count": len(f["recognition_decisions"]),
         "detail": "; ".join(f"{d['decision_number']} ngày {d['decision_date']}" for d in f["recognition_decisions"])},
        {"item": "Đề nghị cấp thành phố", "count": len(f["nominations"]),
         "detail": "; ".join(n["title"] for n in f["nominations"])},
        {"item": "Thành phố công nhận", "count": f["city_recognised"],
         "detail": "; ".join(f"{c['title']} ({c['decision_number']})" for c in f["city_decisions"])},
        {"item": "Áp dụng sáng kiến của nơi khác", "count": len(f["adoptions_made"]),
         "detail": "; ".join(f"{a['title']} ({a['origin_commune_id']})" for a in f["adoptions_made"])},
        {"item": "Sáng kiến được nơi khác áp dụng", "count": len(f["adoptions_received"]),
         "detail": "; ".join(f"{a['title']} ({a['commune_id']})" for a in f["adoptions_received"])},
        {"item": "Khen thưởng", "count": len(f["awards"]),
         "detail": "; ".join(f"{a['form']} — {a['recipient']}" for a in f["awards"])},
    ]
    return rows


def evidence_docx(f: dict[str, Any], as_of: dt.datetime) -> bytes:
    doc = new_document()
    title(doc, "HỒ SƠ MINH CHỨNG CHỈ SỐ CẢI CÁCH HÀNH CHÍNH (PAR INDEX)",
          f"Lĩnh vực sáng kiến cải cách hành chính — {f['commune_id']} — năm {f['year']}",
          f"(số liệu đến {as_of.isoformat()})")
    table(doc, ["Mục", "Số lượng", "Chi tiết"], [[r["item"], str(r["count"]), r["detail"]] for r in evidence_rows(f)],
          [6, 2.5, 8], centered=(1,))
    return to_bytes(doc)


def evidence_xlsx(f: dict[str, Any]) -> bytes:
    return register_xlsx(EVIDENCE_COLUMNS, evidence_rows(f), f"Minh chứng PAR — {f['commune_id']} — {f['year']}",
                         "Minh chứng")
