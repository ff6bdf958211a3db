"""Vietnamese text folding for search and uniqueness: "cải cách" and "cai cach" compare equal."""

from __future__ import annotations

import re
import unicodedata

from pydantic import AfterValidator


def fold(text: str) -> str:
    """Lower case, NFC-normalised, without diacritics (đ becomes d)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.replace("đ", "d").split())


CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
"""What no text a person types holds (tab and line breaks aside): control characters, lone surrogates.
Stored, they break every document printed from the record (XML cannot hold them)."""


def printable(value: str) -> str:
    """A validator for text fields of requests: refuses control characters, naming the first one."""
    found = CONTROL_CHARACTERS.search(value)
    if found is not None:
        code = f"U+{ord(found.group()):04X}"
        raise ValueError(f"chứa ký tự điều khiển {code}, hãy xóa ký tự này (contains the control character {code})")
    return value


Printable = AfterValidator(printable)
"""`Annotated[str, ..., Printable]`: a request's text without control characters."""
