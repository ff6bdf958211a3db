"""The building blocks of every service's request schemas: strict bodies, printable text, slug ids."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from reform_shared.envelope import TOKEN_PATTERN
from reform_shared.text import Printable

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), Printable]
"""A name, a title, a number: 1–300 printable characters, trimmed."""
Token = Annotated[str, StringConstraints(pattern=TOKEN_PATTERN)]
"""An id as it stands in subjects (letters, digits, '-', '_'; at most 64)."""
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), Printable]
"""Why (a return, a withdrawal, a refusal): at most 2,000 printable characters, trimmed; a route that requires
one says its minimum with `Annotated[Reason, Field(min_length=n)]`."""


class Strict(BaseModel):
    """A request body: an unknown field is refused (422 naming it), never silently dropped."""

    model_config = ConfigDict(extra="forbid")
