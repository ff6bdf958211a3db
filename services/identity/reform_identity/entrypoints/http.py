"""The administrator's API: accounts (password resets, unlocks), the audit record, service accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from reform_identity.wiring import IdentityWiring
from reform_shared.envelope import TOKEN_PATTERN, Actor
from reform_shared.errors import Forbidden
from reform_shared.http.deps import ActorDep, require_commune, require_role, wiring_of

router = APIRouter(prefix="/api/v1/communes/{commune_id}", tags=["identity"])
Wired = Annotated[IdentityWiring, Depends(wiring_of(IdentityWiring))]
ADMINISTRATOR = "administrator"
Token = Annotated[str, Field(pattern=TOKEN_PATTERN)]


def administrator(actor: Actor, commune_id: str) -> None:
    require_commune(actor, commune_id)
    require_role(actor, ADMINISTRATOR)


class PasswordReset(BaseModel):
    password: str | None = Field(default=None, min_length=1, max_length=200,
                                 description="the one-time password; made by the service when absent")
    temporary: bool = Field(default=True, description="the official must change it at the next sign-in "
                                                      "(false only outside production: the demo's passwords)")


class ServiceAccountRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    roles: list[Token] = Field(min_length=1, max_length=10)


@router.get("/accounts")
async def accounts(commune_id: str, actor: ActorDep, w: Wired) -> dict[str, Any]:
    """Every official of the directory and their account: password set, must change, locked until."""
    administrator(actor, commune_id)
    items = await w.accounts.listing(commune_id)
    return {"count": len(items), "items": items}


@router.put("/accounts/{official_id}/password")
async def reset_password(commune_id: str, official_id: str, body: PasswordReset, actor: ActorDep, w: Wired
                         ) -> dict[str, Any]:
    """Set a one-time password: shown here once, never stored in clear nor written to the audit."""
    administrator(actor, commune_id)
    if not body.temporary and w.production:
        raise Forbidden("Trong môi trường vận hành, mật khẩu do quản trị viên đặt luôn phải đổi ở lần đăng nhập sau",
                        "in production a password set by the administrator must always be changed at next sign-in",
                        field="temporary", rule="one_time_password")
    password = await w.accounts.set_password(commune_id, official_id, body.password, temporary=body.temporary,
                                             by=actor.user_id)
    return {"official_id": official_id, "one_time_password": password, "must_change": body.temporary}


@router.post("/accounts/{official_id}/unlock")
async def unlock(commune_id: str, official_id: str, actor: ActorDep, w: Wired) -> dict[str, Any]:
    administrator(actor, commune_id)
    await w.accounts.unlock(commune_id, official_id, by=actor.user_id)
    return {"official_id": official_id, "locked": False}


@router.get("/audit")
async def audit(commune_id: str, actor: ActorDep, w: Wired,
                subject: Annotated[str | None, Query(max_length=100)] = None,
                kind: Annotated[str | None, Query(max_length=40)] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    """Sign-ins, failures, lockouts, resets and token issues, newest first."""
    administrator(actor, commune_id)
    items = await w.audit.read(commune_id, subject=subject, kind=kind, limit=limit)
    return {"count": len(items), "items": items}


@router.post("/service-accounts", status_code=201)
async def create_service_account(commune_id: str, body: ServiceAccountRequest, actor: ActorDep, w: Wired
                                 ) -> dict[str, Any]:
    """A client for a script or an integration, with its own roles; its secret is shown this once."""
    administrator(actor, commune_id)
    return await w.grants.create_service_account(commune_id, body.name, list(body.roles), by=actor.user_id)


@router.get("/service-accounts")
async def service_accounts(commune_id: str, actor: ActorDep, w: Wired) -> dict[str, Any]:
    administrator(actor, commune_id)
    items = await w.grants.service_accounts(commune_id)
    return {"count": len(items), "items": items}


@router.post("/service-accounts/{client_id}/disable")
async def disable_service_account(commune_id: str, client_id: str, actor: ActorDep, w: Wired) -> dict[str, Any]:
    administrator(actor, commune_id)
    await w.grants.disable_service_account(commune_id, client_id, by=actor.user_id)
    return {"client_id": client_id, "active": False}
