"""The inbox API (the signed-in person's own notifications and preferences) and the operators' view."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from reform_notifications.domain.notice import KINDS
from reform_notifications.domain.preferences import Preferences
from reform_notifications.wiring import NotificationsWiring
from reform_shared.http.deps import ActorDep, require_role, wiring_of

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])
WiringDep = Annotated[NotificationsWiring, Depends(wiring_of(NotificationsWiring))]


class NotificationPublic(BaseModel):
    id: str
    kind: str
    kind_label: str
    subject: str
    lines: list[str]
    link: str
    created_at: dt.datetime
    read: bool


class Unread(BaseModel):
    unread: int


class MarkRead(BaseModel):
    ids: list[str] | None = None
    """The notifications to mark read; none: all of them."""


class Marked(BaseModel):
    marked: int


def _public(doc: dict[str, Any]) -> NotificationPublic:
    return NotificationPublic(id=doc["_id"], kind=doc["kind"], kind_label=KINDS.get(doc["kind"], doc["kind"]),
                              subject=doc["subject"], lines=doc["lines"], link=doc["link"],
                              created_at=doc["created_at"], read=doc["read_at"] is not None)


@router.get("/me", response_model=list[NotificationPublic])
async def my_notifications(actor: ActorDep, w: WiringDep, unread: bool = False) -> list[NotificationPublic]:
    return [_public(d) for d in await w.inbox.listed(actor.commune_id, actor.user_id, unread_only=unread)]


@router.get("/me/unread", response_model=Unread)
async def my_unread(actor: ActorDep, w: WiringDep) -> Unread:
    return Unread(unread=await w.inbox.unread(actor.commune_id, actor.user_id))


@router.post("/me/read", response_model=Marked)
async def mark_read(body: MarkRead, actor: ActorDep, w: WiringDep) -> Marked:
    return Marked(marked=await w.inbox.mark_read(actor.commune_id, actor.user_id, body.ids, w.clock.now()))


@router.get("/me/preferences", response_model=Preferences)
async def my_preferences(actor: ActorDep, w: WiringDep) -> Preferences:
    return await w.outbox.preferences(actor.commune_id, actor.user_id)


@router.put("/me/preferences", response_model=Preferences)
async def set_my_preferences(body: Preferences, actor: ActorDep, w: WiringDep) -> Preferences:
    await w.outbox.set_preferences(actor.commune_id, actor.user_id, body)
    return body


@router.get("/kinds")
async def kinds(actor: ActorDep) -> dict[str, str]:
    """Every kind of notification with its Vietnamese name (the preferences form lists them)."""
    return KINDS


@router.get("/ops/failures", tags=["operations"])
async def failures(actor: ActorDep, w: WiringDep) -> list[dict[str, Any]]:
    """E-mails given up on and e-mails being retried after a failure, with the last error."""
    require_role(actor, "operator")
    return [{**d, "next_at": d["next_at"].isoformat()} for d in await w.dispatcher.failures()]


@router.get("/ops/parked", tags=["operations"])
async def parked(actor: ActorDep, w: WiringDep) -> list[dict[str, Any]]:
    """Events the consumer could not read (kept with their error; the operators were told)."""
    require_role(actor, "operator")
    return [{**d, "parked_at": d["parked_at"].isoformat()} for d in await w.intake.parked()]
