"""Text a request may carry and text a document may print: no control characters either way."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from reform_shared.docx_layout import nfc
from reform_shared.text import Printable

pytestmark = pytest.mark.domain


class Named(BaseModel):
    name: Annotated[str, Printable]


@pytest.mark.parametrize("bad", ["An\x00", "An\x01h", "\x1b[31m", "A\x7f", "A\ud800"])
def test_a_request_text_with_a_control_character_is_refused_naming_it(bad: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Named(name=bad)
    error = refused.value.errors()[0]
    assert error["type"] == "value_error" and "ký tự điều khiển U+" in error["msg"]


def test_tabs_and_line_breaks_are_text() -> None:
    assert Named(name="Dòng 1\r\nDòng 2\tcột").name == "Dòng 1\r\nDòng 2\tcột"


def test_a_document_prints_text_composed_and_without_what_xml_cannot_hold() -> None:
    assert nfc("Nguye\u0302\u0303n\x00\x08 Văn\ufffe") == "Nguyễn Văn"
