"""Vietnamese text folding for search and uniqueness: "cải cách" and "cai cach" compare equal."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case, NFC-normalised, without diacritics (đ becomes d)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.replace("đ", "d").split())
