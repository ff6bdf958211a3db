"""What the directory answers: the units tree, officials, one official's history, heads on a date, and
whether someone is in the directory. Names and units are for everyone with a role; contacts (email, phone)
only for those who keep the directory or run the node (least privilege)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.directory_copy import directory_of
from reform_shared.directory_view import DirectoryView, HeadTerm, OfficialRecord, UnitRecord
from reform_shared.envelope import Actor
from reform_shared.errors import NotFound

CONTACT_ROLES = ("secretary", "administrator", "operator")
CONTACTS = ("email", "phone")


def sees_contacts(actor: Actor) -> bool:
    return actor.has_any(*CONTACT_ROLES)


def _plain(record: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else list(v) if isinstance(v, tuple) else v)
            for k, v in dataclasses.asdict(record).items()}


def term(t: HeadTerm) -> dict[str, Any]:
    return _plain(t)


class DirectoryQueries:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._db = db

    async def view(self, commune_id: str) -> DirectoryView:
        return await directory_of(self._db, commune_id)

    def official_doc(self, view: DirectoryView, o: OfficialRecord, on: dt.date, contacts: bool) -> dict[str, Any]:
        doc = {**_plain(o), "active": o.active, "effective_roles": list(view.effective_roles(o.official_id, on)),
               "heads": view.headed_by(o.official_id, on)}
        return doc if contacts else {k: v for k, v in doc.items() if k not in CONTACTS}

    def unit_doc(self, view: DirectoryView, u: UnitRecord, on: dt.date) -> dict[str, Any]:
        head = view.head_of(u.unit_id, on)
        head_record = view.official(head, on) if head else None
        return {**_plain(u), "closed": u.closed, "head_id": head,
                "head_name": head_record.full_name if head_record else None,
                "members": len(view.members(u.unit_id, on)), "children": []}

    async def units(self, commune_id: str, on: dt.date, include_closed: bool = False) -> dict[str, Any]:
        """The units as a tree (children under their parent), each with its head and number of officials."""
        view = await self.view(commune_id)
        docs = {u.unit_id: self.unit_doc(view, u, on) for u in view.units(on) if include_closed or not u.closed}
        roots: list[dict[str, Any]] = []
        for doc in docs.values():
            parent = docs.get(doc["parent_id"]) if doc["parent_id"] else None
            (parent["children"] if parent else roots).append(doc)
        return {"commune_id": commune_id, "on": on.isoformat(), "count": len(docs), "units": roots}

    async def officials(self, commune_id: str, on: dt.date, actor: Actor, unit_id: str | None = None,
                        active: bool | None = True) -> dict[str, Any]:
        view = await self.view(commune_id)
        found = [o for o in view.officials(on) if (unit_id is None or o.unit_id == unit_id)
                 and (active is None or o.active == active)]
        items = [self.official_doc(view, o, on, sees_contacts(actor)) for o in found]
        return {"commune_id": commune_id, "on": on.isoformat(), "count": len(items), "items": items}

    async def official(self, commune_id: str, official_id: str, on: dt.date, actor: Actor) -> dict[str, Any]:
        """One official with their history (back-dated changes in their place) and head terms."""
        view = await self.view(commune_id)
        record = view.official(official_id, on) or view.official(official_id)
        if record is None:
            raise NotFound(f"Không có cán bộ '{official_id}' trong danh bạ", f"no official '{official_id}'",
                           field="official_id", rule="known_official")
        contacts = sees_contacts(actor)
        history = []
        for fact in view.history(official_id):
            if not contacts and "record" in fact:
                fact = {**fact, "record": {k: v for k, v in fact["record"].items() if k not in CONTACTS}}
            history.append(fact)
        return {**self.official_doc(view, record, on, contacts), "on": on.isoformat(), "history": history,
                "head_terms": [term(t) for t in view.terms_of(official_id)]}

    async def head(self, commune_id: str, unit_id: str, on: dt.date) -> dict[str, Any]:
        view = await self.view(commune_id)
        if view.unit(unit_id) is None:
            raise NotFound(f"Không có đơn vị '{unit_id}' trong danh bạ", f"no unit '{unit_id}'", field="unit_id",
                           rule="known_unit")
        head = view.head_of(unit_id, on)
        record = view.official(head, on) if head else None
        return {"unit_id": unit_id, "on": on.isoformat(), "official_id": head,
                "full_name": record.full_name if record else None,
                "terms": [term(t) for t in view.head_terms(unit_id)]}

    async def lookup(self, commune_id: str, on: dt.date, official_id: str | None, unit_id: str | None
                     ) -> dict[str, Any]:
        """Is this official (active on that day) or this unit (open on that day) in the directory?"""
        view = await self.view(commune_id)
        answer: dict[str, Any] = {"commune_id": commune_id, "on": on.isoformat()}
        if official_id is not None:
            o = view.official(official_id, on)
            answer["official"] = {"official_id": official_id, "known": o is not None,
                                  "active": bool(o and o.active), "full_name": o.full_name if o else None,
                                  "unit_id": o.unit_id if o else None,
                                  "effective_roles": list(view.effective_roles(official_id, on))}
        if unit_id is not None:
            u = view.unit(unit_id, on)
            answer["unit"] = {"unit_id": unit_id, "known": u is not None, "open": bool(u and not u.closed),
                              "name": u.name if u else None}
        return answer
