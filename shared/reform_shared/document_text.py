"""The text of an administrative document — NFC, dates and numbers the Vietnamese way — without python-docx.

Apart from `docx_layout` (which re-exports it) so that a module that only formats text (a view, a report's
figures) does not import python-docx and lxml at start-up: a service imports them only when it makes a DOCX.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

BLANK = "      "  # room for a number or a day written by hand: a draft's "Số:      /QĐ-UBND"

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0 cannot hold: a stored text carrying one (a name pasted with a control character)
made lxml refuse the whole document, a 500 for every export that prints it."""


def nfc(text: str) -> str:
    """The text as a document may print it: NFC, without the characters XML cannot hold."""
    return XML_ILLEGAL.sub("", unicodedata.normalize("NFC", text))


def vn_date(date: dt.date) -> str:
    """'ngày 05 tháng 09 năm 2026': day and month on two digits, as on the seeds' date lines."""
    return f"ngày {date:%d} tháng {date:%m} năm {date:%Y}"


def vn_blank_date(year: int | None = None) -> str:
    """The date of a draft, filled in by hand when it is signed: 'ngày      tháng      năm 2026'."""
    return f"ngày{BLANK}tháng{BLANK}năm {year if year is not None else BLANK}"


def vn_number(value: float, digits: int = 2) -> str:
    """Vietnamese number format: ',' before decimals and '.' between thousands (1.234,5); no trailing zeros."""
    text = f"{round(value, digits):,.{digits}f}"
    text = text.rstrip("0").rstrip(".") if digits else text
    return text.translate(str.maketrans(",.", ".,"))
