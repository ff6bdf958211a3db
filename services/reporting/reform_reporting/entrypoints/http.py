"""Read-only HTTP routes of the reporting service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from reform_reporting.application.register import CAMPAIGNS, INITIATIVES, initiative_key
from reform_shared.envelope import TOKEN_PATTERN, Actor
from reform_shared.errors import Forbidden, NotFound
from reform_shared.http.deps import ActorDep, RuntimeDep
from reform_shared.text import fold

CommuneId = Annotated[str, Path(pattern=TOKEN_PATTERN)]
router = APIRouter(prefix="/api/v1/communes/{commune_id}", tags=["reporting"])


def may_read(actor: Actor, commune_id: str) -> None:
    """A commune's staff read their commune; city officers read every commune."""
    if actor.commune_id != commune_id and not actor.has_any("city_officer"):
        raise Forbidden(
            f"Tài khoản thuộc '{actor.commune_id}' không được xem số liệu của '{commune_id}'",
            f"your account ({actor.commune_id}) may not read commune '{commune_id}'",
            field="commune_id",
            rule="same_commune_or_city",
        )


def public(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("_id", "title_folded")}
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in out.items()}


@router.get("/initiatives")
async def list_initiatives(
    commune_id: CommuneId,
    actor: ActorDep,
    runtime: RuntimeDep,
    campaign_id: str | None = None,
    field: str | None = None,
    unit_id: str | None = None,
    status: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="search in titles, without diacritics")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    may_read(actor, commune_id)
    assert runtime.db is not None
    query: dict[str, Any] = {"commune_id": commune_id}
    for key, value in (("campaign_id", campaign_id), ("field", field), ("unit.unit_id", unit_id), ("status", status)):
        if value is not None:
            query[key] = value
    docs = [public(doc) async for doc in runtime.db[INITIATIVES].find(query).sort("submitted_at", 1).limit(limit)]
    if q:
        needle = fold(q)
        docs = [doc for doc in docs if needle in fold(doc["title"]) or needle in fold(doc.get("summary", ""))]
    return {"commune_id": commune_id, "count": len(docs), "items": docs}


@router.get("/initiatives/{initiative_id}")
async def get_initiative(
    commune_id: CommuneId, initiative_id: Annotated[str, Path(pattern=TOKEN_PATTERN)], actor: ActorDep,
    runtime: RuntimeDep,
) -> dict[str, Any]:
    may_read(actor, commune_id)
    assert runtime.db is not None
    doc = await runtime.db[INITIATIVES].find_one({"_id": initiative_key(commune_id, initiative_id)})
    if doc is None:
        raise NotFound(
            f"Không tìm thấy sáng kiến {initiative_id} của {commune_id}",
            f"no initiative {initiative_id} in commune {commune_id}",
            field="initiative_id",
        )
    return public(doc)


@router.get("/campaigns")
async def list_campaigns(commune_id: CommuneId, actor: ActorDep, runtime: RuntimeDep) -> dict[str, Any]:
    may_read(actor, commune_id)
    assert runtime.db is not None
    docs = [public(doc) async for doc in runtime.db[CAMPAIGNS].find({"commune_id": commune_id}).sort("year", -1)]
    return {"commune_id": commune_id, "count": len(docs), "items": docs}
