"""FastAPI dependencies: the authenticated actor, role and commune checks, idempotency key.

Every dependency is `async def`, even when it awaits nothing: FastAPI runs a plain `def` dependency in its thread
pool, a thread hop per dependency per request (a profile of the command path showed the hand-offs as a fifth of
the submission service's time under 10 concurrent clients)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Request, Response

from reform_shared.auth.tokens import TokenVerifier
from reform_shared.commands import CommandContext
from reform_shared.envelope import TOKEN_PATTERN, Actor
from reform_shared.errors import Forbidden, ServiceUnavailable, Unauthenticated
from reform_shared.idempotency import CommandResult
from reform_shared.ids import Clock, new_id
from reform_shared.runtime import ServiceRuntime

W = TypeVar("W")
T = TypeVar("T")


def wiring_of(kind: type[W]) -> Callable[[Request], Awaitable[W]]:
    """A dependency returning the service's wiring object (built by its `bootstrap.py` at start), typed:
    `Annotated[SubmissionWiring, Depends(wiring_of(SubmissionWiring))]`. Before it is built: 503."""

    async def dependency(request: Request) -> W:
        wiring = getattr(request.app.state, "wiring", None)
        if not isinstance(wiring, kind):
            raise ServiceUnavailable("service", "starting")
        return wiring

    dependency.__name__ = f"wiring_{kind.__name__}"
    return dependency


def part_of(kind: type[W], pick: Callable[[W], T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency returning one part of the service's wiring object:
    `Annotated[AwardCommands, Depends(part_of(AwardsWiring, lambda w: w.commands))]`."""
    wired = wiring_of(kind)

    async def dependency(request: Request) -> T:
        return pick(await wired(request))

    dependency.__name__ = f"part_of_{kind.__name__}"
    return dependency


async def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def current_actor(request: Request) -> Actor:
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
    return await verifier.authenticate(token.strip())


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


PathId = Annotated[str, Path(pattern=TOKEN_PATTERN)]
"""An id in a route's path (a commune, a campaign, an initiative, an award): a token, as every id is."""
CommuneId = PathId
RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
ClockDep = Annotated[Clock, Depends(get_clock)]
CorrelationHeader = Annotated[str | None, Header(alias="X-Correlation-Id", max_length=100)]
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


def command_context(actor: Actor, clock: Clock, key: str | None, correlation: str | None) -> CommandContext:
    """Who sends the command, when, its retry key and the correlation id (a new one if none came)."""
    return CommandContext(actor=actor, clock=clock, correlation_id=correlation or new_id(), idempotency_key=key)


def answer(result: CommandResult, response: Response) -> dict[str, Any]:
    """The command's body (its status is the route's); a replayed retry says so in a header."""
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result.body


async def get_command_context(
    actor: ActorDep,
    clock: ClockDep,
    idempotency_key: IdempotencyKeyHeader = None,
    correlation_id: CorrelationHeader = None,
) -> CommandContext:
    return command_context(actor, clock, idempotency_key, correlation_id)


CommandContextDep = Annotated[CommandContext, Depends(get_command_context)]
"""The authenticated actor, the clock, the client's Idempotency-Key and X-Correlation-Id, together."""
