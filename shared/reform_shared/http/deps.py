"""FastAPI dependencies: the authenticated actor, role and commune checks, idempotency key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from reform_shared.auth.tokens import TokenVerifier
from reform_shared.envelope import Actor
from reform_shared.errors import Forbidden, Unauthenticated
from reform_shared.runtime import ServiceRuntime


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def current_actor(request: Request) -> Actor:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthenticated(
            "Thiếu mã xác thực: gửi header 'Authorization: Bearer <token>'",
            "missing bearer token: send 'Authorization: Bearer <token>'",
            field="Authorization",
            rule="bearer_required",
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "Header Authorization phải có dạng 'Bearer <token>'",
            "the Authorization header must be 'Bearer <token>'",
            field="Authorization",
            rule="bearer_required",
        )
    verifier: TokenVerifier = request.app.state.verifier
    return verifier.verify(token.strip())


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
ActorDep = Annotated[Actor, Depends(current_actor)]
IdempotencyKeyHeader = Annotated[str | None, Header(alias="Idempotency-Key")]


def require_commune(actor: Actor, commune_id: str) -> None:
    """Nobody acts across communes: the token's commune must be the one addressed."""
    if actor.commune_id != commune_id:
        raise Forbidden(
            f"Tài khoản thuộc xã/phường '{actor.commune_id}', không được thao tác trên '{commune_id}'",
            f"your account belongs to commune '{actor.commune_id}', not to '{commune_id}'",
            field="commune_id",
            rule="same_commune_only",
        )


def require_role(actor: Actor, *roles: str) -> None:
    if not actor.has_any(*roles):
        raise Forbidden(
            f"Thao tác này cần một trong các vai trò: {', '.join(roles)}",
            f"this action needs one of the roles: {', '.join(roles)}",
            rule="role_required",
            details={"required_roles": list(roles), "your_roles": list(actor.roles)},
        )
