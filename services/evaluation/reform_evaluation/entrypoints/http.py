"""HTTP routes of the evaluation service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from reform_evaluation.application.candidates import CANDIDATES
from reform_shared.envelope import TOKEN_PATTERN
from reform_shared.http.deps import ActorDep, RuntimeDep, require_commune, require_role

router = APIRouter(prefix="/api/v1/communes/{commune_id}", tags=["evaluation"])


@router.get("/candidates")
async def list_candidates(
    commune_id: Annotated[str, Path(pattern=TOKEN_PATTERN)], actor: ActorDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Initiatives awaiting the council, oldest first."""
    require_commune(actor, commune_id)
    require_role(actor, "secretary", "council_member", "council_chair", "chairman")
    assert runtime.db is not None
    cursor = runtime.db[CANDIDATES].find({"commune_id": commune_id}, {"_id": 0}).sort("submitted_at", 1)
    items = [doc async for doc in cursor]
    return {"commune_id": commune_id, "count": len(items), "items": items}
