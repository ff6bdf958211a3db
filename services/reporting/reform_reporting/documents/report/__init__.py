"""The periodic report on administrative-reform initiatives (báo cáo quý, năm), as DOCX, XLSX and SVG figures.

One module each: `model` (the data), `word` (DOCX), `sheets` (XLSX), `charts` (SVG).

- DOCX: the commune's (or the city's) BÁO CÁO laid out on reform_shared.docx_layout: header, number and date
  left blank for the clerk, the as-of line, sections I–VI, the recipients and the chairman's signature block.
- XLSX: the same figures as sheets ("Tong hop", "Theo linh vuc", "Theo don vi", "Don vi chua de xuat"): bold
  headers, frozen header rows, totals written as numbers (a reader that does not calculate still sees them).
- SVG: the funnel, horizontal bars and the yearly trend; self-contained (no fonts, scripts or links to fetch),
  every count written beside its bar so that the figure reads on paper.

The data is plain frozen values: the application computes it from the event log up to `as_of`; nothing is
decided here. The totals rows of the tables are the sums of their rows, and a breakdown whose sums differ
from the report's total is refused when the data is built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from reform_reporting.documents.report.charts import bars_svg, funnel_svg, trend_svg
from reform_reporting.documents.report.model import STAGES, Breakdown, ReportData, sum_rows

if TYPE_CHECKING:
    from reform_reporting.documents.report.sheets import render_report_xlsx
    from reform_reporting.documents.report.word import TABLE_WIDTHS, render_report_docx

_LAZY = {"render_report_xlsx": "sheets", "render_report_docx": "word", "TABLE_WIDTHS": "word"}
"""Imported on first use (python-docx, openpyxl, lxml, numpy with them), not with the package."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "STAGES", "TABLE_WIDTHS", "Breakdown", "ReportData", "bars_svg", "funnel_svg", "render_report_docx",
    "render_report_xlsx", "sum_rows", "trend_svg",
]
