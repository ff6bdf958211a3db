"""The report's SVG figures: the funnel, horizontal bars and the yearly trend, self-contained, every count beside its
bar.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reform_reporting.documents.report.model import NO_DATA, STAGE_LABELS, STAGES, Breakdown, _count, nfc, percent

# -- SVG -------------------------------------------------------------------------------------------------------

WIDTH = 640
MARGIN = 16
FONT_FAMILY = "Arial, Helvetica, sans-serif"  # generic system faces: nothing to fetch
INK, MUTED, RULE, PAPER = "#1a1a1a", "#595959", "#bfbfbf", "#ffffff"
STAGE_COLOURS: tuple[str, ...] = ("#1f4e79", "#2e75b6", "#548235", "#bf8f00", "#7030a0", "#c55a11")
BAR_COLOUR = "#2e75b6"
SUBMITTED_COLOUR, RECOGNISED_COLOUR = "#2e75b6", "#548235"
FUNNEL_TITLE = "Kết quả sáng kiến: từ nộp hồ sơ đến khen thưởng"
TREND_TITLE = "Sáng kiến nộp và được công nhận theo năm"
LINE = 20  # the height of a line of 13 px text
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(text: str) -> str:
    """Text content of an element: NFC, without characters XML cannot hold, &, < and > escaped."""
    return escape(_NOT_XML.sub("", nfc(text)))


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 13, bold: bool = False,
          fill: str = INK) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{weight}>'
            f"{_esc(content)}</text>")


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{fill}"/>'


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(nfc(text).strip(), width) or [""]


def _document(heading: str, height: float, body: Sequence[str]) -> str:
    """The SVG root: an accessible title, a white page, the visible heading, then the body."""
    lines = [_text(MARGIN, 26 + LINE * index, line, size=15, bold=True)
             for index, line in enumerate(_wrap(heading, 70))]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" font-family="{FONT_FAMILY}">'
            f"<title>{_esc(heading)}</title>{_rect(0, 0, WIDTH, height, PAPER)}{''.join(lines)}{''.join(body)}</svg>")


def _top(heading: str) -> float:
    """Where the body starts, below the heading's lines."""
    return 26 + LINE * len(_wrap(heading, 70)) + 8


def _empty(heading: str) -> str:
    top = _top(heading)
    return _document(heading, top + 60, [_text(WIDTH / 2, top + 30, NO_DATA, anchor="middle", size=14, fill=MUTED)])


def _length(value: int, scale: int, room: float) -> float:
    """A bar's length: proportional, at least 2 px when the value is not zero."""
    return 0.0 if value <= 0 else max(2.0, room * value / scale)


def funnel_svg(total: Breakdown) -> str:
    """One horizontal bar per stage, Nộp → Công nhận cấp thành phố → Khen thưởng, each with its count and its
    share of the submitted initiatives."""
    if not any(total.counts):
        return _empty(FUNNEL_TITLE)
    top, label_room, bar_x, room = _top(FUNNEL_TITLE), 180, MARGIN + 188, 300.0
    scale = max(total.counts)
    body: list[str] = []
    for index, (label, value) in enumerate(zip(STAGE_LABELS, total.counts, strict=True)):
        y = top + 38 * index
        length = _length(value, scale, room)
        share = percent(value, total.submitted)
        body += [_text(MARGIN + label_room, y + 19, label, anchor="end"),
                 _rect(bar_x, y, length, 26, STAGE_COLOURS[index]),
                 _text(bar_x + length + 8, y + 19, f"{_count(value)} ({share})" if share else _count(value),
                       bold=True)]
    note_y = top + 38 * len(STAGES) + 14
    body.append(_text(MARGIN, note_y, "Tỷ lệ tính trên số sáng kiến đã nộp.", size=11, fill=MUTED))
    return _document(FUNNEL_TITLE, note_y + 14, body)


def bars_svg(title: str, items: Sequence[tuple[str, int]]) -> str:
    """Horizontal bars in the order given, each label above its bar and the count beside it."""
    if not items:
        return _empty(title)
    y, room = _top(title), float(WIDTH - 2 * MARGIN - 80)
    scale = max(1, *(value for _, value in items))
    body: list[str] = []
    for label, value in items:
        for line in _wrap(label, 80):
            body.append(_text(MARGIN, y + 14, line))
            y += 18
        length = _length(value, scale, room)
        body += [_rect(MARGIN, y + 2, length, 18, BAR_COLOUR),
                 _text(MARGIN + length + 8, y + 16, _count(value), bold=True)]
        y += 32
    return _document(title, y + 4, body)


def _legend(y: float) -> list[str]:
    return [_rect(MARGIN, y - 11, 14, 14, SUBMITTED_COLOUR), _text(MARGIN + 20, y, "Nộp"),
            _rect(MARGIN + 80, y - 11, 14, 14, RECOGNISED_COLOUR), _text(MARGIN + 100, y, "Công nhận")]


def trend_svg(points: Sequence[tuple[int, int, int]]) -> str:
    """Grouped columns per year (submitted, recognised), the counts written above the columns, with a legend."""
    if not points:
        return _empty(TREND_TITLE)
    ordered = sorted(points)
    top = _top(TREND_TITLE)
    chart_top, chart_height, left = top + 40, 200.0, float(MARGIN + 24)
    baseline = chart_top + chart_height
    group = (WIDTH - MARGIN - left) / len(ordered)
    column = min(40.0, group * 0.36)
    scale = max(1, *(max(s, r) for _, s, r in ordered))
    body = [*_legend(top + 14), f'<line x1="{left}" y1="{baseline}" x2="{WIDTH - MARGIN}" y2="{baseline}" '
                                f'stroke="{RULE}" stroke-width="1"/>']
    for index, (year, submitted, recognised) in enumerate(ordered):
        middle = left + group * (index + 0.5)
        for offset, value, colour in ((-1, submitted, SUBMITTED_COLOUR), (0, recognised, RECOGNISED_COLOUR)):
            x = middle + offset * column + (2 if offset == 0 else -2)
            height = _length(value, scale, chart_height)
            body += [_rect(x, baseline - height, column, height, colour),
                     _text(x + column / 2, baseline - height - 5, _count(value), anchor="middle", size=11, bold=True)]
        body.append(_text(middle, baseline + 18, str(year), anchor="middle"))
    return _document(TREND_TITLE, baseline + 32, body)
