"""HTTP routes of the awards service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from reform_awards.application.register import AWARDS
from reform_shared.envelope import TOKEN_PATTERN
from reform_shared.http.deps import ActorDep, RuntimeDep, require_commune

router = APIRouter(prefix="/api/v1/communes/{commune_id}", tags=["awards"])


@router.get("/awards")
async def list_awards(
    commune_id: Annotated[str, Path(pattern=TOKEN_PATTERN)], actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """The commune's award register (proposals and grants)."""
    require_commune(actor, commune_id)
    assert runtime.db is not None
    items = [doc async for doc in runtime.db[AWARDS].find({"commune_id": commune_id}, {"_id": 0})]
    return {"commune_id": commune_id, "count": len(items), "items": items}
