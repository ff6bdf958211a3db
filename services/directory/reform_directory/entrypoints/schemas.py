"""Request schemas of the directory API (checked before any command is built)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from reform_shared.events.directory import OfficialCategory, UnitKind
from reform_shared.text import Printable

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Printable]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), Printable]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254), Printable]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), Printable]


class Dated(BaseModel):
    """`effective`: the day the change takes effect (today in Vietnam when left out; may be back-dated)."""

    model_config = ConfigDict(extra="forbid")
    effective: dt.date | None = None


class UnitIn(Dated):
    unit_id: Slug
    name: Name
    kind: UnitKind = "khac"
    parent_id: Slug | None = None


class UnitChangeIn(Dated):
    name: Name
    kind: UnitKind = "khac"
    parent_id: Slug | None = None


class CloseIn(Dated):
    reason: Reason = ""


class HeadIn(Dated):
    official_id: Slug
    move_into: bool = False


class OfficialDetailsIn(Dated):
    full_name: Name
    position: Short = ""
    category: OfficialCategory = "cong_chuc"
    email: Contact | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30), Printable] | None = None


class OfficialIn(OfficialDetailsIn):
    official_id: Slug
    unit_id: Slug | None = None
    roles: list[Annotated[str, StringConstraints(max_length=40)]] = Field(default_factory=list, max_length=12)


class MoveIn(Dated):
    unit_id: Slug
    position: Short = ""


class RolesIn(Dated):
    roles: list[Annotated[str, StringConstraints(max_length=40)]] = Field(max_length=12)


class DepartureIn(Dated):
    reason: Reason = ""
