"""Who may sign in, and with which roles: a pure fold of the directory events.

A small interface of the identity service's own (`Directory.of(events, on)`, `official`,
`effective_roles`), shaped like `reform_shared.directory_view` (the directory service's fold) so that it
can be replaced by it with little change: the projection keeps the events, this folds them.

Changes take effect on their `effective` date: the directory as of a day is the fold of the events
effective on or before that day, in stream order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from reform_shared.auth.tokens import CITY, CITY_ROLES, ROLES
from reform_shared.envelope import EventPayload
from reform_shared.events.directory import (
    DirectoryImported,
    OfficialEntry,
    OfficialLeft,
    OfficialMoved,
    OfficialRegistered,
    OfficialRolesChanged,
    OfficialUpdated,
    UnitHeadAppointed,
    UnitHeadVacated,
)

FOLDED = (OfficialRegistered, OfficialUpdated, OfficialMoved, OfficialRolesChanged, OfficialLeft,
          UnitHeadAppointed, UnitHeadVacated, DirectoryImported)
"""The directory events this fold reads."""


@dataclass(frozen=True)
class Official:
    official_id: str
    full_name: str
    unit_id: str | None
    roles: tuple[str, ...]
    active: bool = True
    email: str | None = None


@dataclass(frozen=True)
class Directory:
    """A commune's officials and unit heads as of one day."""

    officials: dict[str, Official]
    heads: dict[str, str]
    """unit id → the official heading it."""

    @classmethod
    def of(cls, events: Iterable[EventPayload], on: dt.date) -> Directory:
        directory = cls({}, {})
        for event in events:
            if getattr(event, "effective", on) <= on:
                directory._apply(event)
        return directory

    def official(self, official_id: str) -> Official | None:
        return self.officials.get(official_id)

    def effective_roles(self, official_id: str) -> tuple[str, ...]:
        """The roles assigned in the directory, and unit_head while heading a unit; nothing once left."""
        official = self.officials.get(official_id)
        if official is None or not official.active:
            return ()
        roles = list(official.roles)
        if official_id in self.heads.values() and "unit_head" not in roles:
            roles.append("unit_head")
        return tuple(role for role in roles if role in ROLES)

    def _register(self, entry: OfficialEntry, keep_active: bool) -> None:
        known = self.officials.get(entry.official_id)
        self.officials[entry.official_id] = Official(
            entry.official_id, entry.full_name, entry.unit_id, tuple(entry.roles),
            active=known.active if (known and keep_active) else True, email=entry.email)

    def _update(self, official_id: str, **changes: object) -> None:
        known = self.officials.get(official_id)
        if known is not None:
            self.officials[official_id] = replace(known, **changes)  # type: ignore[arg-type]

    def _stop_heading(self, official_id: str, unit_id: str | None = None) -> None:
        for unit, head in list(self.heads.items()):
            if head == official_id and unit_id in (None, unit):
                del self.heads[unit]

    def _apply(self, event: EventPayload) -> None:
        match event:
            case OfficialRegistered(official=entry):
                self._register(entry, keep_active=False)
            case OfficialUpdated():
                self._update(event.official_id, full_name=event.full_name, email=event.email)
            case OfficialMoved():
                known = self.officials.get(event.official_id)
                if known is not None and known.unit_id != event.unit_id:
                    self._stop_heading(event.official_id, known.unit_id)
                self._update(event.official_id, unit_id=event.unit_id)
            case OfficialRolesChanged():
                self._update(event.official_id, roles=tuple(event.roles))
            case OfficialLeft():
                self._update(event.official_id, active=False)
                self._stop_heading(event.official_id)
            case UnitHeadAppointed():
                self.heads[event.unit_id] = event.official_id
            case UnitHeadVacated():
                self.heads.pop(event.unit_id, None)
            case DirectoryImported():
                for entry in event.officials:
                    self._register(entry, keep_active=True)
                for head in event.heads:
                    self.heads[head.unit_id] = head.official_id


def grantable(commune_id: str, roles: Iterable[str]) -> tuple[str, ...]:
    """Roles a token of this commune may carry: known ones, and the city's only on city accounts."""
    return tuple(role for role in dict.fromkeys(roles)
                 if role in ROLES and (commune_id == CITY or role not in CITY_ROLES))
