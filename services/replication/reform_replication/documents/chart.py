"""The city view's SVG charts: one horizontal bar per item, the count written beside it, a `<title>` for
assistive technology (the portal gives the same numbers in words and in a table beside)."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

WIDTH, MARGIN, ROOM = 640, 16, 520.0
INK, MUTED, BAR = "#1a1a1a", "#595959", "#2e75b6"


def _esc(text: str) -> str:
    return escape(unicodedata.normalize("NFC", text))


def _text(x: float, y: float, content: str, *, bold: bool = False, fill: str = INK, size: int = 13) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" fill="{fill}"{weight}>{_esc(content)}</text>'


def bars_svg(title: str, items: Sequence[tuple[str, int]]) -> str:
    """Bars in the order given, each label above its bar; "Chưa có số liệu" when there is none."""
    body, y = [_text(MARGIN, 26, title, bold=True, size=15)], 50.0
    if not items:
        body.append(_text(MARGIN, y + 14, "Chưa có số liệu", fill=MUTED))
        y += 30
    scale = max([1, *(value for _, value in items)])
    for label, value in items:
        for line in textwrap.wrap(label, 80) or [""]:
            body.append(_text(MARGIN, y + 14, line))
            y += 18
        length = 0.0 if value <= 0 else max(2.0, ROOM * value / scale)
        body += [f'<rect x="{MARGIN}" y="{y + 2:.1f}" width="{length:.1f}" height="18" fill="{BAR}"/>',
                 _text(MARGIN + length + 8, y + 16, str(value), bold=True)]
        y += 32
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y:.0f}" viewBox="0 0 {WIDTH} {y:.0f}" '
            f'role="img" font-family="Arial, Helvetica, sans-serif"><title>{_esc(title)}</title>'
            f'<rect x="0" y="0" width="{WIDTH}" height="{y:.0f}" fill="#ffffff"/>{"".join(body)}</svg>')


CHARTS = {"most-adopted": "Sáng kiến được nhân rộng nhiều nhất (lượt áp dụng)",
          "communes": "Lượt áp dụng sáng kiến của nơi khác, theo xã/phường"}


def chart_of(name: str, view: dict[str, Any]) -> str:
    if name == "most-adopted":
        rows = [(f"{m['title']} ({m['origin_commune_id']})", int(m["adoptions"])) for m in view["most_adopted"]]
    else:
        rows = [(str(c["commune_id"]), int(c["adoptions_made"])) for c in view["per_commune"]]
    return bars_svg(CHARTS[name], rows)
