"""Report figures into the printable report (DOCX, XLSX) and charts (SVG)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reform_reporting.documents.report.charts import bars_svg, funnel_svg, trend_svg
from reform_reporting.documents.report.model import Breakdown, ReportData

MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FORM_NAMES = {"giay-khen-xa": "Giấy khen của Chủ tịch UBND xã", "bang-khen-tp": "Bằng khen của Chủ tịch UBND thành phố",
              "khen-giai-doan-2026-2030": "Khen thưởng giai đoạn 2026–2030", "khen-dot-xuat": "Khen thưởng đột xuất"}


def _row(row: dict[str, Any]) -> Breakdown:
    return Breakdown(key=row["key"], label=row["label"], submitted=row["submitted"], scored=row["scored"],
                     recognised=row["recognised"], nominated=row["nominated"],
                     city_recognised=row["city_recognised"], awarded=row["awarded"])


def report_data(figures: dict[str, Any]) -> ReportData:
    period = figures["period"]
    return ReportData(
        commune_id=figures["commune_id"], commune_name=figures["commune_name"], period_label=period["label"],
        period_start=dt.date.fromisoformat(period["start"]), period_end=dt.date.fromisoformat(period["end"]),
        as_of=dt.datetime.fromisoformat(figures["as_of"]), total=_row(figures["total"]),
        by_field=tuple(_row(r) for r in figures["by_field"]), by_unit=tuple(_row(r) for r in figures["by_unit"]),
        units_without_initiatives=tuple((u["unit_id"], u["name"]) for u in figures["units_without_initiatives"]),
        on_time=figures["on_time"], late=figures["late"], returned=figures["returned"],
        withdrawn=figures["withdrawn"],
        awards_granted=tuple((figures.get("award_form_names", {}).get(form) or FORM_NAMES.get(form, form), n)
                             for form, n in figures["awards_granted"].items()),
        by_year=tuple((y, s, r) for y, s, r in figures["by_year"]),
        signer=figures.get("signer", ""),
    )


def render(figures: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    # python-docx and openpyxl are imported with the first report of the process (~0.3 s once), not at start-up:
    # together with lxml and numpy they held ~34 MB in a process that may never print one.
    from reform_reporting.documents.report.sheets import render_report_xlsx
    from reform_reporting.documents.report.word import render_report_docx

    data = report_data(figures)
    return (render_report_docx(data) if fmt == "docx" else render_report_xlsx(data)), MEDIA[fmt]


def chart(figures: dict[str, Any], name: str) -> str:
    if name == "funnel":
        return funnel_svg(_row(figures["total"]))
    if name == "fields":
        return bars_svg("Sáng kiến theo lĩnh vực", [(r["label"], r["submitted"]) for r in figures["by_field"]])
    if name == "units":
        return bars_svg("Sáng kiến theo đơn vị", [(r["label"], r["submitted"]) for r in figures["by_unit"]])
    return trend_svg([(y, s, r) for y, s, r in figures["by_year"]])
